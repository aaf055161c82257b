import { beforeEach, describe, expect, it } from 'vitest';
import { openMemorySql, type MemorySql } from '../../../test/support/memory-sql';
import { HttpError } from '../errors';
import { KeyLimiter, type LimitedKey } from './limits';
import { formatReset } from '../http/index';
import { migrate } from './schema';
import { TenantStore } from './store';

const key = (limits: Partial<LimitedKey['limits']>, id = 'key_1'): LimitedKey => ({
  id,
  limits: { rpm: null, tpm: null, dailyTokens: null, ...limits },
});

function rejection(fn: () => unknown): HttpError {
  try {
    fn();
  } catch (err) {
    if (err instanceof HttpError) return err;
    throw err;
  }
  throw new Error('expected a 429');
}

describe('KeyLimiter', () => {
  let sql: MemorySql;
  let now: number;
  let store: TenantStore;
  let limiter: KeyLimiter;
  beforeEach(() => {
    sql = openMemorySql();
    migrate(sql);
    now = Date.UTC(2025, 0, 15, 12);
    store = new TenantStore(sql, { now: () => now });
    limiter = new KeyLimiter(store);
  });

  it('admits anything and sends no rate headers when the key has no limits', () => {
    for (let i = 0; i < 1000; i++) expect(limiter.admit(key({}))).toEqual({});
  });

  it('refuses the request past rpm with 429 rate_limit_exceeded, Retry-After and x-ratelimit headers', () => {
    for (let i = 0; i < 3; i++) limiter.admit(key({ rpm: 3 }));
    const err = rejection(() => limiter.admit(key({ rpm: 3 })));
    expect(err.status).toBe(429);
    expect(err.code).toBe('rate_limit_exceeded');
    expect(err.type).toBe('rate_limit_error');
    expect(Number(err.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(err.headers['x-ratelimit-limit-requests']).toBe('3');
    expect(err.headers['x-ratelimit-remaining-requests']).toBe('0');
    expect(err.headers['x-ratelimit-reset-requests']).toMatch(/^\d+m?\d*s$/);
    now += 30_000;
    expect(() => limiter.admit(key({ rpm: 3 }))).toThrow(HttpError);
  });

  it('counts down remaining requests on each admitted request', () => {
    expect(limiter.admit(key({ rpm: 5 })).requests).toMatchObject({ limit: 5, remaining: 4 });
    expect(limiter.admit(key({ rpm: 5 })).requests).toMatchObject({ limit: 5, remaining: 3 });
  });

  it('lets requests through again once the previous minute has slid out', () => {
    now = 60_000 * 100;
    for (let i = 0; i < 4; i++) limiter.admit(key({ rpm: 4 }));
    now += 60_000; // next window: the previous 4 still weigh 4 × (1 − 0) = 4
    const err = rejection(() => limiter.admit(key({ rpm: 4 })));
    // One more fits once they weigh 3: 4 × (1 − 15/60) = 3.
    expect(Number(err.headers['retry-after'])).toBe(15);
    now += 15_000;
    limiter.admit(key({ rpm: 4 }));
  });

  it('does not let 2 × rpm through around a window boundary', () => {
    now = 60_000 * 100 + 59_000;
    for (let i = 0; i < 10; i++) limiter.admit(key({ rpm: 10 }));
    now += 2_000;
    let admitted = 0;
    for (let i = 0; i < 10; i++) {
      try {
        limiter.admit(key({ rpm: 10 }));
        admitted++;
      } catch {
        // refused
      }
    }
    expect(admitted).toBeLessThanOrEqual(1);
  });

  it('refuses with tokens_limit_exceeded once the tokens of the last minute reach tpm, and admits again after', () => {
    now = 60_000 * 100;
    expect(limiter.admit(key({ tpm: 100 })).tokens).toMatchObject({ limit: 100, remaining: 100 });
    store.recordUsage('key_1', { prompt_tokens: 60, completion_tokens: 50 }); // overshoots: it started under the limit
    const err = rejection(() => limiter.admit(key({ tpm: 100 })));
    expect(err.code).toBe('tokens_limit_exceeded');
    expect(err.headers['x-ratelimit-limit-tokens']).toBe('100');
    expect(err.headers['x-ratelimit-remaining-tokens']).toBe('0');
    const retry = Number(err.headers['retry-after']);
    expect(retry).toBeGreaterThan(0);
    now += retry * 1000;
    expect(limiter.admit(key({ tpm: 100 })).tokens!.remaining).toBeGreaterThan(0);
  });

  it('refuses with daily_budget_exceeded until the next UTC day', () => {
    store.recordUsage('key_1', { prompt_tokens: 500, completion_tokens: 500 });
    const err = rejection(() => limiter.admit(key({ dailyTokens: 1000 })));
    expect(err.code).toBe('daily_budget_exceeded');
    expect(Number(err.headers['retry-after'])).toBe(12 * 3600); // noon → midnight
    now += 12 * 3600_000;
    expect(limiter.admit(key({ dailyTokens: 1000 })).tokens).toMatchObject({ limit: 1000, remaining: 1000 });
  });

  it('keeps its counts in SQLite: a new store on the same database refuses as the old one did', () => {
    for (let i = 0; i < 2; i++) limiter.admit(key({ rpm: 2 }));
    store.recordUsage('key_1', { prompt_tokens: 10, completion_tokens: 90 });
    const reopened = new KeyLimiter(new TenantStore(sql, { now: () => now }));
    expect(rejection(() => reopened.admit(key({ rpm: 2 }))).code).toBe('rate_limit_exceeded');
    expect(rejection(() => reopened.admit(key({ tpm: 100 }))).code).toBe('tokens_limit_exceeded');
    expect(rejection(() => reopened.admit(key({ dailyTokens: 100 }))).code).toBe('daily_budget_exceeded');
  });

  it('keeps its counts when the store batches writes, once flushed (as the Node edge does on close)', () => {
    const batched = new TenantStore(sql, { now: () => now, usageFlushMs: 60_000 });
    const batchedLimiter = new KeyLimiter(batched);
    batchedLimiter.admit(key({ rpm: 1 }));
    batched.recordUsage('key_1', { prompt_tokens: 100, completion_tokens: 0 });
    expect(rejection(() => batchedLimiter.admit(key({ tpm: 100 }))).code).toBe('tokens_limit_exceeded');
    batched.flushUsage();
    const reopened = new KeyLimiter(new TenantStore(sql, { now: () => now }));
    expect(rejection(() => reopened.admit(key({ rpm: 1 }))).code).toBe('rate_limit_exceeded');
    expect(rejection(() => reopened.admit(key({ tpm: 100 }))).code).toBe('tokens_limit_exceeded');
  });

  it('keeps separate counts per key', () => {
    limiter.admit(key({ rpm: 1 }, 'a'));
    limiter.admit(key({ rpm: 1 }, 'b'));
    expect(() => limiter.admit(key({ rpm: 1 }, 'a'))).toThrow(HttpError);
  });
});

describe('formatReset', () => {
  it.each([
    [0, '0s'],
    [20, '20ms'],
    [1000, '1s'],
    [1001, '2s'],
    [360_000, '6m0s'],
    [3_723_000, '1h2m3s'],
  ])('formats %i ms as %s', (ms, text) => expect(formatReset(ms)).toBe(text));
});
