// Test support: an agent speaking protocol v1 through a fake AgentSocket, encoding
// frames with the protocol helpers as a real agent would. Tests script it frame by
// frame, or give it a handler that answers every request. Not used by the edge itself.
import {
  controlFrame,
  decodeFrames,
  encodeFrames,
  FrameType,
  parseControl,
  type ControlInput,
  type ControlMessage,
  type ControlTypeName,
  type Frame,
  type Hello,
  type RequestHead,
  type Usage,
  concatBytes,
} from '../../protocol/index';
import type { Hub, AgentConnection, AgentSocket, HubOptions, LinkMemory, RelayRequest } from '../../edge/core/hub/index';

type FrameName = ControlTypeName | 'data';
type Waiter = { match: (f: Frame) => boolean; resolve: (f: Frame) => void };

export interface FakeRequest {
  stream: number;
  head: RequestHead;
  body: Uint8Array;
}

export interface FakeReply {
  status?: number;
  headers?: Record<string, string>;
  chunks?: (string | Uint8Array)[];
  usage?: Usage;
}

export type FakeHandler = (req: FakeRequest) => FakeReply | Promise<FakeReply>;

const encoder = new TextEncoder();

export class FakeAgent {
  /** Every frame the edge sent, in order. */
  readonly log: Frame[] = [];
  readonly texts: string[] = [];
  /** Requests the handler was asked to answer (with `answering`), in order. */
  readonly requests: FakeRequest[] = [];
  readonly agentId: string;
  remembered: { hello: Hello; memory: LinkMemory } | undefined;
  closedWith: { code: number; reason: string } | undefined;
  conn!: AgentConnection;
  readonly socket: AgentSocket;
  #inbox: Frame[] = [];
  #waiters: Waiter[] = [];
  #onClose: ((c: { code: number; reason: string }) => void)[] = [];
  #handler: FakeHandler | undefined;
  #open = new Map<number, { head: RequestHead; chunks: Uint8Array[] }>();

  constructor(agentId = 'gpu-1') {
    this.agentId = agentId;
    this.socket = {
      bufferedAmount: 0,
      send: (message) => {
        const decoded = decodeFrames(message);
        if (!decoded.ok) throw decoded.error;
        // Copies: the codec hands out views into one message.
        for (const f of decoded.value) this.#deliver({ ...f, payload: f.payload.slice() });
      },
      sendText: (text) => this.texts.push(text),
      close: (code, reason) => {
        if (this.closedWith) return;
        this.closedWith = { code, reason };
        for (const fn of this.#onClose) fn(this.closedWith);
        // A host reports the close event a moment later, as ws and workerd do.
        setTimeout(() => this.conn.closed(code, reason), 0);
      },
      remember: (hello, memory) => {
        this.remembered = { hello, memory: { ...memory } };
      },
    };
  }

  /** From now on, grants credit for every upload and answers each request with `handler`. */
  answering(handler: FakeHandler): this {
    this.#handler = handler;
    return this;
  }

  /** Dials the hub; with a remembered hello it is restored without a handshake. */
  connect(hub: Hub, restored?: Hello, memory?: LinkMemory): this {
    return this.attach(hub.connect(this.socket, restored, memory));
  }

  /** Talks to `conn` from now on: a Hub's connection, or a real WebSocket's sending side. */
  attach(conn: AgentConnection): this {
    this.conn = conn;
    return this;
  }

  /** Connects and says hello; resolves once welcomed. */
  join(hub: Hub, hello: Partial<ControlInput<'hello'>> = {}): Promise<this> {
    return this.connect(hub).greet(hello);
  }

  /** Says hello on the attached connection; resolves once welcomed. */
  async greet(hello: Partial<ControlInput<'hello'>> = {}): Promise<this> {
    this.hello(hello);
    await this.next('welcome');
    return this;
  }

  hello(fields: Partial<ControlInput<'hello'>> = {}): void {
    this.control('hello', 0, { protocol: [1], agentId: this.agentId, models: ['m'], maxInflight: 8, ready: true, ...fields });
  }

  send(...frames: Frame[]): void {
    this.conn.message(encodeFrames(frames));
  }

  control<T extends ControlTypeName>(type: T, stream: number, message: ControlInput<T>): void {
    this.send(controlFrame(type, stream, message));
  }

  data(stream: number, bytes: Uint8Array | string): void {
    const payload = typeof bytes === 'string' ? encoder.encode(bytes) : bytes;
    this.send({ type: FrameType.data, stream, payload });
  }

  respond(stream: number, headers: Record<string, string> = { 'content-type': 'text/event-stream' }, status = 200): void {
    this.control('response', stream, { status, headers });
  }

  /** The socket dropped (agent crash, deploy). */
  drop(code = 1006): void {
    this.conn.closed(code, '');
  }

  /** Next frame of `type` (on `stream`) the edge sent, waiting for it if need be. */
  next(type: FrameName | FrameName[], stream?: number): Promise<Frame> {
    const codes: number[] = (Array.isArray(type) ? type : [type]).map((t) => FrameType[t]);
    const match = (f: Frame) => codes.includes(f.type) && (stream === undefined || f.stream === stream);
    const at = this.#inbox.findIndex(match);
    if (at >= 0) return Promise.resolve(this.#inbox.splice(at, 1)[0]!);
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }

  /** Next control frame of `type`, parsed. */
  async nextControl<T extends ControlTypeName>(type: T, stream?: number): Promise<ControlMessage<T> & { stream: number }> {
    const frame = await this.next(type, stream);
    const parsed = parseControl(type, frame.payload);
    if (!parsed.ok) throw parsed.error;
    return { ...parsed.value, stream: frame.stream };
  }

  /** Body bytes the edge uploaded on `stream` up to its `end`. */
  async upload(stream: number): Promise<string> {
    const chunks: Uint8Array[] = [];
    for (;;) {
      const f = await this.next(['data', 'end'], stream);
      if (f.type === FrameType.end) break;
      chunks.push(f.payload);
    }
    return new TextDecoder().decode(concat(chunks));
  }

  /** All frames of `type` on `stream` sent so far. */
  sent(type: FrameName, stream?: number): Frame[] {
    return this.log.filter((f) => f.type === FrameType[type] && (stream === undefined || f.stream === stream));
  }

  /** Streams the edge cancelled, in order. */
  get cancelled(): number[] {
    return this.sent('cancel').map((f) => f.stream);
  }

  /** Sum of `window` grants sent on `stream`. */
  granted(stream: number): number {
    return this.sent('window', stream).reduce((sum, f) => {
      const parsed = parseControl('window', f.payload);
      return sum + (parsed.ok ? parsed.value.bytes : 0);
    }, 0);
  }

  whenClosed(): Promise<{ code: number; reason: string }> {
    if (this.closedWith) return Promise.resolve(this.closedWith);
    return new Promise((resolve) => this.#onClose.push(resolve));
  }

  #deliver(frame: Frame): void {
    this.log.push(frame);
    if (this.#handler) this.#serve(frame, this.#handler);
    const at = this.#waiters.findIndex((w) => w.match(frame));
    if (at >= 0) return this.#waiters.splice(at, 1)[0]!.resolve(frame);
    this.#inbox.push(frame);
  }

  #serve(frame: Frame, handler: FakeHandler): void {
    if (frame.type === FrameType.request) {
      const head = parseControl('request', frame.payload);
      if (!head.ok) throw head.error;
      this.#open.set(frame.stream, { head: head.value, chunks: [] });
    } else if (frame.type === FrameType.data) {
      this.#open.get(frame.stream)?.chunks.push(frame.payload);
      this.#later([controlFrame('window', frame.stream, { bytes: frame.payload.byteLength })]);
    } else if (frame.type === FrameType.end) {
      const open = this.#open.get(frame.stream);
      if (open) void this.#answer(handler, { stream: frame.stream, head: open.head, body: concat(open.chunks) });
    } else if (frame.type === FrameType.cancel) {
      this.#open.delete(frame.stream);
    }
  }

  async #answer(handler: FakeHandler, req: FakeRequest): Promise<void> {
    this.requests.push(req);
    const reply = await handler(req);
    if (!this.#open.delete(req.stream)) return; // cancelled meanwhile
    const frames: Frame[] = [controlFrame('response', req.stream, { status: reply.status ?? 200, headers: reply.headers ?? {} })];
    for (const chunk of reply.chunks ?? []) {
      frames.push({ type: FrameType.data, stream: req.stream, payload: typeof chunk === 'string' ? encoder.encode(chunk) : chunk });
    }
    frames.push(controlFrame('end', req.stream, { usage: reply.usage }));
    this.#later(frames);
  }

  /** Sent in a later microtask, as a socket would: never re-entering the Hub from its own send. */
  #later(frames: Frame[]): void {
    queueMicrotask(() => {
      if (!this.closedWith) this.send(...frames);
    });
  }
}

/** Test shorthand for the shared byte joiner. */
export const concat = concatBytes;

/** A Hub as tests want it: no startup grace, a short queue timeout. */
export function testHubOptions(overrides: Partial<HubOptions> = {}): HubOptions {
  return { tenant: 't', schedule: (fn) => setTimeout(fn, 0), startupGraceMs: 0, queueTimeoutMs: 2_000, ...overrides };
}

export function testRequest(overrides: Partial<RelayRequest> = {}): RelayRequest {
  const model = overrides.model ?? 'm';
  return {
    method: 'POST',
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json' },
    body: new TextEncoder().encode(JSON.stringify({ model, stream: true })),
    model,
    requestId: 'req-1',
    ...overrides,
  };
}
