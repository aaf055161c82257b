// The whole edge as one Hono app, for a host that holds every tenant in one
// process (Node): health, the admin API, Ollama's unauthenticated probes, and
// /v1/*, vLLM's other routes and /api/* dispatched by the key's tenant.
import { Hono, type Context } from 'hono';
import { apiKeyHeader } from './api-key-header';
import { AGENT_CONNECT_PATH } from './defaults';
import { invalidApiKey, notFound, onError } from './error-handler';
import { HttpError } from './errors';
import { parseApiKey } from './keys';
import { ollamaProbes } from './ollama-probes';
import { ADMIN_BASE } from './routes-admin';
import { isVllmRootRoute } from './vllm-routes';

interface FetchApp {
  fetch(req: Request, env?: unknown): Response | Promise<Response>;
}

export interface EdgeAppOptions {
  admin: FetchApp;
  /** The OpenAI app of a tenant that exists; undefined for an unknown tenant. */
  tenantApp(tenant: string): FetchApp | undefined;
  log?: (line: string) => void;
}

export function edgeApp(opts: EdgeAppOptions): Hono {
  const app = new Hono();

  app.get('/healthz', (c) => c.json({ ok: true }));

  app.all(`${ADMIN_BASE}/*`, (c) => opts.admin.fetch(c.req.raw));

  // Routed on the key's tenant part alone; the tenant's app verifies the key itself.
  const toTenant = (c: Context) => {
    const parsed = parseApiKey(apiKeyHeader((name) => c.req.header(name)));
    const tenant = parsed ? opts.tenantApp(parsed.tenant) : undefined;
    if (!tenant) throw invalidApiKey();
    return tenant.fetch(c.req.raw, c.env); // the host's env (Node: the raw request) goes along
  };
  app.all('/v1/*', toTenant);
  // Ollama clients probe these before they send a key (Open WebUI, Continue).
  app.route('/', ollamaProbes());
  app.all('/api/*', toTenant);
  app.all('*', (c, next) => (isVllmRootRoute(c.req.method, c.req.path) ? toTenant(c) : next()));

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
