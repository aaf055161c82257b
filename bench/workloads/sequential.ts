// Workload 2: one request at a time, so any latency the bridge adds shows
// undiluted. Targets take turns in blocks, so drift affects them alike.
import { summarize, type Summary } from '../stats';
import type { Target } from '../stack';
import { REFERENCE_NOTE } from '../references';
import { fixed, formatTable, heading, ms, percent } from '../table';
import { chatBody, checkRun, measured, runOn, type BenchContext } from './context';

export interface SequentialRow {
  target: string;
  ttft: Summary;
  e2e: Summary;
  /** This target's percentile minus direct's, ms. */
  addedTtftP50Ms: number;
  addedE2eP50Ms: number;
  addedE2eP99Ms: number;
  loadCpuBusy: number;
  /** Cores other work on the machine used, averaged over this target's blocks. */
  otherCores: number;
  error?: string;
}

export interface SequentialResult {
  requests: number;
  tokens: number;
  rows: SequentialRow[];
}

export async function runSequential(ctx: BenchContext, targets: Target[]): Promise<SequentialResult> {
  const requests = ctx.quick ? 50 : 200;
  // Quick mode shortens each request (10 tokens ≈ 45 ms) to stay within its minute.
  const tokens = ctx.quick ? 10 : 50;
  const block = 10;
  const body = chatBody(tokens);
  const ttft = new Map<string, number[]>(targets.map((t) => [t.name, []]));
  const e2e = new Map<string, number[]>(targets.map((t) => [t.name, []]));
  const busy = new Map<string, number[]>(targets.map((t) => [t.name, []]));
  const other = new Map<string, number[]>(targets.map((t) => [t.name, []]));
  const errors = new Map<string, string>();
  for (const t of targets) await runOn(ctx, t, body, 1, 3); // warm the connection
  for (let done = 0; done < requests; done += block) {
    const n = Math.min(block, requests - done);
    ctx.progress(`sequential: ${done + n}/${requests}`);
    for (const t of targets) {
      const { r, otherCores } = await measured(ctx, t, body, 1, n);
      other.get(t.name)!.push(otherCores);
      ttft.get(t.name)!.push(...r.ttftMs);
      e2e.get(t.name)!.push(...r.e2eMs);
      busy.get(t.name)!.push(r.cpuBusy);
      const err = checkRun(t, r, n * tokens);
      if (err && !errors.has(t.name)) errors.set(t.name, err);
    }
  }
  const rows = targets.map((t) => ({
    target: t.name,
    ttft: summarize(ttft.get(t.name)!),
    e2e: summarize(e2e.get(t.name)!),
    addedTtftP50Ms: Number.NaN, addedE2eP50Ms: Number.NaN, addedE2eP99Ms: Number.NaN,
    loadCpuBusy: Math.max(...busy.get(t.name)!),
    otherCores: other.get(t.name)!.reduce((a, b) => a + b, 0) / Math.max(1, other.get(t.name)!.length),
    error: errors.get(t.name),
  }));
  const direct = rows.find((r) => r.target === 'direct');
  if (direct) {
    for (const r of rows) {
      r.addedTtftP50Ms = r.ttft.p50 - direct.ttft.p50;
      r.addedE2eP50Ms = r.e2e.p50 - direct.e2e.p50;
      r.addedE2eP99Ms = r.e2e.p99 - direct.e2e.p99;
    }
  }
  return { requests, tokens, rows };
}

export function printSequential(res: SequentialResult): string {
  const cols = [
    { header: 'via', align: 'left' as const }, { header: 'TTFT p50' }, { header: 'TTFT p99' }, { header: 'e2e p50' }, { header: 'e2e p99' },
    { header: '+TTFT p50' }, { header: '+e2e p50' }, { header: '+e2e p99' }, { header: 'loadgen' }, { header: 'other' }, { header: '', align: 'left' as const },
  ];
  const rows = res.rows.map((r) => [
    r.target, ms(r.ttft.p50), ms(r.ttft.p99), ms(r.e2e.p50), ms(r.e2e.p99),
    r.target === 'direct' ? '' : ms(r.addedTtftP50Ms), r.target === 'direct' ? '' : ms(r.addedE2eP50Ms), r.target === 'direct' ? '' : ms(r.addedE2eP99Ms),
    percent(r.loadCpuBusy), fixed(r.otherCores, 2), r.error ? `ERROR ${r.error}` : '',
  ]);
  return [
    heading(`2. Sequential: ${res.requests} requests one at a time, ${res.tokens} tokens each (ms; + = added over direct)`),
    formatTable(cols, rows),
    `  ${REFERENCE_NOTE}`,
  ].join('\n');
}
