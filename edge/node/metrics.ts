// The Node edge's Prometheus metrics (prom-client): what edge/core reports
// through EdgeMetrics, plus gauges read from the live Hubs at scrape time, so
// the request path pays nothing for them. Names follow Prometheus' conventions.
// Counters and the in-flight gauge are counted in plain numbers on the request
// path and handed to prom-client when scraped: each of its calls hashes its
// labels, ~3 µs a request over the eight calls a request made (issue 17).
// The histograms still observe per request.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { PendingCounts } from '../../protocol/index';
import type { AgentInfo } from '../core/hub/index';
import { routeLabel, type EdgeMetrics, type RequestRecord, type TunnelDirection } from '../core/metrics/index';

/** Seconds: from a cached prompt's first token (~10 ms) to a long generation (minutes). */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** What the gauges read at scrape time. */
export interface HubsView {
  hubs(): Iterable<{ tenant: string; queued: number; agents(): AgentInfo[] }>;
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
  readonly #pending = { requests: new PendingCounts(), prompt: new PendingCounts(), completion: new PendingCounts(), errors: new PendingCounts() };
  /** Requests in flight per tenant; the gauge reads it at scrape. */
  readonly #inFlightNow = new Map<string, number>();
  /** Tunnel traffic per direction and tenant: frames, bytes, messages. */
  readonly #tunnelNow = { in: new Map<string, number[]>(), out: new Map<string, number[]>() };

  constructor(view: HubsView) {
    const registers = [this.registry];
    const pending = this.#pending;
    this.#requests = new Counter({
      name: 'vllama_edge_requests_total', help: 'Requests served, by route, status and tenant.', labelNames: ['tenant', 'route', 'status'], registers,
      collect: () => pending.requests.flushInto(this.#requests),
    });
    const inFlightNow = this.#inFlightNow;
    this.#inFlight = new Gauge({
      name: 'vllama_edge_requests_in_flight', help: 'Requests being served now (queued or streaming).', labelNames: ['tenant'], registers,
      collect() {
        for (const [tenant, n] of inFlightNow) this.set({ tenant }, n);
      },
    });
    this.#queueWait = new Histogram({ name: 'vllama_edge_queue_wait_seconds', help: 'Time a request waited for an agent.', labelNames: ['tenant'], buckets: LATENCY_BUCKETS, registers });
    this.#ttft = new Histogram({ name: 'vllama_edge_time_to_first_token_seconds', help: 'Time from a request to its first response body byte.', labelNames: ['tenant', 'model'], buckets: LATENCY_BUCKETS, registers });
    this.#duration = new Histogram({ name: 'vllama_edge_request_duration_seconds', help: 'Time from a request to the end of its response.', labelNames: ['tenant', 'route'], buckets: LATENCY_BUCKETS, registers });
    this.#promptTokens = new Counter({
      name: 'vllama_edge_prompt_tokens_total', help: 'Prompt tokens of served requests, as the agent reported them.', labelNames: ['tenant'], registers,
      collect: () => pending.prompt.flushInto(this.#promptTokens),
    });
    this.#completionTokens = new Counter({
      name: 'vllama_edge_completion_tokens_total', help: 'Completion tokens of served requests, as the agent reported them.', labelNames: ['tenant'], registers,
      collect: () => pending.completion.flushInto(this.#completionTokens),
    });
    this.#errors = new Counter({
      name: 'vllama_edge_errors_total', help: 'Requests that failed, by error code.', labelNames: ['tenant', 'code'], registers,
      collect: () => pending.errors.flushInto(this.#errors),
    });
    this.#connections = new Counter({ name: 'vllama_edge_agent_connections_total', help: 'Agent handshakes completed.', labelNames: ['tenant'], registers });
    this.#reconnects = new Counter({ name: 'vllama_edge_agent_reconnects_total', help: 'Handshakes of an agent id that was connected before.', labelNames: ['tenant'], registers });
    // Totals kept here, set at scrape: counters prom-client never sees incremented, read as gauges are.
    const tunnelNow = this.#tunnelNow;
    const tunnel = (name: string, help: string, at: number) =>
      new Counter({
        name, help, labelNames: ['tenant', 'direction'], registers,
        collect() {
          this.reset();
          for (const direction of ['in', 'out'] as const) {
            for (const [tenant, totals] of tunnelNow[direction]) if (totals[at] > 0) this.inc({ tenant, direction }, totals[at]);
          }
        },
      });
    tunnel('vllama_edge_tunnel_frames_total', 'Frames on agent sockets (in: from agents).', 0);
    tunnel('vllama_edge_tunnel_bytes_total', 'Bytes of binary WebSocket messages on agent sockets.', 1);
    tunnel('vllama_edge_tunnel_messages_total', 'Binary WebSocket messages on agent sockets.', 2);
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
    this.#inFlightNow.set(tenant, (this.#inFlightNow.get(tenant) ?? 0) + 1);
  }

  requestFinished(r: RequestRecord): void {
    const tenant = r.tenant;
    const route = routeLabel(r.route);
    const pending = this.#pending;
    this.#inFlightNow.set(tenant, (this.#inFlightNow.get(tenant) ?? 1) - 1);
    const status = r.status;
    pending.requests.add(`${tenant}\u0000${route}\u0000${status}`, 1, () => ({ tenant, route, status: String(status) }));
    this.#duration.observe({ tenant, route }, r.durationSeconds);
    if (r.ttftSeconds !== undefined) this.#ttft.observe({ tenant, model: r.model }, r.ttftSeconds);
    if (r.promptTokens) pending.prompt.add(tenant, r.promptTokens, () => ({ tenant }));
    if (r.completionTokens) pending.completion.add(tenant, r.completionTokens, () => ({ tenant }));
    const code = r.errorCode;
    if (code) pending.errors.add(`${tenant}\u0000${code}`, 1, () => ({ tenant, code }));
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
    const totals = this.#tunnelNow[direction];
    let t = totals.get(tenant);
    if (!t) totals.set(tenant, (t = [0, 0, 0]));
    t[0] += frames;
    t[1] += bytes;
    t[2] += 1;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
