import { describe, expect, it } from 'vitest';
import { RestartPolicy } from './restarts';

describe('RestartPolicy', () => {
  it('doubles the delay from 1 s with each recent exit, up to 30 s', () => {
    const policy = new RestartPolicy({ maxExits: 100 });
    const delays = Array.from({ length: 7 }, (_, i) => policy.exited(i * 1000, true));
    expect(delays.map((d) => (d.giveUp ? 'gave up' : d.delayMs))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });

  it('gives up on the fifth exit within the window', () => {
    const policy = new RestartPolicy();
    const decisions = [0, 60_000, 120_000, 180_000, 240_000].map((t) => policy.exited(t, true));
    expect(decisions.slice(0, 4).every((d) => !d.giveUp)).toBe(true);
    expect(decisions[4]).toEqual({ giveUp: true, reason: 'vLLM exited 5 times within 600 s' });
  });

  it('forgets exits older than the window and starts again from 1 s', () => {
    const policy = new RestartPolicy();
    for (const t of [0, 1000, 2000, 3000]) policy.exited(t, true);
    expect(policy.exited(3000 + 10 * 60_000, true)).toEqual({ giveUp: false, delayMs: 1000 });
  });

  it('gives up after five runs in a row that never became ready, however slow they were', () => {
    const policy = new RestartPolicy();
    const hour = 3_600_000;
    const decisions = [1, 2, 3, 4, 5].map((i) => policy.exited(i * hour, false));
    expect(decisions.slice(0, 4)).toEqual([1000, 2000, 4000, 8000].map((delayMs) => ({ giveUp: false, delayMs })));
    expect(decisions[4]).toEqual({ giveUp: true, reason: 'vLLM exited 5 times in a row without becoming ready' });
  });

  it('resets the unready streak once a run becomes ready', () => {
    const policy = new RestartPolicy({ windowMs: 1 });
    for (const t of [10, 20, 30, 40]) policy.exited(t, false);
    expect(policy.exited(50, true)).toEqual({ giveUp: false, delayMs: 1000 });
    expect(policy.exited(60, false)).toEqual({ giveUp: false, delayMs: 1000 });
  });
});
