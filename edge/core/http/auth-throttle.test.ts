import { describe, expect, it } from 'vitest';
import { AuthThrottle } from './auth-throttle';
import { HttpError } from '../errors';

function refusal(fn: () => void): HttpError | undefined {
  try {
    fn();
  } catch (err) {
    return err as HttpError;
  }
  return undefined;
}

describe('AuthThrottle', () => {
  it('answers 429 with Retry-After once a source has failed a burst, and only that source', () => {
    let now = 0;
    const throttle = new AuthThrottle({ burst: 3, perMinute: 6, now: () => now });
    for (let i = 0; i < 3; i++) {
      expect(refusal(() => throttle.check('203.0.113.1'))).toBeUndefined();
      throttle.failed('203.0.113.1');
    }
    const err = refusal(() => throttle.check('203.0.113.1'));
    expect([err?.status, err?.type, err?.code, err?.headers['retry-after']]).toEqual([429, 'rate_limit_error', 'too_many_failed_authentications', '10']);
    expect(refusal(() => throttle.check('203.0.113.2'))).toBeUndefined();
    now += 10_000; // one failure's worth refilled (6 per minute)
    expect(refusal(() => throttle.check('203.0.113.1'))).toBeUndefined();
  });

  it('forgets a source once its bucket is full again, and never holds more than maxSources', () => {
    let now = 0;
    const throttle = new AuthThrottle({ burst: 2, perMinute: 60, maxSources: 2, now: () => now });
    for (const ip of ['a', 'b', 'c']) {
      throttle.failed(ip);
      throttle.failed(ip);
    }
    expect(refusal(() => throttle.check('a'))).toBeUndefined(); // evicted: the oldest of three
    expect(refusal(() => throttle.check('c'))?.status).toBe(429);
    now += 60_000;
    expect(refusal(() => throttle.check('c'))).toBeUndefined();
  });
});
