// The Node edge's Prometheus metrics (prom-client): what edge/core reports
// through EdgeMetrics, plus gauges read from the live Hubs at scrape time, so
// the request path pays nothing for them. Names follow Prometheus' conventions.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AgentInfo } from '../core/hub/index';
import { routeLabel, type EdgeMetrics, type RequestRecord, type TunnelDirection } from '../core/metrics/index';

/** Seconds: from a cached prompt's first token (~10 ms) to a long generation (minutes). */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** What the gauges read at scrape time. */
export interface HubsView {
  hubs(): Iterable<{ tenant: string; queued: number; agents(): AgentInfo[] }>;
}

interface TunnelChildren {
  frames: Counter.Internal;
  bytes: Counter.Internal;
  messages: Counter.Internal;
}

export class PromEdgeMetrics implements EdgeMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter;
  readonly #inFlight: Gauge;
  readonly #queueWait: Histogram;
  readonly #ttft: Histogram;
  readonly #duration: Histogram;
  readonly #promptTokens: Counter;
  readonly #completionTokens: Counter;
  readonly #errors: Counter;
  readonly #connections: Counter;
  readonly #reconnects: Counter;
  readonly #seen = new Set<string>();
  readonly #frames: Counter;
  readonly #bytes: Counter;
  readonly #messages: Counter;
  /** Bound children per direction and tenant: a WebSocket message costs no label object and no key string. */
  readonly #tunnelChildren = { in: new Map<string, TunnelChildren>(), out: new Map<string, TunnelChildren>() };

  constructor(view: HubsView) {
    const registers = [this.registry];
    this.#requests = new Counter({ name: 'vllama_edge_requests_total', help: 'Requests served, by route, status and tenant.', labelNames: ['tenant', 'route', 'status'], registers });
    this.#inFlight = new Gauge({ name: 'vllama_edge_requests_in_flight', help: 'Requests being served now (queued or streaming).', labelNames: ['tenant'], registers });
    this.#queueWait = new Histogram({ name: 'vllama_edge_queue_wait_seconds', help: 'Time a request waited for an agent.', labelNames: ['tenant'], buckets: LATENCY_BUCKETS, registers });
    this.#ttft = new Histogram({ name: 'vllama_edge_time_to_first_token_seconds', help: 'Time from a request to its first response body byte.', labelNames: ['tenant', 'model'], buckets: LATENCY_BUCKETS, registers });
    this.#duration = new Histogram({ name: 'vllama_edge_request_duration_seconds', help: 'Time from a request to the end of its response.', labelNames: ['tenant', 'route'], buckets: LATENCY_BUCKETS, registers });
    this.#promptTokens = new Counter({ name: 'vllama_edge_prompt_tokens_total', help: 'Prompt tokens of served requests, as the agent reported them.', labelNames: ['tenant'], registers });
    this.#completionTokens = new Counter({ name: 'vllama_edge_completion_tokens_total', help: 'Completion tokens of served requests, as the agent reported them.', labelNames: ['tenant'], registers });
    this.#errors = new Counter({ name: 'vllama_edge_errors_total', help: 'Requests that failed, by error code.', labelNames: ['tenant', 'code'], registers });
    this.#connections = new Counter({ name: 'vllama_edge_agent_connections_total', help: 'Agent handshakes completed.', labelNames: ['tenant'], registers });
    this.#reconnects = new Counter({ name: 'vllama_edge_agent_reconnects_total', help: 'Handshakes of an agent id that was connected before.', labelNames: ['tenant'], registers });
    this.#frames = new Counter({ name: 'vllama_edge_tunnel_frames_total', help: 'Frames on agent sockets (in: from agents).', labelNames: ['tenant', 'direction'], registers });
    this.#bytes = new Counter({ name: 'vllama_edge_tunnel_bytes_total', help: 'Bytes of binary WebSocket messages on agent sockets.', labelNames: ['tenant', 'direction'], registers });
    this.#messages = new Counter({ name: 'vllama_edge_tunnel_messages_total', help: 'Binary WebSocket messages on agent sockets.', labelNames: ['tenant', 'direction'], registers });
    const perHub = (name: string, help: string, read: (h: ReturnType<HubsView['hubs']> extends Iterable<infer H> ? H : never) => number) =>
      new Gauge({
        name, help, labelNames: ['tenant'], registers,
        collect() {
          this.reset();
          for (const hub of view.hubs()) this.set({ tenant: hub.tenant }, read(hub));
        },
      });
    perHub('vllama_edge_queue_length', 'Requests waiting for an agent.', (h) => h.queued);
    perHub('vllama_edge_agents_connected', 'Agents connected and past their handshake.', (h) => h.agents().length);
    perHub('vllama_edge_agent_capacity', 'Streams the ready agents advertise (sum of maxInflight).', (h) =>
      h.agents().reduce((n, a) => n + (a.ready && !a.draining ? a.maxInflight : 0), 0));
    perHub('vllama_edge_agent_streams_in_flight', 'Streams open on agents.', (h) => h.agents().reduce((n, a) => n + a.inflight, 0));
  }

  requestStarted(tenant: string): void {
    this.#inFlight.inc({ tenant });
  }

  requestFinished(r: RequestRecord): void {
    const tenant = r.tenant;
    const route = routeLabel(r.route);
    this.#inFlight.dec({ tenant });
    this.#requests.inc({ tenant, route, status: String(r.status) });
    this.#duration.observe({ tenant, route }, r.durationSeconds);
    if (r.ttftSeconds !== undefined) this.#ttft.observe({ tenant, model: r.model }, r.ttftSeconds);
    if (r.promptTokens) this.#promptTokens.inc({ tenant }, r.promptTokens);
    if (r.completionTokens) this.#completionTokens.inc({ tenant }, r.completionTokens);
    if (r.errorCode) this.#errors.inc({ tenant, code: r.errorCode });
  }

  queueWait(tenant: string, seconds: number): void {
    this.#queueWait.observe({ tenant }, seconds);
  }

  agentConnected(tenant: string, agentId: string): void {
    this.#connections.inc({ tenant });
    const key = `${tenant}\u0000${agentId}`;
    if (this.#seen.has(key)) this.#reconnects.inc({ tenant });
    else if (this.#seen.size < 4096) this.#seen.add(key);
  }

  agentDisconnected(): void {
    // Connected agents are a gauge read from the Hubs; nothing to count here.
  }

  tunnel(tenant: string, direction: TunnelDirection, frames: number, bytes: number): void {
    const children = this.#tunnelChildren[direction];
    let c = children.get(tenant);
    if (!c) {
      const labels = { tenant, direction };
      c = { frames: this.#frames.labels(labels), bytes: this.#bytes.labels(labels), messages: this.#messages.labels(labels) };
      children.set(tenant, c);
    }
    c.frames.inc(frames);
    c.bytes.inc(bytes);
    c.messages.inc();
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
