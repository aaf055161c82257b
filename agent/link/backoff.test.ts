import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff';

describe('Backoff', () => {
  it('doubles the ceiling from the base up to the cap, drawing uniformly below it', () => {
    const backoff = new Backoff({ baseMs: 200, capMs: 5000, random: () => 1 });
    expect(Array.from({ length: 7 }, () => backoff.next())).toEqual([200, 400, 800, 1600, 3200, 5000, 5000]);
  });

  it('uses full jitter: a draw of 0 retries at once', () => {
    expect(new Backoff({ random: () => 0 }).next()).toBe(0);
  });

  it('starts from the base again after a reset', () => {
    const backoff = new Backoff({ baseMs: 200, random: () => 1 });
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.next()).toBe(200);
  });

  it('waits between half the cap and the cap after a refusal', () => {
    expect(new Backoff({ capMs: 5000, random: () => 0 }).capped()).toBe(2500);
    expect(new Backoff({ capMs: 5000, random: () => 1 }).capped()).toBe(5000);
  });
});
