import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openMemorySql, type MemorySql } from '../../../test/support/memory-sql';
import { edgeApp } from './app';
import { AuthThrottle } from './auth-throttle';
import { Hub } from '../hub/index';
import { openaiRoutes } from './routes-openai';
import { migrate, TenantStore } from '../store/index';

const secret = (i: number) => String(i).padStart(32, 'x');

describe('the edge app in front of the tenants', () => {
  let sql: MemorySql;
  let hub: Hub;
  let app: ReturnType<typeof edgeApp>;
  let source = '192.0.2.1';

  beforeEach(async () => {
    sql = openMemorySql();
    migrate(sql);
    const store = new TenantStore(sql);
    await store.createTenant('acme');
    hub = new Hub({ tenant: 'acme', queueTimeoutMs: 100, startupGraceMs: 0, schedule: setImmediate, log: () => {} });
    const acme = openaiRoutes({ tenant: 'acme', store, hub, log: () => {} });
    app = edgeApp({
      admin: { fetch: () => new Response(null, { status: 401 }) },
      tenantApp: (t) => (t === 'acme' ? acme : undefined),
      clientAddress: () => source,
      throttle: new AuthThrottle({ burst: 5, perMinute: 5 }),
      log: () => {},
    });
  });

  afterEach(() => {
    hub.close();
    sql.close();
    vi.restoreAllMocks();
  });

  const ask = (key: string) => app.request('/v1/models', { headers: { authorization: `Bearer ${key}` } });

  it("hashes a wrong key the same way whether its tenant exists or not, so timing does not tell tenants apart", async () => {
    const digest = vi.spyOn(crypto.subtle, 'digest');
    const known = await ask(`vl-acme-${secret(1)}`);
    const knownHashes = digest.mock.calls.length;
    const unknown = await ask(`vl-nosuch-${secret(2)}`);
    const unknownHashes = digest.mock.calls.length - knownHashes;
    expect([known.status, unknown.status]).toEqual([401, 401]);
    expect(await unknown.json()).toEqual(await known.json());
    expect(knownHashes).toBe(1);
    expect(unknownHashes).toBe(1);
  });

  it('answers 429 with Retry-After in OpenAI shape after a burst of failed keys from one source, and not to another source', async () => {
    for (let i = 0; i < 5; i++) expect((await ask(`vl-t${i % 2 ? 'acme' : 'other'}-${secret(10 + i)}`)).status).toBe(401);
    const res = await ask(`vl-acme-${secret(99)}`);
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await res.json()).error).toMatchObject({ type: 'rate_limit_error', code: 'too_many_failed_authentications' });
    source = '192.0.2.2';
    expect((await ask(`vl-acme-${secret(100)}`)).status).toBe(401);
  });

  it('counts failed admin tokens too', async () => {
    for (let i = 0; i < 5; i++) expect((await app.request('/admin/v1/tenants')).status).toBe(401);
    expect((await app.request('/admin/v1/tenants')).status).toBe(429);
  });
});
