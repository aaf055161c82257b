// The Node host's tenants in memory: one Hub and one OpenAI app per tenant,
// created on first use (an agent dialling in, or a request with the tenant's key).
import { ServerResponse, type IncomingMessage } from 'node:http';
import { forwardableHeaderLists, type HostRequest, tenantRoutes } from '../core/http/index';
import { tenantGate, Hub } from '../core/hub/index';
import type { EdgeLogger } from '../core/log';
import type { EdgeMetrics } from '../core/metrics/index';
import type { TenantStore } from '../core/store/index';
import { ResponseCloseSignal } from './client-signal';
import { readIncoming } from './incoming-body';

export interface LiveTenant {
  hub: Hub;
  app: ReturnType<typeof tenantRoutes>;
}

export interface TenantHubsOptions {
  store: TenantStore;
  queueTimeoutMs?: number;
  bodyTimeoutMs?: number;
  heartbeatMs?: number;
  drainTimeoutMs?: number;
  /** SSE keep-alive interval for waiting streamed requests (defaults.ts KEEP_ALIVE_MS). */
  keepAliveMs?: number;
  log: (line: string) => void;
  metrics?: EdgeMetrics;
  logger?: EdgeLogger;
}

export class TenantHubs {
  readonly #opts: TenantHubsOptions;
  readonly #tenants = new Map<string, LiveTenant>();

  constructor(opts: TenantHubsOptions) {
    this.#opts = opts;
  }

  /** The tenant's Hub and app, created on first use; undefined when no such tenant is stored. */
  get(tenant: string): LiveTenant | undefined {
    const live = this.#tenants.get(tenant);
    if (live) return live;
    // Checked before creating anything, so random keys cannot make the edge allocate Hubs.
    if (!this.#opts.store.hasTenant(tenant)) return undefined;
    const { store, queueTimeoutMs, bodyTimeoutMs, heartbeatMs, drainTimeoutMs, keepAliveMs, log, metrics, logger } = this.#opts;
    // directBodies: server.ts writes relayed bodies straight to the ServerResponse.
    const hub = new Hub({ tenant, queueTimeoutMs, heartbeatMs, drainTimeoutMs, schedule: setImmediate, directBodies: true, log, metrics });
    // One concurrency gate per tenant: every route family of the tenant must share it.
    const gate = tenantGate(queueTimeoutMs);
    const app = tenantRoutes({ tenant, store, hub, gate, keepAliveMs, fromHost, bodyTimeoutMs, log, metrics, logger });
    const edge = { hub, app };
    this.#tenants.set(tenant, edge);
    return edge;
  }

  /** The tenant's Hub if one is live, without creating it. */
  peek(tenant: string): Hub | undefined {
    return this.#tenants.get(tenant)?.hub;
  }

  /** The live Hubs with their tenants (metrics gauges read them at scrape time). */
  *hubs(): Iterable<{ tenant: string; queued: number; agents(): ReturnType<Hub['agents']> }> {
    for (const [tenant, { hub }] of this.#tenants) yield { tenant, queued: hub.queued, agents: () => hub.agents() };
  }

  close(): void {
    for (const { hub } of this.#tenants.values()) hub.close();
    this.#tenants.clear();
  }
}

/**
 * From node-server's env, which carries Node's request and response: headers from
 * the parsed `headersDistinct` (no web Headers built per request), the body from the
 * IncomingMessage (incoming-body.ts) and a signal from the response's close event
 * (no AbortController per request).
 */
function fromHost(env: unknown): HostRequest | undefined {
  const { incoming, outgoing } = (env ?? {}) as { incoming?: IncomingMessage; outgoing?: unknown };
  if (!incoming || !(outgoing instanceof ServerResponse)) return undefined;
  return {
    headers: forwardableHeaderLists(incoming.headersDistinct),
    signal: new ResponseCloseSignal(outgoing),
    body: (limit, timeoutMs) => readIncoming(incoming, limit, timeoutMs),
  };
}
