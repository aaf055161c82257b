// The agent's end of the one WebSocket to the edge: dials, sends `hello`, waits
// for `welcome`, hands stream frames to a handler, and redials forever.
import WebSocket from 'ws';
import {
  CloseCode,
  CONNECTION_STREAM,
  controlFrame,
  FrameType,
  frameTypeName,
  parseControl,
  PROTOCOL_VERSIONS,
  ProtocolError,
  type ControlInput,
  type Frame,
  type Welcome,
} from '../../protocol/index';
import { Backoff, type BackoffOptions } from './backoff';
import { HEARTBEAT_MS, WELCOME_TIMEOUT_MS } from '../defaults';
import { LinkSession, type FrameSink } from './link-session';
import { unreadableOnTheWay, zeroMask } from './ws-mask';

export type HelloInput = ControlInput<'hello'>;

/** Serves the streams of one connection; made anew for every socket, so ids never leak across. */
export interface StreamHandler {
  /** A frame for a stream (id ≠ 0); a returned error closes the connection with its code. */
  frame(frame: Frame): ProtocolError | undefined;
  /** The socket's backlog fell below the low-water mark. */
  drained(): void;
  /** The socket is gone: the edge has failed or will retry every open stream. */
  closed(): void;
}

export interface EdgeLinkOptions {
  /** ws(s)://host/agent/v1/connect; see `connectUrl`. */
  url: string;
  token: string;
  /** Builds the advertisement; called for every new socket and every `sendHello`. */
  hello(): Promise<HelloInput>;
  /** Called on `welcome`: returns the handler for this socket's streams. */
  open(sink: FrameSink, welcome: Welcome): StreamHandler;
  log(line: string): void;
  heartbeatMs?: number;
  welcomeTimeoutMs?: number;
  backoff?: BackoffOptions;
  /** Counts each binary WebSocket message (metrics). */
  onMessage?(direction: 'in' | 'out', frames: number, bytes: number): void;
}

/** The edge's agent endpoint for an edge base URL (http → ws, https → wss). */
export function connectUrl(edge: string): string {
  const url = new URL(edge);
  url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'wss:' : 'ws:';
  url.pathname = '/agent/v1/connect';
  url.search = '';
  url.hash = '';
  return url.toString();
}

/** Close codes after which redialling at once would only repeat the failure. */
const SLOW_RETRY: Record<number, string> = {
  [CloseCode.replaced]: 'another agent connected with the same agentId',
  [CloseCode.versionMismatch]: 'the edge speaks no protocol version this agent knows; upgrade the agent',
};

export class EdgeLink {
  #opts: EdgeLinkOptions;
  #backoff: Backoff;
  #ws?: WebSocket;
  #session?: LinkSession;
  #handler?: StreamHandler;
  #stopped = false;
  #redial?: NodeJS.Timeout;
  #welcomeTimer?: NodeJS.Timeout;
  #resolveReady!: () => void;
  readonly ready = new Promise<void>((resolve) => (this.#resolveReady = resolve));

  constructor(opts: EdgeLinkOptions) {
    this.#opts = opts;
    this.#backoff = new Backoff(opts.backoff);
  }

  /** True between `welcome` and the socket closing. */
  get connected(): boolean {
    return this.#handler !== undefined && this.#session !== undefined && !this.#session.closed;
  }

  start(): void {
    this.#dial();
  }

  /** Re-sends the advertisement (models, capacity, ready) on the open socket, if any. */
  async sendHello(): Promise<void> {
    const session = this.#session;
    if (!session || session.closed) return;
    const hello = await this.#opts.hello();
    if (this.#session === session) session.send(controlFrame('hello', CONNECTION_STREAM, hello));
  }

  /** Asks the edge for no new streams, and stops redialling should this socket drop. */
  drain(reason: string): void {
    this.#stopped = true;
    this.#session?.send(controlFrame('drain', CONNECTION_STREAM, { reason }));
  }

  async close(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#redial);
    clearTimeout(this.#welcomeTimer);
    const ws = this.#ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise((resolve) => {
      ws.once('close', resolve);
      if (this.#session) this.#session.close(CloseCode.goingAway, 'agent closing');
      else ws.terminate();
    });
  }

  #dial(): void {
    if (this.#stopped) return;
    const ws = new WebSocket(this.#opts.url, {
      headers: { authorization: `Bearer ${this.#opts.token}` },
      // Frames are mostly small token chunks; deflate costs CPU per message for little gain.
      perMessageDeflate: false,
      handshakeTimeout: this.#opts.welcomeTimeoutMs ?? WELCOME_TIMEOUT_MS,
      ...(unreadableOnTheWay(this.#opts.url) ? { generateMask: zeroMask } : {}),
    });
    ws.binaryType = 'nodebuffer';
    this.#ws = ws;
    let refused: number | undefined;
    let failure: Error | undefined;
    ws.on('unexpected-response', (_req, res) => {
      refused = res.statusCode;
      res.resume();
      ws.terminate();
    });
    ws.on('error', (err) => (failure = err));
    ws.once('open', () => this.#attach(ws));
    ws.once('close', (code, reason) => this.#closed(ws, code, reason.toString(), refused, failure));
  }

  #attach(ws: WebSocket): void {
    const session: LinkSession = new LinkSession(ws, {
      heartbeatMs: this.#opts.heartbeatMs ?? HEARTBEAT_MS,
      log: this.#opts.log,
      onFrames: (frames) => this.#frames(session, frames),
      onDrain: () => this.#handler?.drained(),
      onMessage: this.#opts.onMessage,
    });
    this.#session = session;
    const timeout = this.#opts.welcomeTimeoutMs ?? WELCOME_TIMEOUT_MS;
    this.#welcomeTimer = setTimeout(() => {
      this.#opts.log(`edge sent no welcome within ${timeout / 1000} s, reconnecting`);
      session.terminate();
    }, timeout);
    this.sendHello().catch((err: Error) => {
      this.#opts.log(`could not build hello: ${err.message}`);
      session.close(CloseCode.internalError, 'agent could not build hello');
    });
  }

  #frames(session: LinkSession, frames: Frame[]): ProtocolError | undefined {
    for (const frame of frames) {
      const error = frame.stream === CONNECTION_STREAM ? this.#connectionFrame(session, frame) : this.#streamFrame(frame);
      if (error) return error;
    }
    return undefined;
  }

  #streamFrame(frame: Frame): ProtocolError | undefined {
    if (!this.#handler) return new ProtocolError('ERR_FRAME_STREAM', `stream ${frame.stream} opened before welcome`);
    return this.#handler.frame(frame);
  }

  #connectionFrame(session: LinkSession, frame: Frame): ProtocolError | undefined {
    if (frame.type === FrameType.welcome) {
      const welcome = parseControl('welcome', frame.payload);
      return welcome.ok ? this.#welcome(session, welcome.value) : welcome.error;
    }
    if (frame.type === FrameType.ping) {
      const ping = parseControl('ping', frame.payload);
      if (!ping.ok) return ping.error;
      session.send(controlFrame('pong', CONNECTION_STREAM, { t: ping.value.t }));
      return undefined;
    }
    if (frame.type === FrameType.pong) return undefined;
    if (frame.type === FrameType.error) {
      const error = parseControl('error', frame.payload);
      if (error.ok) this.#opts.log(`edge reported ${error.value.code}: ${error.value.message}`);
      return error.ok ? undefined : error.error;
    }
    return new ProtocolError('ERR_FRAME_STREAM', `${frameTypeName(frame.type)} frame on stream 0`);
  }

  #welcome(session: LinkSession, welcome: Welcome): ProtocolError | undefined {
    session.setHeartbeat(welcome.heartbeatMs);
    if (this.#handler) return undefined; // an answer to a re-sent hello
    if (!(PROTOCOL_VERSIONS as readonly number[]).includes(welcome.protocol)) {
      return new ProtocolError('ERR_VERSION', `edge picked protocol ${welcome.protocol}, agent speaks ${PROTOCOL_VERSIONS.join(',')}`, CloseCode.versionMismatch);
    }
    clearTimeout(this.#welcomeTimer);
    this.#backoff.reset();
    this.#handler = this.#opts.open(session, welcome);
    this.#resolveReady();
    return undefined;
  }

  #closed(ws: WebSocket, code: number, reason: string, refused: number | undefined, failure: Error | undefined): void {
    if (ws !== this.#ws) return;
    clearTimeout(this.#welcomeTimer);
    const wasOpen = this.#session !== undefined;
    const handler = this.#handler;
    this.#handler = undefined;
    this.#session = undefined;
    handler?.closed();
    if (this.#stopped) return;
    const rejected = refused === 401 || refused === 403;
    const delay = rejected || SLOW_RETRY[code] ? this.#backoff.capped() : this.#backoff.next();
    const retry = `${(delay / 1000).toFixed(1)} s`;
    if (rejected) this.#opts.log(`edge rejected the agent token (HTTP ${refused}), retrying in ${retry}`);
    else if (SLOW_RETRY[code]) this.#opts.log(`edge closed the connection: ${SLOW_RETRY[code]}; retrying in ${retry}`);
    else if (wasOpen) this.#opts.log(`edge connection closed (${code}${reason ? ` ${reason}` : ''}), reconnecting in ${retry}`);
    else this.#opts.log(`edge unreachable (${refused ? `HTTP ${refused}` : (failure?.message ?? 'closed')}), retrying in ${retry}`);
    this.#redial = setTimeout(() => this.#dial(), delay);
  }
}
