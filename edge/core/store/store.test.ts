import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openMemorySql, type MemorySql } from '../../../test/support/memory-sql';
import { HttpError } from '../errors';
import { migrate, SCHEMA_VERSION } from './schema';
import { TenantStore } from './store';
import { DEFAULT_MAX_BODY_BYTES } from '../defaults';

describe('TenantStore on better-sqlite3 :memory:', () => {
  let sql: MemorySql;
  let now = Date.UTC(2025, 0, 15, 12);
  let store: TenantStore;

  beforeEach(() => {
    sql = openMemorySql();
    migrate(sql);
    now = Date.UTC(2025, 0, 15, 12);
    store = new TenantStore(sql, { now: () => now });
  });
  afterEach(() => sql.close());

  it('migrates once and records the schema version', () => {
    expect(migrate(sql)).toBe(SCHEMA_VERSION);
    expect(sql.all('SELECT MAX(version) AS version FROM schema_version')).toEqual([{ version: SCHEMA_VERSION }]);
    expect(migrate(sql)).toBe(SCHEMA_VERSION);
  });

  it('creates a tenant whose first API key and agent token verify', async () => {
    const created = await store.createTenant('acme');
    expect(created.tenant).toBe('acme');
    expect(created.keyId).toMatch(/^key_/);
    const key = await store.verifyKey('acme', created.apiKey);
    expect(key).toEqual({
      id: created.keyId,
      tenant: 'acme',
      createdAt: now,
      limits: { rpm: null, maxConcurrent: null, tpm: null, dailyTokens: null, models: null, maxBodyBytes: DEFAULT_MAX_BODY_BYTES, expiresAt: null },
    });
    expect(await store.verifyAgentToken('acme', created.agentToken)).toBe(true);
    expect(store.listTenants()).toEqual([{ name: 'acme', createdAt: now }]);
  });

  it('stores only hashes of secrets', async () => {
    const created = await store.createTenant('acme');
    const dump = JSON.stringify([sql.all('SELECT * FROM api_keys'), sql.all('SELECT * FROM agent_tokens')]);
    expect(dump).not.toContain(created.apiKey.slice(-32));
    expect(dump).not.toContain(created.agentToken.slice(-32));
  });

  it('answers 409 for a tenant that exists and 400 for a bad name', async () => {
    await store.createTenant('acme');
    await expect(store.createTenant('acme')).rejects.toMatchObject({ status: 409, code: 'tenant_exists' });
    await expect(store.createTenant('Bad_Name')).rejects.toMatchObject({ status: 400, param: 'name' });
  });

  it('does not verify a key against another tenant, nor an agent token as a key', async () => {
    const a = await store.createTenant('a');
    await store.createTenant('b');
    expect(await store.verifyKey('b', a.apiKey)).toBeNull();
    expect(await store.verifyKey('a', a.agentToken)).toBeNull();
    expect(await store.verifyAgentToken('a', a.apiKey)).toBe(false);
  });

  it('creates keys with limits and revokes them at once', async () => {
    await store.createTenant('acme');
    const { apiKey, id } = await store.createKey('acme', { rpm: 10, maxConcurrent: 2, models: ['m1'], maxBodyBytes: 1000 });
    expect((await store.verifyKey('acme', apiKey))?.limits).toEqual({
      rpm: 10, maxConcurrent: 2, tpm: null, dailyTokens: null, models: ['m1'], maxBodyBytes: 1000, expiresAt: null,
    });
    store.revokeKey('acme', id);
    expect(await store.verifyKey('acme', apiKey)).toBeNull();
    store.revokeKey('acme', id);
  });

  it('treats a key past its expiresAt as unknown, even once remembered', async () => {
    await store.createTenant('acme');
    const { apiKey } = await store.createKey('acme', { tpm: 100, dailyTokens: 1000, expiresAt: now + 1000 });
    expect((await store.verifyKey('acme', apiKey))?.limits).toMatchObject({ tpm: 100, dailyTokens: 1000, expiresAt: now + 1000 });
    now += 1000;
    expect(await store.verifyKey('acme', apiKey)).toBeNull();
  });

  it('rotates a key: a new secret for the same id and limits, and the old secret fails at once', async () => {
    await store.createTenant('acme');
    const { apiKey, id } = await store.createKey('acme', { rpm: 7 });
    expect(await store.verifyKey('acme', apiKey)).not.toBeNull();
    const rotated = await store.rotateKey('acme', id);
    expect(rotated.id).toBe(id);
    expect(rotated.apiKey).not.toBe(apiKey);
    expect(await store.verifyKey('acme', apiKey)).toBeNull();
    expect((await store.verifyKey('acme', rotated.apiKey))?.limits.rpm).toBe(7);
    store.revokeKey('acme', id);
    await expect(store.rotateKey('acme', id)).rejects.toMatchObject({ status: 409 });
    await expect(store.rotateKey('acme', 'key_nope')).rejects.toMatchObject({ status: 404 });
  });

  it('lists keys with their limits and revocation, never a secret', async () => {
    const created = await store.createTenant('acme');
    const { id } = await store.createKey('acme', { maxConcurrent: 3 });
    store.revokeKey('acme', created.keyId);
    const keys = store.listKeys('acme');
    expect(keys.map((k) => [k.id, k.revokedAt, k.limits.maxConcurrent])).toEqual([[created.keyId, now, null], [id, null, 3]]);
    expect(JSON.stringify(keys)).not.toContain('hash');
  });

  it('counts usage by model beside usage by key and day', async () => {
    const { keyId } = await store.createTenant('acme');
    store.recordUsage(keyId, { prompt_tokens: 1, completion_tokens: 2 }, 'm1');
    store.recordUsage(keyId, { prompt_tokens: 3, completion_tokens: 4 }, 'm2');
    store.recordUsage(keyId, { prompt_tokens: 5, completion_tokens: 6 }, 'm1');
    expect(store.usage('acme', true).map((r) => [r.model, r.requests, r.promptTokens, r.completionTokens])).toEqual([
      ['m1', 2, 6, 8],
      ['m2', 1, 3, 4],
    ]);
    expect(store.usage('acme')[0]).toMatchObject({ requests: 3, promptTokens: 9, completionTokens: 12 });
    expect(store.tokensToday(keyId)).toBe(21);
  });

  it('reads a live key from storage once, and a revocation still takes effect at once', async () => {
    const { apiKey, keyId } = await store.createTenant('acme');
    const other = await store.createKey('acme');
    const all = vi.spyOn(sql, 'all');
    const lookups = () => all.mock.calls.filter(([query]) => query.includes('FROM api_keys WHERE hash')).length;
    const first = await store.verifyKey('acme', apiKey);
    expect(await store.verifyKey('acme', apiKey)).toBe(first);
    expect(lookups()).toBe(1);
    // Wrong keys are looked up every time: they are never remembered.
    expect(await store.verifyKey('acme', 'vk-acme-wrong')).toBeNull();
    expect(await store.verifyKey('acme', 'vk-acme-wrong')).toBeNull();
    expect(lookups()).toBe(3);
    expect(Object.isFrozen(first) && Object.isFrozen(first!.limits)).toBe(true);

    await store.verifyKey('acme', other.apiKey);
    store.revokeKey('acme', keyId);
    expect(await store.verifyKey('acme', apiKey)).toBeNull();
    expect((await store.verifyKey('acme', other.apiKey))?.id).toBe(other.id);
  });

  it('answers 404 for keys of unknown tenants and unknown key ids', async () => {
    await store.createTenant('acme');
    await expect(store.createKey('nope')).rejects.toBeInstanceOf(HttpError);
    expect(() => store.revokeKey('acme', 'key_missing')).toThrow(expect.objectContaining({ status: 404 }));
    const other = await store.createTenant('other');
    expect(() => store.revokeKey('acme', other.keyId)).toThrow(expect.objectContaining({ status: 404 }));
  });

  it('adds usage per key and UTC day', async () => {
    const { keyId } = await store.createTenant('acme');
    store.recordUsage(keyId, { prompt_tokens: 10, completion_tokens: 5 });
    store.recordUsage(keyId, { prompt_tokens: 1, completion_tokens: 2 });
    now += 24 * 3600_000;
    store.recordUsage(keyId, { prompt_tokens: 7, completion_tokens: 0 });
    expect(store.usage('acme')).toEqual([
      { keyId, day: '2025-01-15', requests: 2, promptTokens: 11, completionTokens: 7 },
      { keyId, day: '2025-01-16', requests: 1, promptTokens: 7, completionTokens: 0 },
    ]);
    expect(() => store.usage('nope')).toThrow(expect.objectContaining({ status: 404 }));
  });

  it('counts each request on its own UTC day, at the stroke of midnight and when the clock is set back', async () => {
    const { keyId } = await store.createTenant('acme');
    now = Date.UTC(2025, 0, 15, 23, 59, 59, 999);
    store.recordUsage(keyId, { prompt_tokens: 1, completion_tokens: 0 });
    now += 1;
    store.recordUsage(keyId, { prompt_tokens: 2, completion_tokens: 0 });
    now -= 2;
    store.recordUsage(keyId, { prompt_tokens: 4, completion_tokens: 0 });
    expect(store.usage('acme').map((u) => [u.day, u.promptTokens])).toEqual([['2025-01-15', 5], ['2025-01-16', 2]]);
  });

  describe('with usage batched (usageFlushMs)', () => {
    const rows = () => sql.all('SELECT key_id, day, requests, prompt_tokens, completion_tokens FROM usage ORDER BY day');

    it('sums in memory and writes one row per key and day when the timer fires', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      try {
        const batched = new TenantStore(sql, { now: () => now, usageFlushMs: 1000 });
        const { keyId } = await batched.createTenant('acme');
        for (let i = 0; i < 100; i++) batched.recordUsage(keyId, { prompt_tokens: 3, completion_tokens: 2 });
        now += 24 * 3600_000;
        batched.recordUsage(keyId, { prompt_tokens: 1, completion_tokens: 1 });
        expect(rows()).toEqual([]);
        vi.advanceTimersByTime(1000);
        expect(rows()).toEqual([
          { key_id: keyId, day: '2025-01-15', requests: 100, prompt_tokens: 300, completion_tokens: 200 },
          { key_id: keyId, day: '2025-01-16', requests: 1, prompt_tokens: 1, completion_tokens: 1 },
        ]);
        batched.recordUsage(keyId, { prompt_tokens: 1, completion_tokens: 1 });
        vi.advanceTimersByTime(1000);
        expect(rows()[1]).toMatchObject({ requests: 2, prompt_tokens: 2, completion_tokens: 2 });
      } finally {
        vi.useRealTimers();
      }
    });

    it('writes what is pending before answering usage() and on flushUsage()', async () => {
      const batched = new TenantStore(sql, { now: () => now, usageFlushMs: 60_000 });
      const { keyId } = await batched.createTenant('acme');
      batched.recordUsage(keyId, { prompt_tokens: 4, completion_tokens: 6 });
      expect(batched.usage('acme')).toEqual([{ keyId, day: '2025-01-15', requests: 1, promptTokens: 4, completionTokens: 6 }]);
      batched.recordUsage(keyId, { prompt_tokens: 1, completion_tokens: 0 });
      batched.flushUsage();
      expect(rows()).toEqual([{ key_id: keyId, day: '2025-01-15', requests: 2, prompt_tokens: 5, completion_tokens: 6 }]);
      batched.flushUsage(); // nothing pending: no change
      expect(rows()[0]).toMatchObject({ requests: 2 });
    });

    it('keeps the counts when a write fails and writes them on the next flush', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      try {
        const lines: string[] = [];
        const batched = new TenantStore(sql, { now: () => now, usageFlushMs: 1000, log: (l) => lines.push(l) });
        const { keyId } = await batched.createTenant('acme');
        batched.recordUsage(keyId, { prompt_tokens: 4, completion_tokens: 6 });
        sql.run('ALTER TABLE usage RENAME TO usage_away');
        vi.advanceTimersByTime(1000);
        expect(lines.join('\n')).toMatch(/writing usage failed/);
        sql.run('ALTER TABLE usage_away RENAME TO usage');
        vi.advanceTimersByTime(1000);
        expect(rows()).toEqual([{ key_id: keyId, day: '2025-01-15', requests: 1, prompt_tokens: 4, completion_tokens: 6 }]);
      } finally {
        vi.useRealTimers();
      }
    });
  });
});
