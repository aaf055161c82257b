// Workload 1, the seed's test: N concurrent streamed chat completions of exactly
// 50 tokens, all sent at once; wall time for the batch and per-request latency,
// direct to the simulator and through each bridge, in the same run.
import { median, ratio, summarize } from '../stats';
import type { Target } from '../stack';
import { REFERENCE_NOTE } from '../references';
import { fixed, formatTable, heading, int, ms, percent, times } from '../table';
import { chatBody, checkRun, measured, runOn, type BenchContext, type MeasuredRun } from './context';

/** The seed project's figures (vLLM on an RTX 4090, OPT-125m, 50 tokens), seconds per batch. */
export const SEED_WALL_S: Record<number, number> = { 5: 0.217, 10: 0.415, 50: 2.115 };

export const BATCH_TOKENS = 50;

export interface BatchRow {
  concurrency: number;
  target: string;
  wallS: number;
  requestsPerS: number;
  tokensPerS: number;
  ttftP50Ms: number;
  ttftP99Ms: number;
  e2eP50Ms: number;
  e2eP99Ms: number;
  /** Wall time over direct's at the same concurrency. */
  ratioToDirect: number;
  /** Load generator's CPU over wall time. */
  loadCpuBusy: number;
  /** CPU ms of each process in the path during the batch (sim, edge, agent, workers). */
  cpuMs: Record<string, number>;
  /** Cores other work on the machine used meanwhile. */
  otherCores: number;
  /** All repetitions' wall times; the row shows the median one. */
  repsWallS: number[];
  error?: string;
}

export interface BatchResult {
  levels: number[];
  reps: number;
  tokens: number;
  rows: BatchRow[];
}

function row(concurrency: number, target: Target, runs: MeasuredRun[]): BatchRow {
  const walls = runs.map((m) => m.r.wallMs);
  const midRun = runs.find((m) => m.r.wallMs === median(walls)) ?? runs[0];
  const mid = midRun.r;
  const ttft = summarize(mid.ttftMs);
  const e2e = summarize(mid.e2eMs);
  return {
    concurrency, target: target.name,
    wallS: mid.wallMs / 1000,
    requestsPerS: mid.ok / (mid.wallMs / 1000),
    tokensPerS: mid.tokens / (mid.wallMs / 1000),
    ttftP50Ms: ttft.p50, ttftP99Ms: ttft.p99, e2eP50Ms: e2e.p50, e2eP99Ms: e2e.p99,
    ratioToDirect: Number.NaN,
    loadCpuBusy: mid.cpuBusy,
    cpuMs: Object.fromEntries(Object.entries(midRun.cpuUs).map(([k, v]) => [k, +(v / 1000).toFixed(1)])),
    otherCores: midRun.otherCores,
    repsWallS: walls.map((w) => w / 1000),
    error: runs.map((m) => checkRun(target, m.r, concurrency * BATCH_TOKENS)).find(Boolean),
  };
}

export async function runBatch(ctx: BenchContext, targets: Target[]): Promise<BatchResult> {
  const levels = ctx.quick ? [5, 10, 50, 256] : [5, 10, 50, 100, 256, 1000];
  const reps = ctx.quick ? 1 : 3;
  const body = chatBody(BATCH_TOKENS);
  const rows: BatchRow[] = [];
  for (const c of levels) {
    const runs = new Map<string, MeasuredRun[]>(targets.map((t) => [t.name, []]));
    // Warm every target's connections at this concurrency, then interleave the
    // measured repetitions so drift (other processes, thermal) hits all alike.
    for (const t of targets) await runOn(ctx, t, body, c, c);
    for (let rep = 0; rep < reps; rep++) {
      for (const t of targets) {
        ctx.progress(`batch: ${c} concurrent via ${t.name} (${rep + 1}/${reps})`);
        runs.get(t.name)!.push(await measured(ctx, t, body, c, c));
      }
    }
    const levelRows = targets.map((t) => row(c, t, runs.get(t.name)!));
    const direct = levelRows.find((r) => r.target === 'direct');
    for (const r of levelRows) r.ratioToDirect = ratio(r.wallS, direct?.wallS);
    rows.push(...levelRows);
  }
  return { levels, reps, tokens: BATCH_TOKENS, rows };
}

export function printBatch(res: BatchResult): string {
  const cols = [
    { header: 'conc' }, { header: 'via', align: 'left' as const }, { header: 'wall s' }, { header: 'seed s' },
    { header: 'req/s' }, { header: 'tok/s' }, { header: 'TTFT p50' }, { header: 'TTFT p99' },
    { header: 'e2e p50' }, { header: 'e2e p99' }, { header: '÷ direct' }, { header: 'loadgen' }, { header: 'other' }, { header: '', align: 'left' as const },
  ];
  const rows = res.rows.map((r) => [
    r.concurrency, r.target, fixed(r.wallS, 3), r.target === 'direct' ? fixed(SEED_WALL_S[r.concurrency], 3) : '',
    int(r.requestsPerS), int(r.tokensPerS), ms(r.ttftP50Ms), ms(r.ttftP99Ms), ms(r.e2eP50Ms), ms(r.e2eP99Ms),
    r.target === 'direct' ? '' : times(r.ratioToDirect), percent(r.loadCpuBusy), fixed(r.otherCores, 2),
    [r.loadCpuBusy > 0.7 ? 'LOADGEN BUSY' : '', r.error ? `ERROR ${r.error}` : ''].filter(Boolean).join(' '),
  ]);
  return [
    heading(`1. Concurrent batch: ${res.tokens} tokens each, all sent at once (median of ${res.reps}; times in ms unless marked)`),
    formatTable(cols, rows),
    '  seed s: the seed project\'s vLLM figures for the same test (time grew linearly: one request at a time).',
    `  ${REFERENCE_NOTE}`,
    '  loadgen: the load generator\'s CPU over wall time. other: cores busy with work outside this benchmark meanwhile (/proc/stat).',
  ].join('\n');
}
