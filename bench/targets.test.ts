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
    const fine = { requests: 50, tokens: 10, rows: [row('direct', 45, 50, 0), row('node', 47, 51.2, 1.2)] };
    expect(evaluateTargets({ sequential: fine }, ['node']).find((x) => x.id === 'sequential-p99-node')).toMatchObject({ status: 'met', value: 1.2 });
  });

  it('sums edge and agent memory per stream against 16 KB', () => {
    const row = (process: string, perStream: number) => ({ process, perStream, rssPerStream: 0, marginalRssPerStream: 0, youngPerStream: 0, heapPerStream: 0 });
    const memory = { streams: 10, warmed: true, opened: 10, leftRunningAfterRelease: 0, errors: [], rows: [row('edge', 10_000), row('agent', 5_500), row('nginx', 50_000)] };
    const t = evaluateTargets({ memory } as unknown as Results, []).find((x) => x.id === 'memory-per-stream')!;
    expect(t).toMatchObject({ status: 'met', value: 15_500 });
    memory.rows[1] = row('agent', 7_000);
    expect(evaluateTargets({ memory } as unknown as Results, []).find((x) => x.id === 'memory-per-stream')).toMatchObject({ status: 'missed', value: 17_000 });
    memory.rows.push(row('floor edge', 9_000), row('floor agent', 6_500));
    expect(evaluateTargets({ memory } as unknown as Results, []).find((x) => x.id === 'memory-per-stream')).toMatchObject({ value: 17_000, viaFloor: '15.5 KB (9.0 KB + 6.5 KB)' });
  });

  it('holds the batch ratio to 1.03 with a core per process and to 1.10 on shared cores', () => {
    const batch = { levels: [5, 50], reps: 1, tokens: 50, rows: [batchRow(5, 'node', 1.02), batchRow(50, 'node', 1.06)] };
    expect(evaluateTargets({ batch }, ['node'], { corePerProcess: true })[0]).toMatchObject({ status: 'missed', limit: '≤ 1.03' });
    expect(evaluateTargets({ batch }, ['node'], { corePerProcess: false })[0]).toMatchObject({ status: 'met', limit: '≤ 1.10 (2 cores)' });
  });

  it("compares edge + agent CPU per request with the simulator's own, going direct in the same run", () => {
    const req = (target: string, usPerRequest: Record<string, number>) => ({ target, usPerRequest, requests: 1, requestsPerS: 1, gcUsPerRequest: {}, otherCores: 0, loadCpuBusy: 0 });
    const relay = {
      tokens: 1000, nginx: '', rows: [],
      perRequest: [req('direct', { sim: 120 }), req('node', { sim: 150, edge: 70, agent: 40, edgePlusAgent: 110 }), req('pipes', { sim: 120, edge: 40, agent: 35, edgePlusAgent: 75 }),
        req('floor', { sim: 120, edge: 60, agent: 36, edgePlusAgent: 96 })],
    };
    const t = evaluateTargets({ relay } as unknown as Results, []).find((x) => x.id === 'cpu-per-request')!;
    expect(t).toMatchObject({ status: 'met', figure: '0.92×', viaPipes: '0.63×', viaFloor: '0.80× (edge 60 + agent 36 µs)' });
    expect(t.detail).toContain('edge 70 µs + agent 40 µs');
    relay.perRequest[1].usPerRequest = { edge: 300, agent: 170, edgePlusAgent: 470 };
    expect(evaluateTargets({ relay } as unknown as Results, []).find((x) => x.id === 'cpu-per-request')).toMatchObject({ status: 'missed', figure: '3.92×' });
  });

  it('judges the growth of CPU per token from 100 to 1,000 streams, and each hop at its best', () => {
    const row = (concurrency: number, edge: number, agent: number) => ({ concurrency, target: 'node', tokensPerS: 100_000, usPerToken: { edge, agent, edgePlusAgent: edge + agent, sim: 1, loadgen: 1 } });
    const relay = { tokens: 1000, nginx: '', perRequest: [], rows: [row(10, 4, 3), row(100, 3, 2.5), row(1000, 4, 3)] };
    const out = evaluateTargets({ relay } as unknown as Results, []);
    expect(out.find((x) => x.id === 'relay-token-cost-growth')).toMatchObject({ status: 'missed', figure: '1.27×' });
    // Beside it: the upstream's own growth in the same rows, and the floor's.
    const sim = (c: number, v: number) => Object.assign(relay.rows.find((x) => x.concurrency === c)!.usPerToken, { sim: v });
    sim(100, 5);
    sim(1000, 7.5);
    const floor = (concurrency: number, edge: number, agent: number) => ({ ...row(concurrency, edge, agent), target: 'floor' });
    relay.rows.push(floor(100, 3, 3), floor(1000, 4.5, 4.5));
    const growth = evaluateTargets({ relay } as unknown as Results, []).find((x) => x.id === 'relay-token-cost-growth')!;
    expect(growth).toMatchObject({ status: 'missed', figure: '1.27×', viaFloor: '1.50×' });
    expect(growth.detail).toContain("the upstream's own per token 1.50× in the same rows");
    expect(out.find((x) => x.id === 'relay-us-per-token-edge')).toMatchObject({ status: 'met', value: 3 });
    expect(out.find((x) => x.id === 'relay-us-per-token-agent')).toMatchObject({ status: 'met', value: 2.5 });
  });

  it('prints the pipes and floor references beside the bridge\'s figure, without judging them', () => {
    const batch = {
      levels: [5, 50], reps: 1, tokens: 50,
      rows: [batchRow(5, 'node', 1.02), batchRow(50, 'node', 1.2), batchRow(5, 'pipes', 1.01), batchRow(50, 'pipes', 1.03), batchRow(5, 'floor', 1.04), batchRow(50, 'floor', 1.02)],
    };
    const seqRow = (target: string, addedE2eP50Ms: number, addedE2eP99Ms: number) =>
      ({ target, e2e: { p50: 0, p99: 0 }, addedE2eP50Ms, addedE2eP99Ms, addedTtftP50Ms: 0 }) as unknown as NonNullable<Results['sequential']>['rows'][number];
    const sequential = { requests: 50, tokens: 10, rows: [seqRow('direct', 0, 0), seqRow('node', 2.5, 1.4), seqRow('pipes', 0.6, 1.1), seqRow('floor', 0.9, 1.3)] };
    const out = evaluateTargets({ batch, sequential }, ['node']);
    expect(out.find((x) => x.id === 'batch-ratio-node')).toMatchObject({ status: 'missed', viaPipes: '1.030 (at 50)', viaFloor: '1.040 (at 5)' });
    expect(out.find((x) => x.id === 'sequential-p50-node')).toMatchObject({ status: 'missed', viaPipes: '0.60 ms', viaFloor: '0.90 ms' });
    expect(out.find((x) => x.id === 'sequential-p99-node')).toMatchObject({ status: 'met', viaPipes: '1.10 ms', viaFloor: '1.30 ms' });
    expect(printTargets(out)).toMatch(/1\.200 worst \(at 50\)\s+MISSED\s+1\.030 \(at 50\)\s+1\.040 \(at 5\)/);
  });
});
