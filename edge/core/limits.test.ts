import { describe, expect, it } from 'vitest';
import { HttpError } from './errors';
import { KeyLimiter } from './limits';

const key = (rpm: number | null, maxConcurrent: number | null = null) => ({ id: 'key_1', limits: { rpm, maxConcurrent } });

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
  it('admits anything when the key has no limits', () => {
    const limiter = new KeyLimiter();
    for (let i = 0; i < 1000; i++) limiter.admit(key(null));
    expect(limiter.inflight('key_1')).toBe(1000);
  });

  it('refuses the request past rpm with 429 rate_limit_exceeded and a Retry-After', () => {
    let now = 60_000 * 100;
    const limiter = new KeyLimiter({ now: () => now });
    for (let i = 0; i < 3; i++) limiter.admit(key(3))();
    const err = rejection(() => limiter.admit(key(3)));
    expect(err.status).toBe(429);
    expect(err.code).toBe('rate_limit_exceeded');
    expect(err.type).toBe('rate_limit_error');
    expect(Number(err.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    now += 30_000;
    expect(() => limiter.admit(key(3))).toThrow(HttpError);
  });

  it('lets requests through again once the previous minute has slid out', () => {
    let now = 60_000 * 100;
    const limiter = new KeyLimiter({ now: () => now });
    for (let i = 0; i < 4; i++) limiter.admit(key(4))();
    now += 60_000; // next window: the previous 4 still weigh 4 × (1 − 0) = 4
    const err = rejection(() => limiter.admit(key(4)));
    // One more fits once they weigh 3: 4 × (1 − 15/60) = 3.
    expect(Number(err.headers['retry-after'])).toBe(15);
    now += 15_000;
    limiter.admit(key(4))();
  });

  it('does not let 2 × rpm through around a window boundary', () => {
    let now = 60_000 * 100 + 59_000;
    const limiter = new KeyLimiter({ now: () => now });
    for (let i = 0; i < 10; i++) limiter.admit(key(10))();
    now += 2_000; // 1 s into the next fixed window
    let admitted = 0;
    for (let i = 0; i < 10; i++) {
      try {
        limiter.admit(key(10))();
        admitted++;
      } catch {
        // refused
      }
    }
    expect(admitted).toBeLessThanOrEqual(1);
  });

  it('refuses a stream past maxConcurrent with concurrency_limit_exceeded until one is released', () => {
    const limiter = new KeyLimiter();
    const first = limiter.admit(key(null, 2));
    limiter.admit(key(null, 2));
    const err = rejection(() => limiter.admit(key(null, 2)));
    expect(err.code).toBe('concurrency_limit_exceeded');
    expect(err.headers['retry-after']).toBe('1');
    first();
    first(); // releasing twice frees one slot only
    limiter.admit(key(null, 2));
    expect(() => limiter.admit(key(null, 2))).toThrow(HttpError);
  });

  it('does not count a request refused for concurrency against the rpm', () => {
    const limiter = new KeyLimiter({ now: () => 60_000 * 100 });
    const release = limiter.admit(key(2, 1));
    expect(() => limiter.admit(key(2, 1))).toThrow(/concurrent/);
    release();
    limiter.admit(key(2, 1));
  });

  it('keeps separate counts per key', () => {
    const limiter = new KeyLimiter({ now: () => 60_000 * 100 });
    limiter.admit({ id: 'a', limits: { rpm: 1, maxConcurrent: null } });
    limiter.admit({ id: 'b', limits: { rpm: 1, maxConcurrent: null } });
    expect(() => limiter.admit({ id: 'a', limits: { rpm: 1, maxConcurrent: null } })).toThrow(HttpError);
  });
});
