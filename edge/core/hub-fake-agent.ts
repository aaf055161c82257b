// An in-memory agent for Hub tests: speaks protocol v1 through a fake AgentSocket,
// encoding frames with the protocol helpers exactly as a real agent would.
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
} from '../../protocol/index';
import type { Hub } from './hub';
import type { AgentConnection, AgentSocket, HubOptions, LinkMemory, RelayRequest } from './hub-types';

type FrameName = ControlTypeName | 'data';
type Waiter = { match: (f: Frame) => boolean; resolve: (f: Frame) => void };

export class FakeAgent {
  /** Every frame the edge sent, in order. */
  readonly log: Frame[] = [];
  readonly texts: string[] = [];
  readonly agentId: string;
  remembered: { hello: Hello; memory: LinkMemory } | undefined;
  closedWith: { code: number; reason: string } | undefined;
  conn!: AgentConnection;
  readonly socket: AgentSocket;
  #inbox: Frame[] = [];
  #waiters: Waiter[] = [];
  #onClose: ((c: { code: number; reason: string }) => void)[] = [];

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

  /** Dials the hub; with a remembered hello it is restored without a handshake. */
  connect(hub: Hub, restored?: Hello, memory?: LinkMemory): this {
    this.conn = hub.connect(this.socket, restored, memory);
    return this;
  }

  /** Connects and says hello; resolves once welcomed. */
  async join(hub: Hub, hello: Partial<ControlInput<'hello'>> = {}): Promise<this> {
    this.connect(hub);
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
    const payload = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
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
    const at = this.#waiters.findIndex((w) => w.match(frame));
    if (at >= 0) return this.#waiters.splice(at, 1)[0]!.resolve(frame);
    this.#inbox.push(frame);
  }
}

export function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

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

