// The whole edge as one Hono app, for a host that holds every tenant in one
// process (Node): health, the admin API, and /v1/* dispatched by the key's tenant.
import { Hono } from 'hono';
import { AGENT_CONNECT_PATH } from './defaults';
import { invalidApiKey, notFound, onError } from './error-handler';
import { HttpError } from './errors';
import { parseApiKey } from './keys';
import { ADMIN_BASE } from './routes-admin';
import { STATUS_PATH } from './routes-status';

interface FetchApp {
  fetch(req: Request, env?: unknown): Response | Promise<Response>;
}

export interface EdgeAppOptions {
  admin: FetchApp;
  /** The OpenAI app of a tenant that exists; undefined for an unknown tenant. */
  tenantApp(tenant: string): FetchApp | undefined;
  /** The status page (routes-status.ts), where the host serves one. */
  status?: FetchApp;
  /** `GET /metrics` (the Node host's Prometheus text; it checks the admin token itself). */
  metrics?: FetchApp;
  log?: (line: string) => void;
}

export function edgeApp(opts: EdgeAppOptions): Hono {
  const app = new Hono();

  app.get('/healthz', (c) => c.json({ ok: true }));

  app.all(`${ADMIN_BASE}/*`, (c) => opts.admin.fetch(c.req.raw));
  const { status, metrics } = opts;
  if (status) app.all(`${STATUS_PATH}/*`, (c) => status.fetch(c.req.raw)).all(STATUS_PATH, (c) => status.fetch(c.req.raw));
  if (metrics) app.get('/metrics', (c) => metrics.fetch(c.req.raw));

  // Routed on the key's tenant part alone; the tenant's app verifies the key itself.
  app.all('/v1/*', (c) => {
    const parsed = parseApiKey(c.req.header('authorization'));
    const tenant = parsed ? opts.tenantApp(parsed.tenant) : undefined;
    if (!tenant) throw invalidApiKey();
    return tenant.fetch(c.req.raw, c.env); // the host's env (Node: the raw request) goes along
  });

  // The host answers WebSocket upgrades before routing; a plain GET lands here.
  app.get(AGENT_CONNECT_PATH, () => {
    throw new HttpError(426, 'upgrade_required', 'This endpoint takes a WebSocket upgrade from a vllama agent.', {
      headers: { upgrade: 'websocket' },
    });
  });

  app.notFound(notFound);
  app.onError(onError(opts.log));
  return app;
}
