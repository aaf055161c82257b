// The issue's targets as data: each names its limit, reads its figure from the
// results, and says met / missed (or not measured when its workload was skipped).
import type { BatchResult } from './workloads/batch';
import type { MemoryResult } from './workloads/memory';
import type { RelayResult } from './workloads/relay';
import type { SequentialResult } from './workloads/sequential';
import { formatTable, heading } from './table';

export interface Results {
  batch?: BatchResult;
  sequential?: SequentialResult;
  relay?: RelayResult;
  memory?: MemoryResult;
}

export interface TargetOutcome {
  id: string;
  description: string;
  limit: string;
  /** The figure compared with the limit, with its unit; undefined when not measured. */
  figure?: string;
  value?: number;
  status: 'met' | 'missed' | 'not measured';
  detail?: string;
  /** The same figure for the pipes reference (two bare Node TCP relays): what two Node hops cost on this machine. */
  viaPipes?: string;
}

function outcome(id: string, description: string, limit: string, value: number | undefined, ok: (v: number) => boolean, figure: (v: number) => string, detail?: string): TargetOutcome {
  if (value === undefined || !Number.isFinite(value)) return { id, description, limit, status: 'not measured', detail };
  return { id, description, limit, value, figure: figure(value), status: ok(value) ? 'met' : 'missed', detail };
}

/** The reference whose figure each target prints beside its own (bench/references.ts). */
const PIPES = 'pipes';

function fastest<T extends { tokensPerS: number }>(rows: T[]): T | undefined {
  return rows.reduce<T | undefined>((b, x) => (!b || x.tokensPerS > b.tokensPerS ? x : b), undefined);
}

/** A target's worst batch ratio and where, e.g. "1.04 (at 1000)"; undefined when it did not run cleanly. */
function worstBatch(r: Results, target: string): string | undefined {
  const rows = r.batch?.rows.filter((x) => x.target === target) ?? [];
  if (!rows.length || rows.some((x) => x.error)) return undefined;
  const worst = rows.reduce((w, x) => (x.ratioToDirect > w.ratioToDirect ? x : w));
  return `${worst.ratioToDirect.toFixed(3)} (at ${worst.concurrency})`;
}

export function evaluateTargets(r: Results, hosts: string[]): TargetOutcome[] {
  const out: TargetOutcome[] = [];
  for (const host of hosts) {
    const rows = r.batch?.rows.filter((x) => x.target === host && !x.error) ?? [];
    const worst = rows.reduce<(typeof rows)[number] | undefined>((w, x) => (!w || x.ratioToDirect > w.ratioToDirect ? x : w), undefined);
    const failed = r.batch?.rows.filter((x) => x.target === host && x.error).map((x) => `${x.concurrency}: ${x.error}`) ?? [];
    const ratios = rows.map((x) => `${x.concurrency}: ${x.ratioToDirect.toFixed(3)}`).join(', ');
    const batch = outcome(
      `batch-ratio-${host}`, `bridge/direct batch time via ${host}, every concurrency ${r.batch?.levels.join('/') ?? ''}`, '≤ 1.05',
      worst?.ratioToDirect, (v) => v <= 1.05 && failed.length === 0, (v) => `${v.toFixed(3)} worst (at ${worst?.concurrency})${failed.length ? ', and failures' : ''}`,
      [ratios, failed.length ? `failed runs: ${failed.join('; ')}` : ''].filter(Boolean).join('; '),
    );
    // Requests that failed miss the target even when no level finished cleanly.
    if (failed.length && batch.status === 'not measured') Object.assign(batch, { status: 'missed', figure: 'failed requests' });
    batch.viaPipes = worstBatch(r, PIPES);
    out.push(batch);
    const seq = r.sequential?.rows.find((x) => x.target === host);
    const pipes = r.sequential?.rows.find((x) => x.target === PIPES && !x.error);
    out.push({
      ...outcome(`sequential-p50-${host}`, `added latency p50 via ${host} (sequential, end to end)`, '≤ 1 ms',
        seq?.error ? undefined : seq?.addedE2eP50Ms, (v) => v <= 1, (v) => `${v.toFixed(2)} ms`, seq ? `TTFT p50 added ${seq.addedTtftP50Ms.toFixed(2)} ms` : undefined),
      viaPipes: pipes ? `${pipes.addedE2eP50Ms.toFixed(2)} ms` : undefined,
    });
    const p99 = outcome(`sequential-p99-${host}`, `added latency p99 via ${host} (sequential, end to end)`, '≤ 5 ms',
      seq?.error ? undefined : seq?.addedE2eP99Ms, (v) => v <= 5, (v) => `${v.toFixed(2)} ms`);
    // Direct's p99 above the bridge's is an outlier in the direct run: it says nothing about the bridge's tail.
    if (seq && p99.value !== undefined && p99.value < 0) {
      const direct = r.sequential?.rows.find((x) => x.target === 'direct');
      Object.assign(p99, {
        status: 'not measured',
        detail: `direct's p99 (${direct?.e2e.p99.toFixed(1)} ms) was above this bridge's (${seq.e2e.p99.toFixed(1)} ms): an outlier in the direct run; run again`,
      });
    }
    if (pipes) p99.viaPipes = `${pipes.addedE2eP99Ms.toFixed(2)} ms`;
    out.push(p99);
  }
  const relay = r.relay?.rows.filter((x) => x.target === 'node' && !x.error) ?? [];
  const best = fastest(relay);
  const bestPipes = fastest(r.relay?.rows.filter((x) => x.target === PIPES && !x.error) ?? []);
  const pipesThere = r.relay?.rows.find((x) => x.target === PIPES && !x.error && x.concurrency === best?.concurrency);
  out.push({
    ...outcome('relay-tokens-per-s', 'tokens/s through one agent connection (best concurrency)', '≥ 100,000',
      best?.tokensPerS, (v) => v >= 100_000, (v) => `${Math.round(v).toLocaleString('en-US')} tok/s (at ${best?.concurrency})`,
      best ? `direct at that concurrency: ${Math.round(r.relay!.rows.find((x) => x.target === 'direct' && x.concurrency === best.concurrency)?.tokensPerS ?? 0).toLocaleString('en-US')} tok/s` : undefined),
    viaPipes: bestPipes ? `${Math.round(bestPipes.tokensPerS).toLocaleString('en-US')} tok/s (at ${bestPipes.concurrency})` : undefined,
  });
  out.push({
    ...outcome('relay-cpu-per-token', 'edge + agent CPU per relayed token (at the best concurrency)', '≤ 10 µs',
      best?.usPerToken.edgePlusAgent, (v) => v <= 10, (v) => `${v.toFixed(2)} µs`,
      best ? `edge ${best.usPerToken.edge?.toFixed(2)} µs + agent ${best.usPerToken.agent?.toFixed(2)} µs; all levels: ${relay.map((x) => `${x.concurrency}: ${x.usPerToken.edgePlusAgent?.toFixed(2)}`).join(', ')}` : undefined),
    viaPipes: pipesThere?.usPerToken.edgePlusAgent !== undefined ? `${pipesThere.usPerToken.edgePlusAgent.toFixed(2)} µs (at ${pipesThere.concurrency})` : undefined,
  });
  const mem = r.memory?.rows.filter((x) => x.process === 'edge' || x.process === 'agent') ?? [];
  const perStream = mem.length === 2 ? mem.reduce((a, x) => a + x.perStream, 0) : undefined;
  out.push(outcome('memory-per-stream', 'edge + agent resident memory per in-flight stream', '≤ 20 KB',
    perStream, (v) => v <= 20 * 1000, (v) => `${(v / 1000).toFixed(1)} KB`,
    mem.length ? mem.map((x) => `${x.process} ${(x.perStream / 1000).toFixed(1)} KB charged (${(x.rssPerStream / 1000).toFixed(1)} KB RSS over idle, ${(x.marginalRssPerStream / 1000).toFixed(1)} KB marginal of which ${(x.youngPerStream / 1000).toFixed(1)} KB young generation, ${(x.heapPerStream / 1000).toFixed(1)} KB heap+ext)`).join('; ') : undefined));
  return out;
}

export function printTargets(targets: TargetOutcome[]): string {
  const cols = [
    { header: 'target', align: 'left' as const }, { header: 'limit', align: 'left' as const }, { header: 'figure', align: 'left' as const },
    { header: 'status', align: 'left' as const }, { header: 'via pipes', align: 'left' as const },
  ];
  const rows = targets.map((t) => [t.description, t.limit, t.figure ?? '–', t.status.toUpperCase(), t.viaPipes ?? '–']);
  const details = targets.filter((t) => t.detail).map((t) => `  ${t.id}: ${t.detail}`);
  return [
    heading('Targets'), formatTable(cols, rows),
    '  via pipes: the same figure through two bare Node TCP relays pinned where the edge and agent run (bench/references.ts):',
    '  what any two Node hops cost on this machine. They coalesce no writes, so per token they can cost more than the bridge.',
    ...details,
  ].join('\n');
}
