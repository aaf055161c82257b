// What every workload gets from bench/run.ts: the mode, the load generator
// process, the targets to compare, and a place to leave notes for the report.
import type { Layout } from '../affinity';
import type { LoadResult } from '../load';
import { machineBusyUs } from '../proc-stat';
import type { BenchChild } from '../processes';
import type { CpuProbe, Target } from '../stack';

export interface BenchContext {
  quick: boolean;
  /** Bridged hosts asked for: node, workers. */
  hosts: string[];
  logDir: string;
  cpuProf: boolean;
  /** Cores per role (bench/affinity.ts); undefined: not pinned. */
  layout?: Layout;
  load: BenchChild;
  /** The edge child shared by workloads (each adds its own tenant and agent). */
  edge?: { url: string; adminToken: string; child: BenchChild };
  /** Lines for the report's notes: skipped parts and why. */
  notes: string[];
  /** Progress on stderr, so stdout keeps only the tables. */
  progress(line: string): void;
}

/** The seed's prompt (ARCHITECTURE.md's origin report) and the simulator's served model. */
export const SEED_PROMPT = 'Explain quantum computing in simple terms';
export const MODEL = 'facebook/opt-125m';
export const CHAT_PATH = '/v1/chat/completions';

/** A streamed chat completion that makes exactly `maxTokens` tokens (`ignore_eos`). */
export function chatBody(maxTokens: number): string {
  return JSON.stringify({
    model: MODEL,
    messages: [{ role: 'user', content: SEED_PROMPT }],
    max_tokens: maxTokens,
    stream: true,
    ignore_eos: true,
  });
}

export function runOn(ctx: BenchContext, target: Target, body: string, concurrency: number, total: number): Promise<LoadResult> {
  return ctx.load.call<LoadResult>('run', { url: target.url, path: CHAT_PATH, headers: target.headers, body, concurrency, total });
}

/**
 * Sends one small request until it succeeds: an agent is `ready` when its
 * WebSocket is up, a moment before the edge routes its model.
 */
export async function waitRoutable(ctx: BenchContext, target: Target, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const r = await runOn(ctx, target, chatBody(2), 1, 1);
    if (r.ok === 1 && r.tokens === 2) return;
    last = r.errors[0] ?? `${r.tokens} tokens`;
    await new Promise((res) => setTimeout(res, 200));
  }
  throw new Error(`${target.name} at ${target.url} did not serve a request within ${timeoutMs} ms: ${last}`);
}

/**
 * Steady state, not start-up: a fresh edge or agent runs its first few hundred
 * requests 2–3× slower while V8 compiles the hot paths (measured: +4.4 ms
 * added TTFT after 20 requests, +3.0 ms after 1,500), so every target serves
 * this many short requests before anything is measured.
 */
export function warmUpRequests(ctx: Pick<BenchContext, 'quick'>): number {
  return ctx.quick ? 300 : 1000; // quick mode keeps within its minute
}

export async function warmUp(ctx: BenchContext, target: Target): Promise<void> {
  const n = warmUpRequests(ctx);
  ctx.progress(`warming up ${target.name} (${n} short requests)`);
  await runOn(ctx, target, chatBody(5), 50, n);
}

/** Fails loudly when a run lost requests: a figure from a half-failed run would mislead. */
export function checkRun(target: Target, r: LoadResult, expectTokens: number): string | undefined {
  if (r.failed > 0) return `${target.name}: ${r.failed}/${r.requests} requests failed (${r.errors.join('; ')})`;
  if (r.tokens !== expectTokens) return `${target.name}: counted ${r.tokens} tokens, expected ${expectTokens}`;
  return undefined;
}

export interface MeasuredRun {
  r: LoadResult;
  /** CPU µs each probed process spent during the run, by probe name. */
  cpuUs: Record<string, number>;
  /** GC pause ms during the run, by probe name, for processes that report it. */
  gcMs: Record<string, number>;
  /**
   * Cores busy with work that is not this benchmark's (other processes on the
   * machine), averaged over the run: /proc/stat's busy time minus every
   * process the run knows about. Near 0 on a quiet machine.
   */
  otherCores: number;
}

/** One load run with the CPU of every process in its path, and of everything else on the machine. */
export async function measured(ctx: BenchContext, target: Target, body: string, concurrency: number, total: number, probes: CpuProbe[] = target.probes ?? []): Promise<MeasuredRun> {
  const read = () => Promise.all(probes.map((p) => p.read()));
  const self0 = process.cpuUsage();
  const before = await read();
  const machine0 = machineBusyUs();
  const r = await runOn(ctx, target, body, concurrency, total);
  const machine1 = machineBusyUs();
  const after = await read();
  const self = process.cpuUsage(self0);
  const cpuUs: Record<string, number> = {};
  const gcMs: Record<string, number> = {};
  probes.forEach((p, i) => {
    cpuUs[p.name] = (cpuUs[p.name] ?? 0) + after[i].cpuUs - before[i].cpuUs;
    const [b, a] = [before[i].gcMs, after[i].gcMs];
    if (b !== undefined && a !== undefined) gcMs[p.name] = (gcMs[p.name] ?? 0) + a - b;
  });
  const ours = Object.values(cpuUs).reduce((a, b) => a + b, 0) + r.cpuBusy * r.wallMs * 1000 + self.user + self.system;
  return { r, cpuUs, gcMs, otherCores: Math.max(0, (machine1 - machine0 - ours) / (r.wallMs * 1000)) };
}
