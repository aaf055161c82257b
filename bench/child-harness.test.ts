import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { observeGc, probe } from './child-harness';

describe('child probes', () => {
  it('count garbage-collection pauses once observed', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    observeGc();
    const before = probe().gcMs;
    gc();
    // perf_hooks delivers 'gc' entries a little after the collection.
    for (let i = 0; i < 50 && probe().gcMs === before; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(probe().gcMs).toBeGreaterThan(before);
  });

  it('read how much of V8\'s young generation is resident', () => {
    const young = probe().youngResident;
    expect(Number.isInteger(young)).toBe(true);
    expect(young).toBeGreaterThan(0);
    expect(young).toBeLessThan(probe().rss);
  });
});
