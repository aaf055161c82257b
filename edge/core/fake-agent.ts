// Test support: an in-memory agent speaking protocol v1 to a Hub, so route and
// host tests exercise the real Hub without a socket. Not used by the edge itself.
import {
  CONNECTION_STREAM,
  controlFrame,
  decodeFrames,
  encodeFrames,
  FrameType,
  frameTypeName,
  parseControl,
  type ControlTypeName,
  type Frame,
  type RequestHead,
  type Usage,
} from '../../protocol/index';
import type { AgentConnection, AgentSocket } from './hub-types';

export interface FakeRequest {
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

export class FakeAgent implements AgentSocket {
  readonly bufferedAmount = 0;
  readonly requests: FakeRequest[] = [];
  readonly cancelled: number[] = [];
  closedWith: { code: number; reason: string } | undefined;
  readonly welcomed: Promise<void>;
  #conn!: AgentConnection;
  #handler: FakeHandler;
  #open = new Map<number, { head: RequestHead; chunks: Uint8Array[] }>();
  #welcome!: () => void;

  constructor(handler: FakeHandler) {
    this.#handler = handler;
    this.welcomed = new Promise((resolve) => (this.#welcome = resolve));
  }

  /** Connects to the hub, says hello with `models`, and waits for welcome. */
  static async connect(
    hub: { connect(socket: AgentSocket): AgentConnection },
    models: string[],
    handler: FakeHandler,
    opts: { agentId?: string; maxInflight?: number } = {},
  ): Promise<FakeAgent> {
    const agent = new FakeAgent(handler);
    agent.#conn = hub.connect(agent);
    agent.#deliver([
      controlFrame('hello', CONNECTION_STREAM, {
        protocol: [1],
        agentId: opts.agentId ?? 'fake-agent',
        models,
        maxInflight: opts.maxInflight ?? 16,
        ready: true,
      }),
    ]);
    await agent.welcomed;
    return agent;
  }

  send(message: Uint8Array): void {
    const decoded = decodeFrames(message);
    if (!decoded.ok) throw decoded.error;
    for (const frame of decoded.value) this.#receive(frame);
  }

  sendText(): void {}

  close(code: number, reason: string): void {
    if (this.closedWith) return;
    this.closedWith = { code, reason };
    queueMicrotask(() => this.#conn.closed(code, reason));
  }

  /** The agent's socket drops. */
  drop(): void {
    this.close(1006, '');
  }

  #receive(frame: Frame): void {
    const name = frameTypeName(frame.type);
    if (name === 'welcome') return this.#welcome();
    if (name === 'request') {
      const head = this.#control('request', frame);
      this.#open.set(frame.stream, { head, chunks: [] });
    } else if (name === 'data') {
      this.#open.get(frame.stream)?.chunks.push(frame.payload.slice());
      this.#deliver([controlFrame('window', frame.stream, { bytes: frame.payload.byteLength })]);
    } else if (name === 'end') {
      const open = this.#open.get(frame.stream);
      if (open) void this.#answer(frame.stream, open.head, open.chunks);
    } else if (name === 'cancel') {
      this.cancelled.push(frame.stream);
      this.#open.delete(frame.stream);
    }
  }

  async #answer(stream: number, head: RequestHead, chunks: Uint8Array[]): Promise<void> {
    const body = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
    let at = 0;
    for (const c of chunks) {
      body.set(c, at);
      at += c.byteLength;
    }
    const req = { head, body };
    this.requests.push(req);
    const reply = await this.#handler(req);
    if (!this.#open.has(stream)) return; // cancelled meanwhile
    this.#open.delete(stream);
    const frames: Frame[] = [controlFrame('response', stream, { status: reply.status ?? 200, headers: reply.headers ?? {} })];
    for (const chunk of reply.chunks ?? []) {
      frames.push({ type: FrameType.data, stream, payload: typeof chunk === 'string' ? encoder.encode(chunk) : chunk });
    }
    frames.push(controlFrame('end', stream, { usage: reply.usage }));
    this.#deliver(frames);
  }

  #control<T extends ControlTypeName>(type: T, frame: Frame) {
    const parsed = parseControl(type, frame.payload);
    if (!parsed.ok) throw parsed.error;
    return parsed.value;
  }

  /** Delivered in a later microtask, as a socket would: never re-entering the Hub from its own send. */
  #deliver(frames: Frame[]): void {
    const message = encodeFrames(frames);
    queueMicrotask(() => {
      if (!this.closedWith) this.#conn.message(message);
    });
  }
}
