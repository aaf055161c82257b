// The status page at /status, for the admin (or whoever holds the read-only
// status token): a login form or `?token=` sets a cookie; the page and its
// JSON are served by the same routes on both hosts, uPlot from the package.
import { Hono, type Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { notFound, onError } from './error-handler';
import { HttpError } from '../errors';
import type { AgentInfo } from '../hub/index';
import { bearerToken, secretsEqual, type TenantRecord, type UsageRow } from '../store/index';
import type { LineLog } from '../log';
import type { TenantFiguresJson } from '../metrics/index';
import { requestId } from './request-id';
import { loginPage, statusPage } from './status-page';

type MaybePromise<T> = T | Promise<T>;

export const STATUS_PATH = '/status';
const COOKIE = 'vllama_status';

export interface StatusSource {
  listTenants(): MaybePromise<TenantRecord[]>;
  usage(tenant: string): MaybePromise<UsageRow[]>;
  agents(tenant: string): MaybePromise<AgentInfo[]>;
  /** The tenant's figures (metrics-figures.ts); undefined where none are kept. */
  figures(tenant: string): MaybePromise<TenantFiguresJson | undefined>;
}

export interface StatusRoutesOptions {
  adminToken: string;
  /** A token that opens the page and its data only; unset: the admin token alone. */
  statusToken?: string;
  source: StatusSource;
  /** uPlot's dist files, served from the package (no CDN). */
  assets: { uplotJs: string; uplotCss: string };
  log?: LineLog;
  now?: () => number;
}

export interface StatusTenant {
  tenant: string;
  agents: AgentInfo[];
  figures: TenantFiguresJson | null;
  /** Today's (UTC) usage rows, one per key. */
  usageToday: UsageRow[];
}

export interface StatusSnapshot {
  now: number;
  tenants: StatusTenant[];
}

export function statusRoutes(opts: StatusRoutesOptions): Hono {
  const now = opts.now ?? Date.now;
  const app = new Hono().basePath(STATUS_PATH);
  app.use('*', requestId());

  const allowed = async (token: string | null | undefined): Promise<boolean> => {
    if (!token) return false;
    if (await secretsEqual(token, opts.adminToken)) return true;
    return opts.statusToken ? secretsEqual(token, opts.statusToken) : false;
  };
  const presented = (c: Context) => bearerToken(c.req.header('authorization')) ?? getCookie(c, COOKIE);
  const remember = (c: Context, token: string) =>
    setCookie(c, COOKIE, token, { path: STATUS_PATH, httpOnly: true, sameSite: 'Strict', secure: new URL(c.req.url).protocol === 'https:' });

  const snapshot = async (): Promise<StatusSnapshot> => {
    const today = new Date(now()).toISOString().slice(0, 10);
    const tenants = await opts.source.listTenants();
    const data = await Promise.all(
      tenants.map(async ({ name }) => {
        const [agents, figures, usage] = await Promise.all([opts.source.agents(name), opts.source.figures(name), opts.source.usage(name)]);
        return { tenant: name, agents, figures: figures ?? null, usageToday: usage.filter((u) => u.day === today) };
      }),
    );
    return { now: now(), tenants: data };
  };

  // The library files need no token: they are uPlot's public dist files.
  app.get('/uplot.js', (c) => c.body(opts.assets.uplotJs, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'max-age=86400' }));
  app.get('/uplot.css', (c) => c.body(opts.assets.uplotCss, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'max-age=86400' }));

  app.post('/login', async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const token = typeof form.token === 'string' ? form.token.trim() : '';
    if (!(await allowed(token))) return c.html(loginPage('That token opens nothing here.'), 401);
    remember(c, token);
    return c.redirect(STATUS_PATH, 303);
  });

  app.get('/', async (c) => {
    const query = c.req.query('token');
    if (query !== undefined) {
      if (!(await allowed(query))) return c.html(loginPage('That token opens nothing here.'), 401);
      // Into a cookie and out of the address bar (and the browser's history).
      remember(c, query);
      return c.redirect(STATUS_PATH, 303);
    }
    if (!(await allowed(presented(c)))) return c.html(loginPage(), 401);
    return c.html(statusPage(await snapshot()), 200, { 'cache-control': 'no-store' });
  });

  app.get('/data.json', async (c) => {
    if (!(await allowed(presented(c)))) throw new HttpError(401, 'invalid_status_token', 'Incorrect status or admin token provided.');
    return c.json(await snapshot(), 200, { 'cache-control': 'no-store' });
  });

  app.notFound(notFound);
  app.onError(onError(opts.log));
  return app;
}
