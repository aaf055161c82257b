import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeadlineQueue, type DeadlineTarget } from './deadlines';

const target = (log: string[], name: string, then?: () => void): DeadlineTarget => ({
  onDeadline() {
    log.push(`${name}@${Date.now()}`);
    then?.();
  },
});

describe('DeadlineQueue', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('calls each target its own ms after it was added, on one timer', () => {
    const q = new DeadlineQueue(100);
    const log: string[] = [];
    q.add(target(log, 'a'));
    vi.advanceTimersByTime(30);
    q.add(target(log, 'b'));
    vi.advanceTimersByTime(40);
    q.add(target(log, 'c'));
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(200);
    expect(log).toEqual(['a@100', 'b@130', 'c@170']);
    expect(q.pending).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('skips cancelled deadlines and drops its timer when none is left', () => {
    const q = new DeadlineQueue(100);
    const log: string[] = [];
    const a = q.add(target(log, 'a'));
    vi.advanceTimersByTime(10);
    const b = q.add(target(log, 'b'));
    q.add(target(log, 'c'));
    expect(q.cancel(a)).toBeUndefined();
    q.cancel(b);
    q.cancel(b); // twice is fine
    vi.advanceTimersByTime(150);
    expect(log).toEqual(['c@110']);
    q.cancel(a); // spent or cancelled: nothing happens
    const d = q.add(target(log, 'd'));
    q.cancel(d);
    expect(q.pending).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('lets a target add a deadline as it runs (a keep-alive that beats again), and keeps earlier ones on time', () => {
    const q = new DeadlineQueue(50);
    const log: string[] = [];
    let beats = 0;
    const beat: DeadlineTarget = {
      onDeadline() {
        log.push(`beat@${Date.now()}`);
        if (++beats < 3) q.add(beat);
      },
    };
    q.add(beat);
    vi.advanceTimersByTime(20);
    q.add(target(log, 'x'));
    vi.advanceTimersByTime(200);
    expect(log).toEqual(['beat@50', 'x@70', 'beat@100', 'beat@150']);
  });

  it('survives a target that cancels the others, or throws', () => {
    const q = new DeadlineQueue(10);
    const log: string[] = [];
    const later = target(log, 'later');
    let laterEntry = q.add(target(log, 'first', () => q.cancel(laterEntry)));
    laterEntry = q.add(later);
    vi.advanceTimersByTime(20);
    expect(log).toEqual(['first@10']);
    expect(q.pending).toBe(0);

    q.add(target(log, 'thrower', () => {
      throw new Error('boom');
    }));
    q.add(target(log, 'after'));
    expect(() => vi.advanceTimersByTime(10)).toThrow('boom');
    vi.advanceTimersByTime(10);
    expect(log.slice(1)).toEqual(['thrower@30', 'after@31']);
    expect(q.pending).toBe(0);
  });

  it('holds no more than a bounded number of cancelled entries behind one that waits its whole deadline', () => {
    const q = new DeadlineQueue(300_000);
    const log: string[] = [];
    q.add(target(log, 'waits'));
    for (let i = 0; i < 100_000; i++) q.cancel(q.add(target(log, `r${i}`)));
    expect(q.pending).toBe(1);
    expect(q.held).toBeLessThan(2_100);
    vi.advanceTimersByTime(300_000);
    expect(log).toEqual(['waits@300000']);
  });
});
