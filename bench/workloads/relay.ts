// Workload 3 (and 4): relay capacity. A simulator with zero step time streams
// 1,000-token responses as fast as it can; the figures are tokens/s through one
// agent connection and CPU per relayed token and per request in the edge and
// agent processes, with two bare Node TCP relays and nginx for reference.
import { REFERENCE_NOTE, startReferences } from '../references';
import { attachAgent, childProbe, closeAll, startSimChild, type Target } from '../stack';
import { fixed, formatTable, heading, int, percent } from '../table';
import { chatBody, checkRun, measured, runOn, waitRoutable, warmUpRequests, type BenchContext, type MeasuredRun } from './context';

export const RELAY_TOKENS = 1000;

/** CPU µs spent per unit of work by each process; undefined where it was not in the path. */
export interface CpuShare {
  edge?: number;
  agent?: number;
  edgePlusAgent?: number;
  nginx?: number;
  sim: number;
  loadgen: number;
}

export interface RelayRow {
  concurrency: number;
  target: string;
  requests: number;
  wallS: number;
  tokensPerS: number;
  /** Over direct's tokens/s at the same concurrency. */
  ratioToDirect: number;
  bytesPerToken: number;
  /** Tokens per body chunk the client received: above 1 when a hop coalesced writes. */
  tokensPerChunk: number;
  usPerToken: CpuShare;
  /** Cores other work on the machine used during the run (see MeasuredRun). */
  otherCores: number;
  /**
   * Tokens/s the bridge could carry if the edge and the agent each had a core
   * of their own: 10^6 / the larger of their µs per token. On a small shared
   * machine this, not the measured rate, is the figure that carries over.
   */
  projectedTokensPerS?: number;
  loadCpuBusy: number;
  error?: string;
}

export interface PerRequestRow {
  target: string;
  requests: number;
  requestsPerS: number;
  usPerRequest: CpuShare;
  /** GC pause µs per request in the edge and agent (perf_hooks), where reported. */
  gcUsPerRequest: { edge?: number; agent?: number };
  otherCores: number;
  loadCpuBusy: number;
  error?: string;
}

export interface RelayResult {
  tokens: number;
  rows: RelayRow[];
  perRequest: PerRequestRow[];
  nginx: string;
}

function per(m: MeasuredRun, units: number): CpuShare {
  const d = (v: number | undefined) => (v === undefined ? undefined : v / units);
  const { sim, edge, agent, nginx } = m.cpuUs;
  return {
    sim: sim / units, edge: d(edge), agent: d(agent), nginx: d(nginx),
    edgePlusAgent: edge !== undefined && agent !== undefined ? (edge + agent) / units : undefined,
    loadgen: (m.r.cpuBusy * m.r.wallMs * 1000) / units,
  };
}

/** GC pause µs per unit in the edge and agent, from their own perf_hooks 'gc' entries. */
function gcPer(m: MeasuredRun, units: number): { edge?: number; agent?: number } {
  const d = (v: number | undefined) => (v === undefined ? undefined : (v * 1000) / units);
  return { edge: d(m.gcMs.edge), agent: d(m.gcMs.agent) };
}

export async function runRelay(ctx: BenchContext): Promise<RelayResult> {
  const levels = ctx.quick ? [10, 100] : [1, 10, 100, 1000];
  const budget = ctx.quick ? 30_000 : 400_000; // tokens per level and target
  const started: ({ close(): Promise<void> } | undefined)[] = [];
  try {
    // Zero step time: the simulator emits tokens as fast as its event loop turns.
    const sim = await startSimChild(ctx.logDir, 'sim-relay', { stepBaseMs: 0, stepPerSeqMs: 0, prefillPerTokenMs: 0, maxNumSeqs: 1024 }, ctx.layout?.sim);
    started.push(sim);
    const simUrl = String(sim.info.url);
    const simProbe = childProbe('sim', sim);
    const targets: Target[] = [{ name: 'direct', url: simUrl, headers: {}, probes: [simProbe] }];
    if (ctx.edge) {
      const { agent, target } = await attachAgent({
        edgeUrl: ctx.edge.url, adminToken: ctx.edge.adminToken, tenantName: 'bench-relay', simUrl,
        maxInflight: 1024, logDir: ctx.logDir, name: 'agent-relay', cpuProf: ctx.cpuProf, cpus: ctx.layout?.agent,
      });
      started.push(agent);
      targets.push({ name: 'node', ...target, probes: [simProbe, childProbe('edge', ctx.edge.child), childProbe('agent', agent)] });
    }
    // Quick mode keeps within its minute with nginx alone (workload 4); the floor is bench/child-floor.ts.
    const refs = await startReferences(ctx, simUrl, simProbe, 'relay', { pipes: !ctx.quick, nginx: true, floor: !ctx.quick });
    started.push(...refs.closers);
    targets.push(...refs.targets);
    for (const t of targets) await waitRoutable(ctx, t);

    const rows: RelayRow[] = [];
    const body = chatBody(RELAY_TOKENS);
    for (const c of levels) {
      const total = Math.max(c, Math.ceil(budget / RELAY_TOKENS / c) * c);
      for (const t of targets) await runOn(ctx, t, chatBody(10), c, c); // open the connections
      const levelRows: RelayRow[] = [];
      for (const t of targets) {
        ctx.progress(`relay: ${c} streams × ${RELAY_TOKENS} tokens via ${t.name} (${total} requests)`);
        const m = await measured(ctx, t, body, c, total);
        const { r } = m;
        levelRows.push({
          concurrency: c, target: t.name, requests: r.requests, wallS: r.wallMs / 1000,
          tokensPerS: r.tokens / (r.wallMs / 1000), ratioToDirect: Number.NaN,
          bytesPerToken: r.bytes / Math.max(1, r.tokens),
          tokensPerChunk: r.tokens / Math.max(1, r.chunks),
          usPerToken: per(m, Math.max(1, r.tokens)), otherCores: m.otherCores, loadCpuBusy: r.cpuBusy,
          error: checkRun(t, r, total * RELAY_TOKENS),
        });
      }
      const direct = levelRows.find((x) => x.target === 'direct');
      for (const x of levelRows) {
        x.ratioToDirect = direct ? x.tokensPerS / direct.tokensPerS : Number.NaN;
        const { edge, agent, nginx } = x.usPerToken;
        const worst = edge !== undefined && agent !== undefined ? Math.max(edge, agent) : nginx;
        if (worst !== undefined && worst > 0) x.projectedTokensPerS = 1e6 / worst;
      }
      rows.push(...levelRows);
    }

    // Per-request cost: one-token responses, so the figure is mostly request handling.
    const perRequest: PerRequestRow[] = [];
    const n = ctx.quick ? 300 : 3000;
    for (const t of targets) {
      ctx.progress(`relay: ${n} one-token requests via ${t.name}`);
      await runOn(ctx, t, chatBody(1), 10, warmUpRequests(ctx)); // steady state (see warmUp)
      const m = await measured(ctx, t, chatBody(1), 10, n);
      const { r } = m;
      perRequest.push({
        target: t.name, requests: r.requests, requestsPerS: r.ok / (r.wallMs / 1000),
        usPerRequest: per(m, Math.max(1, r.ok)), otherCores: m.otherCores, loadCpuBusy: r.cpuBusy, error: checkRun(t, r, n),
        gcUsPerRequest: gcPer(m, Math.max(1, r.ok)),
      });
    }
    return { tokens: RELAY_TOKENS, rows, perRequest, nginx: refs.nginx };
  } finally {
    await closeAll(started);
  }
}

const us = (v: number | undefined): string => fixed(v, 2);

export function printRelay(res: RelayResult): string {
  const cols = [
    { header: 'conc' }, { header: 'via', align: 'left' as const }, { header: 'requests' }, { header: 'tok/s' }, { header: '÷ direct' },
    { header: 'edge µs/tok' }, { header: 'agent µs/tok' }, { header: 'e+a µs/tok' }, { header: 'nginx µs/tok' },
    { header: 'sim µs/tok' }, { header: 'core/hop tok/s' }, { header: 'tok/chunk' }, { header: 'loadgen' }, { header: 'other' }, { header: '', align: 'left' as const },
  ];
  const rows = res.rows.map((r) => [
    r.concurrency, r.target, r.requests, int(r.tokensPerS), r.target === 'direct' ? '' : fixed(r.ratioToDirect, 2),
    us(r.usPerToken.edge), us(r.usPerToken.agent), us(r.usPerToken.edgePlusAgent), us(r.usPerToken.nginx),
    us(r.usPerToken.sim), int(r.projectedTokensPerS), fixed(r.tokensPerChunk, 2), percent(r.loadCpuBusy), fixed(r.otherCores, 2),
    [r.loadCpuBusy > 0.7 ? 'LOADGEN BUSY' : '', r.error ? `ERROR ${r.error}` : ''].filter(Boolean).join(' '),
  ]);
  const reqCols = [
    { header: 'via', align: 'left' as const }, { header: 'requests' }, { header: 'req/s' }, { header: 'edge µs/req' }, { header: 'agent µs/req' },
    { header: 'e+a µs/req' }, { header: 'edge GC µs/req' }, { header: 'agent GC µs/req' }, { header: 'nginx µs/req' }, { header: 'sim µs/req' },
    { header: 'loadgen' }, { header: 'other' }, { header: '', align: 'left' as const },
  ];
  const reqRows = res.perRequest.map((r) => [
    r.target, r.requests, int(r.requestsPerS), fixed(r.usPerRequest.edge, 0), fixed(r.usPerRequest.agent, 0),
    fixed(r.usPerRequest.edgePlusAgent, 0), fixed(r.gcUsPerRequest?.edge, 1), fixed(r.gcUsPerRequest?.agent, 1),
    fixed(r.usPerRequest.nginx, 0), fixed(r.usPerRequest.sim, 0), percent(r.loadCpuBusy), fixed(r.otherCores, 2),
    r.error ? `ERROR ${r.error}` : '',
  ]);
  return [
    heading(`3. Relay capacity: zero-delay simulator, ${res.tokens}-token streams, one agent connection`),
    formatTable(cols, rows),
    `  CPU per token from each process's own accounting (process.cpuUsage; nginx from /proc). nginx: ${res.nginx}.`,
    `  ${REFERENCE_NOTE} Their edge and agent columns are the first and second relay.`,
    `  core/hop tok/s: 10^6 / the busier hop's µs per token — the rate if edge and agent each had a core. ${res.tokens} tokens ≈ ${res.rows[0] ? Math.round(res.rows[0].bytesPerToken) : '–'} bytes of SSE per token.`,
    '',
    '  Per request (1-token responses, 10 concurrent). GC: pauses from each process\'s perf_hooks \'gc\' entries, part of its CPU.',
    formatTable(reqCols, reqRows),
  ].join('\n');
}
