// The whole edge as one Hono app, for a host that holds every tenant in one
// process (Node): health, the admin API, the status page, Ollama's unauthenticated
// probes, and /v1/*, vLLM's other routes and /api/* dispatched by the key's tenant.
import { Hono, type Context } from 'hono';
import { apiKeyHeader } from './api-key-header';
import { AuthThrottle } from './auth-throttle';
import { AGENT_CONNECT_PATH } from '../defaults';
import { invalidApiKey, notFound, onError } from './error-handler';
import { HttpError } from '../errors';
import { parseApiKey, secretHash } from '../store/index';
import { ollamaProbes } from '../ollama/index';
import { ADMIN_BASE } from './routes-admin';
import { STATUS_PATH } from './routes-status';
import { isVllmRootRoute } from './vllm-routes';

interface FetchApp {
  fetch(req: Request, env?: unknown): Response | Promise<Response>;
}

export interface EdgeAppOptions {
  admin: FetchApp;
  /** The OpenAI app of a tenant that exists; undefined for an unknown tenant. */
  tenantApp(tenant: string): FetchApp | undefined;
  /**
   * The client's address, for the failed-auth throttle: the host knows it (Node: the
   * socket's peer; Workers: CF-Connecting-IP). Undefined puts every client in one bucket.
   */
  clientAddress?: (req: Request, env: unknown) => string | undefined;
  /** Failed authentications per source; one per process (or isolate), shared by every tenant. */
  throttle?: AuthThrottle;
  /** The status page (routes-status.ts), where the host serves one. */
  status?: FetchApp;
  /** `GET /metrics` (the Node host's Prometheus text; it checks the admin token itself). */
  metrics?: FetchApp;
  log?: (line: string) => void;
}

export function edgeApp(opts: EdgeAppOptions): Hono {
  const app = new Hono();
  const throttle = opts.throttle ?? new AuthThrottle();
  const sourceOf = (req: Request, env: unknown) => opts.clientAddress?.(req, env) ?? 'unknown';

  /** Runs `route` unless the source is throttled; counts a 401 it answers (or throws) as a failure. */
  const guarded = async (req: Request, env: unknown, route: () => Promise<Response> | Response): Promise<Response> => {
    const source = sourceOf(req, env);
    throttle.check(source);
    let res: Response;
    try {
      res = await route();
    } catch (err) {
      if (err instanceof HttpError && err.status === 401) throttle.failed(source);
      throw err;
    }
    if (res.status === 401) throttle.failed(source);
    return res;
  };

  app.get('/healthz', (c) => c.json({ ok: true }));

  app.all(`${ADMIN_BASE}/*`, (c) => guarded(c.req.raw, c.env, () => opts.admin.fetch(c.req.raw)));
  const { status, metrics } = opts;
  if (status) {
    const page = (c: { req: { raw: Request }; env: unknown }) => guarded(c.req.raw, c.env, () => status.fetch(c.req.raw));
    app.all(`${STATUS_PATH}/*`, page).all(STATUS_PATH, page);
  }
  if (metrics) app.get('/metrics', (c) => guarded(c.req.raw, c.env, () => metrics.fetch(c.req.raw)));

  // Routed on the key's tenant part alone; the tenant's app verifies the key itself.
  const toTenant = (c: Context) =>
    guarded(c.req.raw, c.env, async () => {
      const parsed = parseApiKey(apiKeyHeader((name) => c.req.header(name)));
      const tenant = parsed ? opts.tenantApp(parsed.tenant) : undefined;
      if (!tenant) {
        // Hashed as a known tenant's key is (store.verifyKey), so the answer takes as long
        // and timing does not tell which tenants exist.
        if (parsed) await secretHash(parsed.key);
        throw invalidApiKey();
      }
      return tenant.fetch(c.req.raw, c.env); // the host's env (Node: the raw request) goes along
    });
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
