// A hostile agent for end-to-end tests: a raw `ws` client with a valid agent
// token that speaks protocol v1 by hand, so a test can send what a real agent
// never would (floods, oversized heads, lies about usage) or stop reading.
import WebSocket from 'ws';
import {
  controlFrame,
  decodeFrames,
  encodeFrames,
  FrameType,
  parseControl,
  type ControlInput,
  type Frame,
  type RequestHead,
} from '../../protocol/index';
import type { EdgeUnderTest, Tenant } from './stack';
import { MODEL } from './stack';

/** How long any one network wait in a rogue agent may take: every await here is bounded. */
const WAIT_MS = 15_000;

export interface RogueRequest {
  stream: number;
  head: RequestHead;
}

export type RogueHandler = (req: RogueRequest, agent: RogueAgent) => void;

export class RogueAgent {
  readonly ws: WebSocket;
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly requests: RogueRequest[] = [];
  handler: RogueHandler | undefined;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('error', () => {});
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return;
      const decoded = decodeFrames(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      if (!decoded.ok) return;
      for (const frame of decoded.value) this.#frame(frame);
    });
  }

  /** Dials the edge with the tenant's agent token and says hello; resolves once welcomed. */
  static async connect(edge: EdgeUnderTest, tenant: Tenant, hello: Partial<ControlInput<'hello'>> = {}): Promise<RogueAgent> {
    const url = `${edge.url.replace(/^http/, 'ws')}/agent/v1/connect`;
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${tenant.agentToken}` }, perMessageDeflate: false });
    const agent = new RogueAgent(ws);
    await bounded(new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    }), 'rogue agent socket open');
    const welcomed = bounded(new Promise<void>((resolve) => {
      const onMessage = (data: Buffer, isBinary: boolean) => {
        if (!isBinary) return;
        const decoded = decodeFrames(new Uint8Array(data));
        if (decoded.ok && decoded.value.some((f) => f.type === FrameType.welcome)) {
          ws.off('message', onMessage);
          resolve();
        }
      };
      ws.on('message', onMessage);
    }), 'welcome');
    agent.send(controlFrame('hello', 0, { protocol: [1], agentId: `rogue-${Math.random().toString(36).slice(2)}`, models: [MODEL], maxInflight: 64, ...hello }));
    await welcomed;
    return agent;
  }

  send(...frames: Frame[]): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(encodeFrames(frames));
  }

  /** A full answer: response head, body chunks, end with `usage`. */
  answer(stream: number, opts: { status?: number; headers?: Record<string, string>; body?: string; usage?: { prompt_tokens: number; completion_tokens: number } } = {}): void {
    const frames: Frame[] = [controlFrame('response', stream, { status: opts.status ?? 200, headers: opts.headers ?? { 'content-type': 'application/json' } })];
    if (opts.body) frames.push({ type: FrameType.data, stream, payload: new TextEncoder().encode(opts.body) });
    frames.push(controlFrame('end', stream, opts.usage ? { usage: opts.usage } : {}));
    this.send(...frames);
  }

  /** Stops reading from the socket: the kernel buffers fill and the edge's sends queue up. */
  stopReading(): void {
    (this.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  close(): void {
    this.ws.terminate();
  }

  #frame(frame: Frame): void {
    if (frame.type !== FrameType.request) return;
    const head = parseControl('request', frame.payload);
    if (!head.ok) return;
    const req = { stream: frame.stream, head: head.value };
    this.requests.push(req);
    this.handler?.(req, this);
  }
}

/** `promise`, or a rejection naming `what` after WAIT_MS. */
export function bounded<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
