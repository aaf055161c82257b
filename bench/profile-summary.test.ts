import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { topFunctions } from './profile-summary';

const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0, columnNumber: 0 });

// root → outer (project) → inner (project) → writev (native); samples: inner ×2, writev ×3, idle ×5.
const profile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 5] },
    { id: 2, callFrame: frame('outer', 'file:///repo/edge/a.ts'), children: [3] },
    { id: 3, callFrame: frame('inner', 'file:///repo/edge/b.ts'), children: [4] },
    { id: 4, callFrame: frame('writev') },
    { id: 5, callFrame: frame('(idle)') },
  ],
  samples: [3, 3, 4, 4, 4, 5, 5, 5, 5, 5],
  timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
  startTime: 0,
  endTime: 10_000,
};

describe('topFunctions', () => {
  const top = topFunctions(profile, 10, '/repo');

  it('ranks self time and leaves idle out of the total', () => {
    expect(top.totalMs).toBe(5);
    expect(top.functions.map((f) => [f.name, f.selfMs])).toEqual([['writev', 3], ['inner', 2]]);
    expect(top.functions[0].share).toBeCloseTo(0.6);
  });

  it('charges callees to the project functions above them', () => {
    const rows = top.inclusive.map((f) => [f.name, f.totalMs, f.where]);
    expect(rows).toHaveLength(2);
    expect(rows).toEqual(expect.arrayContaining([['outer', 5, 'edge/a.ts:1:1'], ['inner', 5, 'edge/b.ts:1:1']]));
  });
});

describe('topFunctions on bundled code', () => {
  it('names the TypeScript source through the bundle\'s map', () => {
    const root = mkdtempSync(join(tmpdir(), 'prof-map-'));
    mkdirSync(join(root, 'dist'));
    // One mapping: generated line 1 column 1 ← src/relay.ts line 5 column 1 ("AAIA").
    writeFileSync(join(root, 'dist', 'child.mjs.map'), JSON.stringify({ version: 3, sources: ['../src/relay.ts'], names: [], mappings: 'AAIA' }));
    const bundled = {
      ...profile,
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2] },
        { id: 2, callFrame: frame('relay', `file://${root}/dist/child.mjs`) },
      ],
      samples: [2, 2],
      timeDeltas: [1000, 1000],
    };
    const top = topFunctions(bundled, 10, root);
    expect(top.functions.map((f) => [f.name, f.where])).toEqual([['relay', 'src/relay.ts:5:1']]);
    expect(top.inclusive.map((f) => f.where)).toEqual(['src/relay.ts:5:1']);
  });
});
