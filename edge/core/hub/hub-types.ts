// The contract between the runtime-neutral Hub and the two hosts (Node, Cloudflare)
// and between the Hub and the HTTP routes. No runtime APIs here.
import type { DeadlineQueue, Hello, Usage, UsageHint } from '../../../protocol/index';
import type { EdgeMetrics } from '../metrics/index';

/** One agent WebSocket as a host sees it (ws on Node, a hibernatable WebSocket on Workers). */
export interface AgentSocket {
  /**
   * Sends one binary message (already coalesced frames). `written`, where the
   * runtime tells (ws's send callback), runs once the message left the buffer:
   * that is where a backlog shrinks.
   */
  send(message: Uint8Array, written?: () => void): void;
  /** Sends a text message (heartbeat `pong`). */
  sendText(text: string): void;
  close(code: number, reason: string): void;
  /** Bytes queued on the socket not yet written (0 where the runtime does not tell). */
  readonly bufferedAmount: number;
  /**
   * Persists the agent's latest hello with the socket, so a host that loses
   * memory (a Durable Object waking from hibernation) can restore the agent
   * with `Hub.connect(socket, hello, memory)`. Called again whenever either
   * changes (a new hello, drain, every STREAM_ID_BLOCK streams). Optional:
   * Node keeps memory.
   */
  remember?(hello: Hello, memory: LinkMemory): void;
}

/**
 * Connection state a host persists with the socket beside the hello (a
 * Durable Object attachment) and hands back to `Hub.connect` on restore.
 */
export interface LinkMemory {
  /** Lowest stream id never allocated on this socket: ids are never reused, even across hibernation. */
  nextStream: number;
  /** The agent sent `drain` and no hello since. */
  draining: boolean;
  /** When the socket connected (ms since epoch). */
  connectedAt: number;
}

/** What a host calls for each event on an agent socket it handed to `Hub.connect`. */
export interface AgentConnection {
  /** A message arrived: binary frames, or a text heartbeat. Never throws. */
  message(data: Uint8Array | string): void;
  /** The socket closed or errored. Never throws. */
  closed(code: number, reason: string): void;
  /** A WebSocket-level ping or pong arrived (where the host sees them): counted against the control rate. */
  control?(): void;
}

/**
 * What the Hub tells the host about one relayed request. One object's methods
 * rather than four closures: a held stream carries this object and nothing more
 * (issue 17, memory per stream). A method that throws is logged, not raised.
 */
export interface RelayEvents {
  /** Once, with the agent's reported usage, when the stream ends normally. */
  usage?(usage: Usage): void;
  /** Once, when the stream is over however it ended (frees per-key concurrency). */
  done?(): void;
  /** At the first response body byte from the agent (time to first token). */
  firstData?(): void;
  /** A stream that was answered broke off with an error the client sees. */
  streamError?(code: string): void;
}

export interface RelayRequest {
  method: string;
  /** Path and query as the client sent it, e.g. `/v1/chat/completions`. */
  path: string;
  /**
   * Headers to forward (the host has already removed Authorization and hop-by-hop ones).
   * The Hub empties `headers` and `body` once answered and the body is sent, so a long
   * stream does not hold its prompt: read them before calling relay(), not after.
   */
  headers: Record<string, string>;
  body: Uint8Array;
  /** Routing key: the `model` field of the body. */
  model: string;
  requestId: string;
  /** What the agent must do for token usage, from the body the edge parsed; absent: the agent reads the body. */
  usageHint?: UsageHint;
  /** Aborts when the client goes away: the Hub sends `cancel` to the agent. */
  signal?: ClientSignal;
  /** Headers the edge adds to the agent's response (the key's x-ratelimit-*), set as the Response is made. */
  responseHeaders?: Record<string, string>;
  /** What the host hears of the request as it goes. */
  events?: RelayEvents;
  /** An SSE answer gets a `: keep-alive` comment every `keepAlive.ms` until the agent's first byte (keep-alive.ts); unset: none. */
  keepAlive?: DeadlineQueue;
}

export interface AgentInfo {
  agentId: string;
  models: string[];
  inflight: number;
  maxInflight: number;
  ready: boolean;
  draining: boolean;
  connectedAt: number;
  gpus?: Hello['gpus'];
  version?: string;
}

/** One open stream, for the admin API (`GET /admin/v1/tenants/:name/streams`). */
export interface StreamInfo {
  agentId: string;
  stream: number;
  requestId: string;
  model: string;
  /** `opening` until the agent's `response`, then `streaming`. */
  phase: 'opening' | 'streaming';
  /** Agent bytes held for a client that has not read them; at most the stream window. */
  bufferedBytes: number;
}

export interface HubOptions {
  /** Tenant this Hub serves (for logs). */
  tenant: string;
  /** Startup window in which unadvertised models wait instead of 404 (defaults.ts STARTUP_GRACE_MS); tests set 0. */
  startupGraceMs?: number;
  /** How long a request waits for an agent that serves its model before 503. */
  queueTimeoutMs?: number;
  /** Most requests waiting at once; more get 429. */
  maxQueue?: number;
  /** How long a stream waits for the agent's response head before 504 (defaults.ts RESPONSE_HEAD_TIMEOUT_MS). */
  headTimeoutMs?: number;
  /** Heartbeat interval `welcome` names (protocol HEARTBEAT_INTERVAL_MS); the Node host pings at the same pace. */
  heartbeatMs?: number;
  /** How long an agent socket may stay over its send high-water mark before 1008 (defaults.ts AGENT_DRAIN_TIMEOUT_MS). */
  drainTimeoutMs?: number;
  /** How long a new agent socket may stay silent before it is closed 1008 (defaults.ts HELLO_TIMEOUT_MS); not for restored sockets. */
  helloTimeoutMs?: number;
  /** Runs fn at the end of this event-loop turn (frame coalescing): setImmediate on Node, queueMicrotask on Workers. */
  schedule: (fn: () => void) => void;
  /**
   * Response bodies are left for the host to write itself (`directBodyOf`):
   * the Response carries no web stream. The Node edge does this; a Durable
   * Object needs the stream.
   */
  directBodies?: boolean;
  log?: (line: string) => void;
  now?: () => number;
  /** Queue waits, agent connections and tunnel traffic (metrics.ts). */
  metrics?: EdgeMetrics;
}

/**
 * The part of AbortSignal the Hub uses to learn the client went away. An
 * AbortSignal is one; the Node host passes a cheaper one (ResponseCloseSignal).
 * A listener runs at most once.
 */
export interface ClientSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}
