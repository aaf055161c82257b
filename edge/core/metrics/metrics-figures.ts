// The edge's figures as plain numbers, per tenant: what a Durable Object (which
// cannot be scraped) serves as JSON through the admin API, and what the status
// page draws on both hosts: totals, a 15-minute series, and the recent errors.
import { FIGURES_BUCKET_MS, FIGURES_BUCKETS, FIGURES_RECENT_ERRORS, FIGURES_REMEMBERED_AGENTS } from '../defaults';
import { routeLabel, type EdgeMetrics, type RequestRecord, type TunnelDirection } from './metrics';

export interface RecentError {
  at: number;
  requestId: string;
  keyId: string;
  model: string;
  route: string;
  status: number;
  code: string;
}

/** The JSON of `GET /admin/v1/tenants/:name/metrics` (and the status page's data). */
export interface TenantFiguresJson {
  tenant: string;
  /** When these figures started counting (a Durable Object restarts them when it is evicted). */
  since: number;
  now: number;
  requests: { total: number; byStatus: Record<string, number>; byRoute: Record<string, number>; inFlight: number };
  tokens: { prompt: number; completion: number };
  errors: { total: number; byCode: Record<string, number>; recent: RecentError[] };
  queue: { waits: number; waitSecondsSum: number };
  ttft: { count: number; secondsSum: number };
  duration: { count: number; secondsSum: number };
  agents: { connections: number; reconnects: number; disconnections: number };
  tunnel: Record<TunnelDirection, { messages: number; frames: number; bytes: number }>;
  /** Per bucket of `bucketSeconds`, oldest first, the last one still filling: bucket start (s since epoch), requests and tokens ended in it. */
  series: { bucketSeconds: number; t: number[]; requests: number[]; tokens: number[] };
}

const inc = (map: Record<string, number>, key: string, by = 1) => {
  map[key] = (map[key] ?? 0) + by;
};

export class TenantFigures {
  readonly tenant: string;
  readonly #now: () => number;
  readonly #since: number;
  #requests = { total: 0, byStatus: {} as Record<string, number>, byRoute: {} as Record<string, number>, inFlight: 0 };
  #tokens = { prompt: 0, completion: 0 };
  #errors = { total: 0, byCode: {} as Record<string, number>, recent: [] as RecentError[] };
  #queue = { waits: 0, waitSecondsSum: 0 };
  #ttft = { count: 0, secondsSum: 0 };
  #duration = { count: 0, secondsSum: 0 };
  #agents = { connections: 0, reconnects: 0, disconnections: 0 };
  #seenAgents = new Set<string>();
  #tunnel = { in: { messages: 0, frames: 0, bytes: 0 }, out: { messages: 0, frames: 0, bytes: 0 } };
  /** Ring of buckets by index = floor(t / bucket) % FIGURES_BUCKETS; `at` tells a stale slot. */
  #ring = Array.from({ length: FIGURES_BUCKETS }, () => ({ at: -1, requests: 0, tokens: 0 }));

  constructor(tenant: string, now: () => number = Date.now) {
    this.tenant = tenant;
    this.#now = now;
    this.#since = now();
  }

  requestStarted(): void {
    this.#requests.inFlight++;
  }

  requestFinished(r: RequestRecord): void {
    const q = this.#requests;
    q.inFlight = Math.max(0, q.inFlight - 1);
    q.total++;
    inc(q.byStatus, String(r.status));
    inc(q.byRoute, routeLabel(r.route));
    this.#tokens.prompt += r.promptTokens;
    this.#tokens.completion += r.completionTokens;
    if (r.ttftSeconds !== undefined) {
      this.#ttft.count++;
      this.#ttft.secondsSum += r.ttftSeconds;
    }
    this.#duration.count++;
    this.#duration.secondsSum += r.durationSeconds;
    if (r.errorCode) this.#error(r);
    const slot = this.#slot(r.endedAt);
    slot.requests++;
    slot.tokens += r.completionTokens;
  }

  queueWait(seconds: number): void {
    this.#queue.waits++;
    this.#queue.waitSecondsSum += seconds;
  }

  agentConnected(agentId: string): void {
    this.#agents.connections++;
    if (this.#seenAgents.has(agentId)) this.#agents.reconnects++;
    else if (this.#seenAgents.size < FIGURES_REMEMBERED_AGENTS) this.#seenAgents.add(agentId);
  }

  agentDisconnected(): void {
    this.#agents.disconnections++;
  }

  tunnel(direction: TunnelDirection, frames: number, bytes: number): void {
    const t = this.#tunnel[direction];
    t.messages++;
    t.frames += frames;
    t.bytes += bytes;
  }

  toJSON(): TenantFiguresJson {
    const now = this.#now();
    const bucket = Math.floor(now / FIGURES_BUCKET_MS);
    const t: number[] = [];
    const requests: number[] = [];
    const tokens: number[] = [];
    for (let b = bucket - FIGURES_BUCKETS + 1; b <= bucket; b++) {
      const slot = this.#ring[b % FIGURES_BUCKETS];
      const live = slot.at === b;
      t.push((b * FIGURES_BUCKET_MS) / 1000);
      requests.push(live ? slot.requests : 0);
      tokens.push(live ? slot.tokens : 0);
    }
    return structuredClone({
      tenant: this.tenant,
      since: this.#since,
      now,
      requests: this.#requests,
      tokens: this.#tokens,
      errors: this.#errors,
      queue: this.#queue,
      ttft: this.#ttft,
      duration: this.#duration,
      agents: this.#agents,
      tunnel: this.#tunnel,
      series: { bucketSeconds: FIGURES_BUCKET_MS / 1000, t, requests, tokens },
    });
  }

  #error(r: RequestRecord): void {
    this.#errors.total++;
    inc(this.#errors.byCode, r.errorCode!);
    const recent = this.#errors.recent;
    recent.unshift({ at: r.endedAt, requestId: r.requestId, keyId: r.keyId, model: r.model, route: r.route, status: r.status, code: r.errorCode! });
    if (recent.length > FIGURES_RECENT_ERRORS) recent.length = FIGURES_RECENT_ERRORS;
  }

  #slot(at: number) {
    const b = Math.floor(at / FIGURES_BUCKET_MS);
    const slot = this.#ring[b % FIGURES_BUCKETS];
    if (slot.at !== b) {
      slot.at = b;
      slot.requests = 0;
      slot.tokens = 0;
    }
    return slot;
  }
}

/** Every tenant's figures in one process (the Node host), as one EdgeMetrics. */
export class FigureBook implements EdgeMetrics {
  readonly #tenants = new Map<string, TenantFigures>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  of(tenant: string): TenantFigures {
    let figures = this.#tenants.get(tenant);
    if (!figures) this.#tenants.set(tenant, (figures = new TenantFigures(tenant, this.#now)));
    return figures;
  }

  requestStarted(tenant: string): void {
    this.of(tenant).requestStarted();
  }
  requestFinished(r: RequestRecord): void {
    this.of(r.tenant).requestFinished(r);
  }
  queueWait(tenant: string, seconds: number): void {
    this.of(tenant).queueWait(seconds);
  }
  agentConnected(tenant: string, agentId: string): void {
    this.of(tenant).agentConnected(agentId);
  }
  agentDisconnected(tenant: string): void {
    this.of(tenant).agentDisconnected();
  }
  tunnel(tenant: string, direction: TunnelDirection, frames: number, bytes: number): void {
    this.of(tenant).tunnel(direction, frames, bytes);
  }
}

/** One tenant's figures as an EdgeMetrics (a Durable Object holds one tenant). */
export function figuresMetrics(figures: TenantFigures): EdgeMetrics {
  return {
    requestStarted: () => figures.requestStarted(),
    requestFinished: (r) => figures.requestFinished(r),
    queueWait: (_t, s) => figures.queueWait(s),
    agentConnected: (_t, id) => figures.agentConnected(id),
    agentDisconnected: () => figures.agentDisconnected(),
    tunnel: (_t, d, f, b) => figures.tunnel(d, f, b),
  };
}
