import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wakeCost } from './machine';

describe('wakeCost', () => {
  it('pings a real echo child back to back and every 4 ms, and reads its CPU from the child', async () => {
    const w = await wakeCost(mkdtempSync(join(tmpdir(), 'wake-test-')), undefined, 20);
    for (const v of [w.hotRttUs, w.coldRttUs, w.hotCpuUs, w.coldCpuUs]) {
      expect(Number.isInteger(v)).toBe(true);
      expect(v).toBeGreaterThan(0);
    }
  }, 30_000);
});
