// The agent's Prometheus metrics (prom-client) and its lifecycle events: what
// the relay, the link and the supervisor report, kept per stream in a small
// StreamMeter so the per-chunk path only checks one boolean. Counters are
// counted in plain numbers and handed to prom-client at scrape
// (protocol/pending-counts.ts); the histograms observe per stream.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PendingCounts, type Usage } from '../protocol/index';

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

type Pending = Record<'requests' | 'errors' | 'prompt' | 'completion', PendingCounts>;
const NO_LABELS = () => ({});

/** One stream's meter: an object with fields, not closures, since a held stream keeps it. */
class Stream implements StreamMeter {
  readonly #ttft: Histogram;
  readonly #duration: Histogram;
  readonly #pending: Pending;
  readonly #route: string;
  readonly #started = performance.now();
  #status = 0;
  #seenData = false;
  #finished = false;
  #error: string | undefined;
  #usage: Usage | undefined;

  constructor(ttft: Histogram, duration: Histogram, pending: Pending, route: string) {
    this.#ttft = ttft;
    this.#duration = duration;
    this.#pending = pending;
    this.#route = route;
  }

  response(status: number): void {
    this.#status = status;
  }

  firstData(): void {
    if (this.#seenData) return;
    this.#seenData = true;
    this.#ttft.observe((performance.now() - this.#started) / 1000);
  }

  usage(usage: Usage): void {
    this.#usage = usage;
  }

  fail(code: string, status?: number): void {
    this.#error ??= code;
    if (!this.#status && status) this.#status = status;
  }

  done(): void {
    if (this.#finished) return;
    this.#finished = true;
    const route = this.#route;
    const status = this.#status || 502;
    const pending = this.#pending;
    pending.requests.add(`${route}\u0000${status}`, 1, () => ({ route, status: String(status) }));
    this.#duration.observe({ route }, (performance.now() - this.#started) / 1000);
    if (this.#usage) {
      pending.prompt.add('', this.#usage.prompt_tokens, NO_LABELS);
      pending.completion.add('', this.#usage.completion_tokens, NO_LABELS);
    }
    const code = this.#error;
    if (code) pending.errors.add(code, 1, () => ({ code }));
  }
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
  /** Frames, bytes and messages per direction since start; the tunnel counters read them at scrape. */
  readonly #tunnelNow = { in: [0, 0, 0], out: [0, 0, 0] };
  readonly #pending: Pending = { requests: new PendingCounts(), errors: new PendingCounts(), prompt: new PendingCounts(), completion: new PendingCounts() };
  readonly #logger: EventLogger | undefined;
  #inflight: () => number = () => 0;
  #everConnected = false;

  constructor(opts: { logger?: EventLogger } = {}) {
    this.#logger = opts.logger;
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'vllama_agent_' });
    const pending = this.#pending;
    this.#requests = new Counter({
      name: 'vllama_agent_requests_total', help: 'Streams relayed to the upstream, by route and status.', labelNames: ['route', 'status'], registers,
      collect: () => pending.requests.flushInto(this.#requests),
    });
    this.#ttft = new Histogram({ name: 'vllama_agent_time_to_first_token_seconds', help: 'Time from a stream reaching the agent to the upstream\'s first body byte.', buckets: LATENCY_BUCKETS, registers });
    this.#duration = new Histogram({ name: 'vllama_agent_request_duration_seconds', help: 'Time from a stream reaching the agent to its end.', labelNames: ['route'], buckets: LATENCY_BUCKETS, registers });
    this.#prompt = new Counter({
      name: 'vllama_agent_prompt_tokens_total', help: 'Prompt tokens the upstream reported.', registers,
      collect: () => pending.prompt.flushInto(this.#prompt),
    });
    this.#completion = new Counter({
      name: 'vllama_agent_completion_tokens_total', help: 'Completion tokens the upstream reported.', registers,
      collect: () => pending.completion.flushInto(this.#completion),
    });
    this.#errors = new Counter({
      name: 'vllama_agent_errors_total', help: 'Streams that failed, by error code.', labelNames: ['code'], registers,
      collect: () => pending.errors.flushInto(this.#errors),
    });
    this.#connections = new Counter({ name: 'vllama_agent_connections_total', help: 'Connections to the edge (welcome received).', registers });
    this.#reconnects = new Counter({ name: 'vllama_agent_reconnects_total', help: 'Connections to the edge after the first.', registers });
    this.#connected = new Gauge({ name: 'vllama_agent_connected', help: '1 while connected to the edge.', registers });
    this.#capacity = new Gauge({ name: 'vllama_agent_capacity', help: 'Streams advertised to the edge (0 while not ready).', registers });
    this.#vllmUp = new Gauge({ name: 'vllama_agent_vllm_up', help: '1 while the supervised vLLM is ready (always 0 with --upstream, where the agent starts no vLLM).', registers });
    const inflight = () => this.#inflight();
    new Gauge({ name: 'vllama_agent_streams_in_flight', help: 'Streams open now.', registers, collect() { this.set(inflight()); } });
    // Totals kept here, set at scrape: counters prom-client never sees incremented, read as gauges are.
    const tunnelNow = this.#tunnelNow;
    const tunnel = (name: string, help: string, at: number) =>
      new Counter({
        name, help, labelNames: ['direction'], registers,
        collect() {
          this.reset();
          for (const direction of ['in', 'out'] as const) this.inc({ direction }, tunnelNow[direction][at]);
        },
      });
    tunnel('vllama_agent_tunnel_frames_total', 'Frames on the edge socket (in: from the edge).', 0);
    tunnel('vllama_agent_tunnel_bytes_total', 'Bytes of binary WebSocket messages on the edge socket.', 1);
    tunnel('vllama_agent_tunnel_messages_total', 'Binary WebSocket messages on the edge socket.', 2);
    this.#connected.set(0);
  }

  /** Where the in-flight gauge reads from at scrape time. */
  set inflight(read: () => number) {
    this.#inflight = read;
  }

  stream(path: string): StreamMeter {
    // The edge decides what reaches the agent; still, made-up paths must not grow the series.
    const route = /^\/(v1|v2)\/[a-z_/]{1,40}$/.test(path) && path.split('/').length <= 4 ? path : 'other';
    return new Stream(this.#ttft, this.#duration, this.#pending, route);
  }

  /** One WebSocket message on the edge socket. */
  tunnel(direction: 'in' | 'out', frameCount: number, byteCount: number): void {
    const t = this.#tunnelNow[direction];
    t[0] += frameCount;
    t[1] += byteCount;
    t[2] += 1;
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
