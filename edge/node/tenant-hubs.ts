// The Node host's tenants in memory: one Hub and one OpenAI app per tenant,
// created on first use (an agent dialling in, or a request with the tenant's key).
import { ServerResponse, type IncomingMessage } from 'node:http';
import { forwardableHeaderLists } from '../core/forward-headers';
import { Hub } from '../core/hub';
import { KeyLimiter } from '../core/limits';
import { openaiRoutes } from '../core/routes-openai';
import type { TenantStore } from '../core/store';
import { ResponseCloseSignal } from './client-signal';

export interface TenantEdge {
  hub: Hub;
  app: ReturnType<typeof openaiRoutes>;
}

export interface TenantHubsOptions {
  store: TenantStore;
  queueTimeoutMs?: number;
  log: (line: string) => void;
}

export class TenantHubs {
  readonly #opts: TenantHubsOptions;
  readonly #tenants = new Map<string, TenantEdge>();

  constructor(opts: TenantHubsOptions) {
    this.#opts = opts;
  }

  /** The tenant's Hub and app, created on first use; undefined when no such tenant is stored. */
  get(tenant: string): TenantEdge | undefined {
    const live = this.#tenants.get(tenant);
    if (live) return live;
    // Checked before creating anything, so random keys cannot make the edge allocate Hubs.
    if (!this.#opts.store.hasTenant(tenant)) return undefined;
    const { store, queueTimeoutMs, log } = this.#opts;
    // directBodies: server.ts writes relayed bodies straight to the ServerResponse.
    const hub = new Hub({ tenant, queueTimeoutMs, schedule: setImmediate, directBodies: true, log });
    const app = openaiRoutes({ tenant, store, hub, limiter: new KeyLimiter(), forwardHeaders, clientSignal, log });
    const edge = { hub, app };
    this.#tenants.set(tenant, edge);
    return edge;
  }

  /** The tenant's Hub if one is live, without creating it. */
  peek(tenant: string): Hub | undefined {
    return this.#tenants.get(tenant)?.hub;
  }

  close(): void {
    for (const { hub } of this.#tenants.values()) hub.close();
    this.#tenants.clear();
  }
}

/** From Node's parsed headers when node-server's env carries the request. */
function forwardHeaders(env: unknown): Record<string, string> | undefined {
  const incoming = (env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming && forwardableHeaderLists(incoming.headersDistinct);
}

/** From the ServerResponse when node-server's env carries it. */
function clientSignal(env: unknown): ResponseCloseSignal | undefined {
  const outgoing = (env as { outgoing?: unknown } | undefined)?.outgoing;
  return outgoing instanceof ServerResponse ? new ResponseCloseSignal(outgoing) : undefined;
}
