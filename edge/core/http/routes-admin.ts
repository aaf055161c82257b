// The admin API under /admin/v1: tenants, keys and usage, behind one admin token.
// Built from interfaces so the Node host and the Cloudflare host mount the same app.
import { Hono } from 'hono';
import { z } from 'zod';
import { firstIssue } from '../../../protocol/index';
import { notFound, onError } from './error-handler';
import { HttpError } from '../errors';
import type { AgentInfo } from '../hub/index';
import { bearerToken, secretsEqual, TENANT_NAME, type CreatedTenant, type KeyInfo, type KeyLimitsInput, type TenantRecord, type UsageRow } from '../store/index';
import { parseJsonBody, readBody } from './request-body';
import { requestId, type RequestIdEnv } from './request-id';

type MaybePromise<T> = T | Promise<T>;

/** What the admin API needs of storage; TenantStore is one, a Worker forwarding to Durable Objects another. */
export interface AdminStore {
  createTenant(name: string): MaybePromise<CreatedTenant>;
  listTenants(): MaybePromise<TenantRecord[]>;
  createKey(tenant: string, limits: KeyLimitsInput): MaybePromise<{ apiKey: string; id: string }>;
  revokeKey(tenant: string, id: string): MaybePromise<void>;
  listKeys(tenant: string): MaybePromise<KeyInfo[]>;
  rotateKey(tenant: string, id: string): MaybePromise<{ apiKey: string; id: string }>;
  usage(tenant: string, byModel?: boolean): MaybePromise<UsageRow[]>;
}

/** What the admin API shows of a live Hub; `streams` (open streams and what they buffer) only where the Hub offers it. */
export interface AdminHubView {
  agents(): MaybePromise<AgentInfo[]>;
  streams?(): MaybePromise<readonly object[]>;
  /** The tenant's figures as JSON (metrics-figures.ts), where the host keeps them. */
  metrics?(): MaybePromise<object | undefined>;
}

export interface AdminRoutesOptions {
  adminToken: string;
  store: AdminStore;
  /** The tenant's Hub when one is live here (for the agents it holds); undefined when none. */
  hubFor?: (tenant: string) => AdminHubView | undefined;
  log?: (line: string) => void;
}

export const ADMIN_BASE = '/admin/v1';

/** Admin bodies are a few fields; 64 KiB bounds what an admin request can make the edge hold. */
const MAX_ADMIN_BODY = 64 * 1024;

const tenantBody = z.strictObject({
  name: z.string().regex(TENANT_NAME, `must match ${TENANT_NAME}`),
});

const keyBody = z.strictObject({
  rpm: z.int().positive().optional(),
  maxConcurrent: z.int().positive().optional(),
  models: z.array(z.string().min(1).max(256)).min(1).max(256).optional(),
  maxBodyBytes: z.int().positive().max(2 ** 31 - 1).optional(),
  tpm: z.int().positive().optional(),
  dailyTokens: z.int().positive().optional(),
  /** ms since epoch, or an ISO 8601 date/time (a date alone means its midnight UTC). */
  expiresAt: z
    .union([z.int().positive(), z.string().max(64)])
    .transform((v, ctx) => {
      const ms = typeof v === 'number' ? v : Date.parse(v);
      if (Number.isNaN(ms)) {
        ctx.addIssue({ code: 'custom', message: `is not a date: "${String(v)}"` });
        return z.NEVER;
      }
      return ms;
    })
    .optional(),
});

export function adminRoutes(opts: AdminRoutesOptions): Hono<RequestIdEnv> {
  const { store, adminToken } = opts;
  if (!adminToken) throw new TypeError('adminRoutes: adminToken must not be empty');
  const app = new Hono<RequestIdEnv>().basePath(ADMIN_BASE);

  app.use('*', requestId());
  app.use('*', async (c, next) => {
    const token = bearerToken(c.req.header('authorization'));
    if (!token || !(await secretsEqual(token, adminToken))) {
      throw new HttpError(401, 'invalid_admin_token', 'Incorrect admin token provided.');
    }
    await next();
  });

  app.post('/tenants', async (c) => {
    const { name } = await parseBody(c.req.raw, tenantBody);
    return c.json(await store.createTenant(name), 201);
  });

  app.get('/tenants', async (c) => {
    const tenants = await store.listTenants();
    const data = await Promise.all(
      tenants.map(async (t) => ({ name: t.name, createdAt: t.createdAt, agents: (await opts.hubFor?.(t.name)?.agents()) ?? [] })),
    );
    return c.json({ data });
  });

  app.post('/tenants/:name/keys', async (c) => {
    const limits = await parseBody(c.req.raw, keyBody);
    return c.json(await store.createKey(c.req.param('name'), limits), 201);
  });

  app.get('/tenants/:name/keys', async (c) => {
    const tenant = c.req.param('name');
    return c.json({ tenant, data: await store.listKeys(tenant) });
  });

  app.post('/tenants/:name/keys/:id/rotate', async (c) => {
    return c.json(await store.rotateKey(c.req.param('name'), c.req.param('id')));
  });

  app.get('/tenants/:name/agents', async (c) => {
    const tenant = c.req.param('name');
    await requireTenant(store, tenant);
    return c.json({ tenant, data: (await opts.hubFor?.(tenant)?.agents()) ?? [] });
  });

  app.delete('/tenants/:name/keys/:id', async (c) => {
    const id = c.req.param('id');
    await store.revokeKey(c.req.param('name'), id);
    return c.json({ id, revoked: true });
  });

  // ?by=model: rows per key, day and model; otherwise per key and day.
  app.get('/tenants/:name/usage', async (c) => {
    const tenant = c.req.param('name');
    const by = c.req.query('by');
    if (by !== undefined && by !== 'model' && by !== 'key') {
      throw new HttpError(400, 'invalid_query', 'by: must be "key" or "model"', { param: 'by' });
    }
    return c.json({ tenant, data: await store.usage(tenant, by === 'model') });
  });

  app.get('/tenants/:name/streams', async (c) => {
    const tenant = c.req.param('name');
    await requireTenant(store, tenant);
    return c.json({ tenant, data: (await opts.hubFor?.(tenant)?.streams?.()) ?? [] });
  });

  // The figures the status page draws; on Workers the only way to read a tenant's metrics.
  app.get('/tenants/:name/metrics', async (c) => {
    const tenant = c.req.param('name');
    if (!(await store.listTenants()).some((t) => t.name === tenant)) {
      throw new HttpError(404, 'tenant_not_found', `No tenant "${tenant}".`);
    }
    return c.json({ tenant, data: (await opts.hubFor?.(tenant)?.metrics?.()) ?? null });
  });

  app.notFound(notFound);
  app.onError(onError(opts.log));
  return app;
}

async function requireTenant(store: AdminStore, tenant: string): Promise<void> {
  if (!(await store.listTenants()).some((t) => t.name === tenant)) {
    throw new HttpError(404, 'tenant_not_found', `No tenant "${tenant}".`);
  }
}

/** Reads and validates a JSON body; an empty body counts as `{}`. Errors name the bad field. */
async function parseBody<T extends z.ZodType>(req: Request, schema: T): Promise<z.output<T>> {
  const bytes = await readBody(req, MAX_ADMIN_BODY);
  const json = bytes.byteLength === 0 ? {} : parseJsonBody(bytes);
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const { issue, path, message: zodMessage } = firstIssue(parsed.error);
  const field = issue?.code === 'unrecognized_keys' ? issue.keys[0] : path;
  const message = issue?.code === 'unrecognized_keys' ? 'is not a known field' : zodMessage;
  throw new HttpError(400, 'invalid_body', field ? `${field}: ${message}` : `Invalid body: ${message}`, {
    param: field || undefined,
    cause: parsed.error,
  });
}
