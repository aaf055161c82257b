import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMemorySql, type MemorySql } from '../../../test/support/memory-sql';
import type { AgentInfo } from '../hub/index';
import { adminRoutes } from './routes-admin';
import { migrate, TenantStore } from '../store/index';

const TOKEN = 'admin-secret';

describe('admin routes', () => {
  let sql: MemorySql;
  let store: TenantStore;
  let app: ReturnType<typeof adminRoutes>;
  const agent: AgentInfo = { agentId: 'gpu-1', models: ['m'], inflight: 0, maxInflight: 8, ready: true, draining: false, connectedAt: 1 };

  const call = (method: string, path: string, body?: unknown, token = TOKEN) =>
    app.request(`/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeEach(() => {
    sql = openMemorySql();
    migrate(sql);
    store = new TenantStore(sql);
    app = adminRoutes({
      adminToken: TOKEN,
      store,
      hubFor: (t) => (t === 'acme' ? { agents: () => [agent], streams: () => [{ id: 1, bufferedBytes: 10 }] } : undefined),
      log: () => {},
    });
  });
  afterEach(() => sql.close());

  it.each([
    ['no token', undefined],
    ['a wrong token', 'nope'],
    ['a token that only shares a prefix', `${TOKEN}x`],
  ])('answers 401 in OpenAI shape for %s', async (_, token) => {
    const res = await app.request('/admin/v1/tenants', token ? { headers: { authorization: `Bearer ${token}` } } : {});
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: { message: 'Incorrect admin token provided.', type: 'authentication_error', param: null, code: 'invalid_admin_token' },
    });
  });

  it('creates a tenant with 201 and its secrets, then 409 for the same name', async () => {
    const res = await call('POST', '/tenants', { name: 'acme' });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toEqual({ tenant: 'acme', apiKey: expect.stringMatching(/^vl-acme-/), keyId: expect.stringMatching(/^key_/), agentToken: expect.stringMatching(/^vla-acme-/) });
    expect(await store.verifyKey('acme', body.apiKey)).not.toBeNull();
    const again = await call('POST', '/tenants', { name: 'acme' });
    expect(again.status).toBe(409);
    expect((await again.json()).error.code).toBe('tenant_exists');
  });

  it.each([
    ['a bad tenant name', '/tenants', { name: 'Not OK' }, 'name'],
    ['a missing name', '/tenants', {}, 'name'],
    ['an unknown field', '/tenants', { name: 'ok', extra: 1 }, 'extra'],
    ['a negative rpm', '/tenants/acme/keys', { rpm: -1 }, 'rpm'],
    ['a fractional maxConcurrent', '/tenants/acme/keys', { maxConcurrent: 1.5 }, 'maxConcurrent'],
    ['an empty models list', '/tenants/acme/keys', { models: [] }, 'models'],
    ['a non-string model', '/tenants/acme/keys', { models: [3] }, 'models.0'],
  ])('answers 400 naming the field for %s', async (_, path, body, field) => {
    await store.createTenant('acme');
    const res = await call('POST', path, body);
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error).toMatchObject({ code: 'invalid_body', param: field, type: 'invalid_request_error' });
    expect(error.message.startsWith(`${field}:`)).toBe(true);
  });

  it('answers 400 invalid_json for a body that is not JSON', async () => {
    const res = await call('POST', '/tenants', '{name');
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('invalid_json');
  });

  it('lists tenants with the agents of their hub', async () => {
    await store.createTenant('acme');
    await store.createTenant('beta');
    const res = await call('GET', '/tenants');
    expect(await res.json()).toEqual({
      data: [
        { name: 'acme', createdAt: expect.any(Number), agents: [agent] },
        { name: 'beta', createdAt: expect.any(Number), agents: [] },
      ],
    });
  });

  it('creates a key with limits and revokes it', async () => {
    await store.createTenant('acme');
    const res = await call('POST', '/tenants/acme/keys', { rpm: 60, maxConcurrent: 2, models: ['m'], maxBodyBytes: 1024 });
    expect(res.status).toBe(201);
    const { apiKey, id } = await res.json();
    expect((await store.verifyKey('acme', apiKey))?.limits).toEqual({
      rpm: 60, maxConcurrent: 2, tpm: null, dailyTokens: null, models: ['m'], maxBodyBytes: 1024, expiresAt: null,
    });
    const revoked = await call('DELETE', `/tenants/acme/keys/${id}`);
    expect(await revoked.json()).toEqual({ id, revoked: true });
    expect(await store.verifyKey('acme', apiKey)).toBeNull();
  });

  it('creates a key without a body, with no limits', async () => {
    await store.createTenant('acme');
    const res = await app.request('/admin/v1/tenants/acme/keys', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(201);
  });

  it('answers 404 for keys and usage of an unknown tenant, and for an unknown key id', async () => {
    await store.createTenant('acme');
    expect((await call('POST', '/tenants/nope/keys', {})).status).toBe(404);
    expect((await call('GET', '/tenants/nope/usage')).status).toBe(404);
    const res = await call('DELETE', '/tenants/acme/keys/key_nope');
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('key_not_found');
  });

  it('reports usage by key and day', async () => {
    const { keyId } = await store.createTenant('acme');
    store.recordUsage(keyId, { prompt_tokens: 5, completion_tokens: 6 });
    const body = await (await call('GET', '/tenants/acme/usage')).json();
    expect(body).toEqual({ tenant: 'acme', data: [{ keyId, day: expect.any(String), requests: 1, promptTokens: 5, completionTokens: 6 }] });
  });

  it('shows the open streams of a tenant whose hub reports them, and none otherwise', async () => {
    await store.createTenant('acme');
    await store.createTenant('beta');
    expect(await (await call('GET', '/tenants/acme/streams')).json()).toEqual({ tenant: 'acme', data: [{ id: 1, bufferedBytes: 10 }] });
    expect(await (await call('GET', '/tenants/beta/streams')).json()).toEqual({ tenant: 'beta', data: [] });
    expect((await call('GET', '/tenants/nope/streams')).status).toBe(404);
  });

  it('lists keys, rotates one (same id, old secret dead) and lists the agents of a tenant', async () => {
    const created = await store.createTenant('acme');
    const listed = (await (await call('GET', '/tenants/acme/keys')).json()) as { data: { id: string }[] };
    expect(listed.data.map((k) => k.id)).toEqual([created.keyId]);
    const rotated = await call('POST', `/tenants/acme/keys/${created.keyId}/rotate`);
    expect(rotated.status).toBe(200);
    const { apiKey, id } = (await rotated.json()) as { apiKey: string; id: string };
    expect(id).toBe(created.keyId);
    expect(await store.verifyKey('acme', created.apiKey)).toBeNull();
    expect(await store.verifyKey('acme', apiKey)).not.toBeNull();
    expect(await (await call('GET', '/tenants/acme/agents')).json()).toEqual({ tenant: 'acme', data: [agent] });
    expect((await call('GET', '/tenants/nope/agents')).status).toBe(404);
  });

  it('takes tpm, dailyTokens and expiresAt (ms or an ISO date) for a key, and refuses a bad date', async () => {
    await store.createTenant('acme');
    const res = await call('POST', '/tenants/acme/keys', { tpm: 100, dailyTokens: 1000, expiresAt: '2099-01-31' });
    const { apiKey } = (await res.json()) as { apiKey: string };
    expect((await store.verifyKey('acme', apiKey))?.limits).toMatchObject({ tpm: 100, dailyTokens: 1000, expiresAt: Date.parse('2099-01-31') });
    const bad = await call('POST', '/tenants/acme/keys', { expiresAt: 'someday' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.param).toBe('expiresAt');
  });

  it('reports usage by model with ?by=model and refuses another grouping', async () => {
    const { keyId } = await store.createTenant('acme');
    store.recordUsage(keyId, { prompt_tokens: 1, completion_tokens: 2 }, 'm');
    const body = (await (await call('GET', '/tenants/acme/usage?by=model')).json()) as { data: { model: string }[] };
    expect(body.data.map((r) => r.model)).toEqual(['m']);
    expect((await call('GET', '/tenants/acme/usage?by=week')).status).toBe(400);
  });

  it('answers unknown admin paths with 404 in OpenAI shape', async () => {
    const res = await call('GET', '/nope');
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('unknown_url');
  });
});
