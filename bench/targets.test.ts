import { describe, expect, it } from 'vitest';
import { evaluateTargets, printTargets, type Results } from './targets';

const batchRow = (concurrency: number, target: string, ratioToDirect: number, error?: string) =>
  ({ concurrency, target, ratioToDirect, error }) as NonNullable<Results['batch']>['rows'][number];

describe('evaluateTargets', () => {
  it('says not measured for every target whose workload did not run', () => {
    const out = evaluateTargets({}, ['node']);
    expect(out.every((t) => t.status === 'not measured')).toBe(true);
  });

  it('judges the batch ratio by its worst concurrency', () => {
    const batch = { levels: [5, 50], reps: 1, tokens: 50, rows: [batchRow(5, 'direct', 1), batchRow(5, 'node', 1.02), batchRow(50, 'node', 1.2)] };
    const t = evaluateTargets({ batch }, ['node']).find((x) => x.id === 'batch-ratio-node')!;
    expect(t).toMatchObject({ status: 'missed', value: 1.2 });
    expect(t.figure).toContain('at 50');
  });

  it('counts failed requests as a miss even when every finished level was within the limit', () => {
    const batch = { levels: [5, 1000], reps: 1, tokens: 50, rows: [batchRow(5, 'workers', 1.01), batchRow(1000, 'workers', Number.NaN, '3/1000 requests failed')] };
    const t = evaluateTargets({ batch }, ['workers']).find((x) => x.id === 'batch-ratio-workers')!;
    expect(t.status).toBe('missed');
    expect(t.detail).toContain('3/1000 requests failed');
  });

  it('does not count a negative added p99 (an outlier in the direct run) as met', () => {
    const row = (target: string, p50: number, p99: number, addedE2eP99Ms: number) =>
      ({ target, e2e: { p50, p99 }, addedE2eP50Ms: 2, addedE2eP99Ms, addedTtftP50Ms: 2 }) as unknown as NonNullable<Results['sequential']>['rows'][number];
    const sequential = { requests: 50, tokens: 10, rows: [row('direct', 45, 90, 0), row('node', 47, 50, -40)] };
    const t = evaluateTargets({ sequential }, ['node']).find((x) => x.id === 'sequential-p99-node')!;
    expect(t.status).toBe('not measured');
    expect(t.detail).toContain('outlier in the direct run');
    const fine = { requests: 50, tokens: 10, rows: [row('direct', 45, 50, 0), row('node', 47, 53, 3)] };
    expect(evaluateTargets({ sequential: fine }, ['node']).find((x) => x.id === 'sequential-p99-node')).toMatchObject({ status: 'met', value: 3 });
  });

  it('sums edge and agent memory per stream against 20 KB', () => {
    const row = (process: string, perStream: number) => ({ process, perStream, rssPerStream: 0, marginalRssPerStream: 0, youngPerStream: 0, heapPerStream: 0 });
    const memory = { streams: 10, warmed: true, opened: 10, leftRunningAfterRelease: 0, errors: [], rows: [row('edge', 12_000), row('agent', 7_000), row('nginx', 50_000)] };
    const t = evaluateTargets({ memory } as unknown as Results, []).find((x) => x.id === 'memory-per-stream')!;
    expect(t).toMatchObject({ status: 'met', value: 19_000 });
  });

  it('prints the pipes reference beside the bridge\'s figure, without judging it', () => {
    const batch = { levels: [5, 50], reps: 1, tokens: 50, rows: [batchRow(5, 'node', 1.02), batchRow(50, 'node', 1.2), batchRow(5, 'pipes', 1.01), batchRow(50, 'pipes', 1.03)] };
    const seqRow = (target: string, addedE2eP50Ms: number, addedE2eP99Ms: number) =>
      ({ target, e2e: { p50: 0, p99: 0 }, addedE2eP50Ms, addedE2eP99Ms, addedTtftP50Ms: 0 }) as unknown as NonNullable<Results['sequential']>['rows'][number];
    const sequential = { requests: 50, tokens: 10, rows: [seqRow('direct', 0, 0), seqRow('node', 2.5, 4), seqRow('pipes', 0.6, 1.1)] };
    const out = evaluateTargets({ batch, sequential }, ['node']);
    expect(out.find((x) => x.id === 'batch-ratio-node')).toMatchObject({ status: 'missed', viaPipes: '1.030 (at 50)' });
    expect(out.find((x) => x.id === 'sequential-p50-node')).toMatchObject({ status: 'missed', viaPipes: '0.60 ms' });
    expect(out.find((x) => x.id === 'sequential-p99-node')).toMatchObject({ status: 'met', viaPipes: '1.10 ms' });
    expect(printTargets(out)).toMatch(/1\.200 worst \(at 50\)\s+MISSED\s+1\.030 \(at 50\)/);
  });
});
