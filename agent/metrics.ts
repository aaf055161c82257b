// The agent's Prometheus metrics (prom-client) and its lifecycle events: what
// the relay, the link and the supervisor report, kept per stream in a small
// StreamMeter so the per-chunk path only checks one boolean.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Usage } from '../protocol/index';

/** Seconds: from a cached prompt's first token (~10 ms) to a long generation (minutes). */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** What lifecycle events are written to (a pino logger is one). */
export interface EventLogger {
  info(fields: Record<string, unknown>, message?: string): void;
}

export type LifecycleEvent = 'connect' | 'disconnect' | 'reconnect' | 'vllm_start' | 'vllm_ready' | 'vllm_exit';

/** One stream's figures; every method may be called more than once, only the first `done` counts. */
export interface StreamMeter {
  response(status: number): void;
  firstData(): void;
  usage(usage: Usage): void;
  fail(code: string, status?: number): void;
  done(): void;
}

export class AgentMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter;
  readonly #ttft: Histogram;
  readonly #duration: Histogram;
  readonly #prompt: Counter;
  readonly #completion: Counter;
  readonly #errors: Counter;
  readonly #connections: Counter;
  readonly #reconnects: Counter;
  readonly #connected: Gauge;
  readonly #capacity: Gauge;
  readonly #vllmUp: Gauge;
  readonly #tunnel: Record<'in' | 'out', { frames: Counter.Internal; bytes: Counter.Internal; messages: Counter.Internal }>;
  readonly #logger: EventLogger | undefined;
  #inflight: () => number = () => 0;
  #everConnected = false;

  constructor(opts: { logger?: EventLogger } = {}) {
    this.#logger = opts.logger;
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'vllama_agent_' });
    this.#requests = new Counter({ name: 'vllama_agent_requests_total', help: 'Streams relayed to the upstream, by route and status.', labelNames: ['route', 'status'], registers });
    this.#ttft = new Histogram({ name: 'vllama_agent_time_to_first_token_seconds', help: 'Time from a stream reaching the agent to the upstream\'s first body byte.', buckets: LATENCY_BUCKETS, registers });
    this.#duration = new Histogram({ name: 'vllama_agent_request_duration_seconds', help: 'Time from a stream reaching the agent to its end.', labelNames: ['route'], buckets: LATENCY_BUCKETS, registers });
    this.#prompt = new Counter({ name: 'vllama_agent_prompt_tokens_total', help: 'Prompt tokens the upstream reported.', registers });
    this.#completion = new Counter({ name: 'vllama_agent_completion_tokens_total', help: 'Completion tokens the upstream reported.', registers });
    this.#errors = new Counter({ name: 'vllama_agent_errors_total', help: 'Streams that failed, by error code.', labelNames: ['code'], registers });
    this.#connections = new Counter({ name: 'vllama_agent_connections_total', help: 'Connections to the edge (welcome received).', registers });
    this.#reconnects = new Counter({ name: 'vllama_agent_reconnects_total', help: 'Connections to the edge after the first.', registers });
    this.#connected = new Gauge({ name: 'vllama_agent_connected', help: '1 while connected to the edge.', registers });
    this.#capacity = new Gauge({ name: 'vllama_agent_capacity', help: 'Streams advertised to the edge (0 while not ready).', registers });
    this.#vllmUp = new Gauge({ name: 'vllama_agent_vllm_up', help: '1 while the supervised vLLM is ready (always 0 with --upstream, where the agent starts no vLLM).', registers });
    const inflight = () => this.#inflight();
    new Gauge({ name: 'vllama_agent_streams_in_flight', help: 'Streams open now.', registers, collect() { this.set(inflight()); } });
    const frames = new Counter({ name: 'vllama_agent_tunnel_frames_total', help: 'Frames on the edge socket (in: from the edge).', labelNames: ['direction'], registers });
    const bytes = new Counter({ name: 'vllama_agent_tunnel_bytes_total', help: 'Bytes of binary WebSocket messages on the edge socket.', labelNames: ['direction'], registers });
    const messages = new Counter({ name: 'vllama_agent_tunnel_messages_total', help: 'Binary WebSocket messages on the edge socket.', labelNames: ['direction'], registers });
    const bound = (direction: 'in' | 'out') => ({ frames: frames.labels(direction), bytes: bytes.labels(direction), messages: messages.labels(direction) });
    this.#tunnel = { in: bound('in'), out: bound('out') };
    this.#connected.set(0);
  }

  /** Where the in-flight gauge reads from at scrape time. */
  set inflight(read: () => number) {
    this.#inflight = read;
  }

  stream(path: string): StreamMeter {
    // The edge decides what reaches the agent; still, made-up paths must not grow the series.
    const route = /^\/(v1|v2)\/[a-z_/]{1,40}$/.test(path) && path.split('/').length <= 4 ? path : 'other';
    const started = performance.now();
    let status = 0;
    let seenData = false;
    let finished = false;
    let error: string | undefined;
    let usage: Usage | undefined;
    return {
      response: (s) => void (status = s),
      firstData: () => {
        if (seenData) return;
        seenData = true;
        this.#ttft.observe((performance.now() - started) / 1000);
      },
      usage: (u) => void (usage = u),
      fail: (code, s) => {
        error ??= code;
        if (!status && s) status = s;
      },
      done: () => {
        if (finished) return;
        finished = true;
        this.#requests.inc({ route, status: String(status || 502) });
        this.#duration.observe({ route }, (performance.now() - started) / 1000);
        if (usage) {
          this.#prompt.inc(usage.prompt_tokens);
          this.#completion.inc(usage.completion_tokens);
        }
        if (error) this.#errors.inc({ code: error });
      },
    };
  }

  /** One WebSocket message on the edge socket. */
  tunnel(direction: 'in' | 'out', frameCount: number, byteCount: number): void {
    const t = this.#tunnel[direction];
    t.frames.inc(frameCount);
    t.bytes.inc(byteCount);
    t.messages.inc();
  }

  capacity(streams: number): void {
    this.#capacity.set(streams);
  }

  connected(fields: Record<string, unknown>): void {
    this.#connections.inc();
    this.#connected.set(1);
    if (this.#everConnected) {
      this.#reconnects.inc();
      this.event('reconnect', fields);
    } else {
      this.event('connect', fields);
    }
    this.#everConnected = true;
  }

  disconnected(fields: Record<string, unknown> = {}): void {
    this.#connected.set(0);
    this.event('disconnect', fields);
  }

  /** A lifecycle event: logged as one structured line; vLLM's events also set vllama_agent_vllm_up. */
  event(event: LifecycleEvent, fields: Record<string, unknown> = {}): void {
    if (event === 'vllm_ready') this.#vllmUp.set(1);
    if (event === 'vllm_exit' || event === 'vllm_start') this.#vllmUp.set(0);
    this.#logger?.info({ event, ...fields }, event);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** Frames in one WebSocket message: walks the u32 length prefixes (protocol/frame-codec.ts). */
export function countFrames(message: Uint8Array): number {
  let frames = 0;
  let offset = 0;
  while (offset + 4 <= message.byteLength) {
    offset += 4 + (((message[offset] << 24) | (message[offset + 1] << 16) | (message[offset + 2] << 8) | message[offset + 3]) >>> 0);
    frames++;
  }
  return frames;
}
