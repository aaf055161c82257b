// The Cloudflare Worker in front of the tenants' Durable Objects: checks the
// form of a key or agent token, routes by its tenant part to that tenant's
// object (which verifies it), and serves the admin API and /healthz itself.
import { Hono } from 'hono';
import { edgeApp, AuthThrottle, onError, adminRoutes, statusRoutes } from '../core/http/index';
import { AGENT_CONNECT_PATH } from '../core/defaults';
import { errorResponse, HttpError } from '../core/errors';
import { parseAgentToken } from '../core/store/index';
import type { LineLog } from '../core/log';
import uplotJs from 'uplot/dist/uPlot.iife.min.js';
import uplotCss from 'uplot/dist/uPlot.min.css';
import { durableAdminStore } from './admin-store';
import { logLevel, type Env } from './env';
import { jsonLogging } from './log';

export { RegistryDO } from './registry-do';
export { TenantDO } from './tenant-do';

function tenantObject(env: Env, tenant: string): DurableObjectStub {
  return env.TENANT.get(env.TENANT.idFromName(tenant));
}

function adminApp(env: Env, log: LineLog): { fetch(req: Request): Response | Promise<Response> } {
  const adminToken = env.ADMIN_TOKEN;
  if (!adminToken) {
    const disabled = new HttpError(401, 'invalid_admin_token', 'The admin API is disabled until the ADMIN_TOKEN secret is set.');
    return { fetch: () => errorResponse(disabled) };
  }
  const store = durableAdminStore(env);
  return adminRoutes({ adminToken, store, hubFor: store.hubFor, log });
}

/** The status page, open to the admin token and STATUS_TOKEN; absent until ADMIN_TOKEN is set. */
function statusApp(env: Env, log: LineLog): { fetch(req: Request): Response | Promise<Response> } | undefined {
  if (!env.ADMIN_TOKEN) return undefined;
  const store = durableAdminStore(env);
  return statusRoutes({
    adminToken: env.ADMIN_TOKEN,
    statusToken: env.STATUS_TOKEN || undefined,
    source: {
      listTenants: () => store.listTenants(),
      usage: (t) => store.usage(t),
      agents: (t) => store.hubFor(t).agents(),
      figures: (t) => store.hubFor(t).metrics(),
    },
    assets: { uplotJs, uplotCss },
    log,
  });
}

/** More routes ahead of the edge's own: the test entry's hooks (testing/test-worker.ts). */
export type ExtraRoutes = (app: Hono, env: Env) => void;

function workerApp(env: Env, extraRoutes?: ExtraRoutes): Hono {
  const app = new Hono();
  const log = jsonLogging(logLevel(env)).lineLog;

  // The upgrade goes to the tenant's object untouched: the object accepts it with the
  // hibernation API. (Hono's upgradeWebSocket would accept() it here, pinning the Worker.)
  app.get(AGENT_CONNECT_PATH, async (c, next) => {
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') return next();
    // Failed agent tokens count against the address, with the API's failed keys.
    const source = c.req.header('cf-connecting-ip') ?? 'unknown';
    throttle.check(source);
    const token = parseAgentToken(c.req.header('authorization'));
    if (!token) {
      throttle.failed(source);
      throw new HttpError(401, 'invalid_agent_token', 'Incorrect agent token provided.');
    }
    const res = await tenantObject(env, token.tenant).fetch(c.req.raw);
    if (res.status === 401) throttle.failed(source);
    return res;
  });

  extraRoutes?.(app, env);

  // Health, admin, and /v1/* routed by the API key's tenant part, as on the Node host.
  const edge = edgeApp({
    admin: adminApp(env, log),
    status: statusApp(env, log),
    tenantApp: (tenant) => ({ fetch: (req) => tenantObject(env, tenant).fetch(req) }),
    // Set by Cloudflare, not the client (wrangler dev sets it too). The throttle lives in this
    // isolate's memory: per location and isolate, a bound on one burst rather than a global count.
    clientAddress: (req) => req.headers.get('cf-connecting-ip') ?? undefined,
    throttle,
    log,
  });
  app.all('*', (c) => edge.fetch(c.req.raw));
  app.onError(onError(log));
  return app;
}

/** Failed authentications per client address, for every tenant this isolate serves. */
const throttle = new AuthThrottle();

/** The Worker's handler: one app per isolate and bindings object. */
export function workerHandler(extraRoutes?: ExtraRoutes): ExportedHandler<Env> {
  const apps = new WeakMap<Env, Hono>();
  return {
    fetch(request, env, ctx) {
      let app = apps.get(env);
      if (!app) apps.set(env, (app = workerApp(env, extraRoutes)));
      return app.fetch(request, env, ctx);
    },
  };
}

export default workerHandler();
