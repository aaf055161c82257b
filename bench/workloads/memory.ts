// Workload 3, memory: what one in-flight stream costs the edge and the agent.
// N streams are held open with their readers paused against a simulator that
// makes one token a second, then the resident set is compared with idle (both
// after a full GC). Releasing them checks that cancels reach the simulator.
import type { ProcessProbe } from '../child-harness';
import type { BenchChild } from '../processes';
import { startFloor, startReferences } from '../references';
import { attachAgent, closeAll, startNodeEdgeChild, startSimChild, type Target } from '../stack';
import { bytes, formatTable, heading } from '../table';
import { chatBody, waitRoutable, type BenchContext } from './context';

export interface MemoryRow {
  process: string;
  streams: number;
  idleRss: number;
  /** RSS with half the streams held, then with all of them. */
  halfRss: number;
  heldRss: number;
  /** (held − idle) / streams: includes one-off growth (V8's young generation, pools). */
  rssPerStream: number;
  /** (held − half) / (streams / 2): what one more stream costs, one-off growth excluded. */
  marginalRssPerStream: number;
  /** The young generation's resident bytes, (held − half) / (streams / 2): pages touched, not state. */
  youngPerStream: number;
  /** marginalRssPerStream − youngPerStream. */
  marginalLessYoung: number;
  /** V8 heap + external (Buffers) per stream, (held − idle) / streams: steadier than RSS. */
  heapPerStream: number;
  /**
   * The figure charged to the target: the larger of the marginal RSS less the
   * young generation's pages, and the heap figure. RSS over idle also counts
   * one-off growth (V8 commits its young generation's pages on the first burst
   * of allocation: +24 MiB at the first 250 streams in a measured edge); the
   * young generation is empty after the full GC before each probe, yet how
   * many of its pages are resident moves with how much was allocated since
   * (14 of an edge's 25 KiB marginal per stream in one run, 2 of the agent's
   * 10), so its pages are not charged; RSS can also fall meanwhile for
   * unrelated reasons, and live heap + Buffers is a floor of what the streams hold.
   */
  perStream: number;
  /** The heap figure was the larger (RSS moved for unrelated reasons). */
  heapCharged: boolean;
}

export interface MemoryResult {
  streams: number;
  /** A warm-up cycle and a 12 s settle came before the idle figure (full mode). */
  warmed: boolean;
  opened: number;
  rows: MemoryRow[];
  /** Sequences still running in the simulator a while after the clients went away. */
  leftRunningAfterRelease: number;
  errors: string[];
}

const heapOf = (p: ProcessProbe): number => p.heapUsed + p.external;

interface MemoryReading {
  rss: number;
  /** V8 live heap + external. */
  heap: number;
  /** Resident bytes of V8's young generation (0 where there is none). */
  young: number;
}

/**
 * V8 grows and shrinks its young generation (up to 3 × 16 MiB on 64-bit) with
 * the allocation rate, which moves RSS by tens of MiB whatever the streams
 * hold. Fixed at its largest size it no longer resizes, though how much of it
 * is resident still follows the allocation since the last GC: each probe
 * reads that too (`young`), and the charged figure leaves it out.
 */
const FIXED_YOUNG_GENERATION = ['--min-semi-space-size=16', '--max-semi-space-size=16'];

async function settle(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/**
 * RSS after a full GC, once it stops moving: a Node process hands back tens of
 * MiB some 5–10 s after it starts (the tsx loader thread's and V8's startup
 * garbage: measured 128 → 88 MiB for an idle edge), so a baseline taken
 * sooner would credit the streams with that (--no-memory-reducer does not
 * prevent it). So: not before the child is `minAgeMs` old, and stable over two
 * 1 s steps, waiting at most `maxWaitS` seconds for that.
 */
async function settledProbe(c: BenchChild, minAgeMs: number, maxWaitS: number): Promise<MemoryReading> {
  const age = performance.now() - c.readyAt;
  if (age < minAgeMs) await settle(minAgeMs - age);
  const probes = [await c.gcProbe()];
  for (let i = 0; i < maxWaitS; i++) {
    const n = probes.length;
    if (n >= 3 && Math.abs(probes[n - 1].rss - probes[n - 2].rss) < 512 * 1024 && Math.abs(probes[n - 2].rss - probes[n - 3].rss) < 512 * 1024) break;
    await settle(1000);
    probes.push(await c.gcProbe());
  }
  const p = probes[probes.length - 1];
  return { rss: p.rss, heap: heapOf(p), young: p.youngResident };
}

export async function runMemory(ctx: BenchContext): Promise<MemoryResult> {
  const n = ctx.quick ? 300 : 1000;
  const started: ({ close(): Promise<void> } | undefined)[] = [];
  try {
    // One token a second: streams stay in flight and carry almost no body.
    const sim = await startSimChild(ctx.logDir, 'sim-memory', { stepBaseMs: 1000, stepPerSeqMs: 0, prefillPerTokenMs: 0, maxNumSeqs: 2048 }, ctx.layout?.sim);
    started.push(sim);
    const simUrl = String(sim.info.url);
    const measuredTargets: { t: Target; procs: { name: string; probe: () => Promise<MemoryReading> }[] }[] = [];
    if (ctx.hosts.includes('node')) {
      // A fresh edge: one that relayed other workloads has a heap that shrinks under GC and hides the streams' cost.
      const edge = await startNodeEdgeChild(ctx.logDir, false, 'edge-memory', ctx.layout?.edge, FIXED_YOUNG_GENERATION);
      started.push(edge.child);
      const { agent, target } = await attachAgent({
        edgeUrl: edge.url, adminToken: edge.adminToken, tenantName: 'bench-memory', simUrl,
        maxInflight: 2048, logDir: ctx.logDir, name: 'agent-memory', cpus: ctx.layout?.agent, nodeArgs: FIXED_YOUNG_GENERATION,
      });
      started.push(agent);
      // Quick mode charges the marginal and heap figures only, which need neither the wait nor the warm-up.
      // It also waits at most 3 s for RSS to settle (full mode: 25 s), to keep within its minute.
      const viaChild = (name: string, c: BenchChild) => ({ name, probe: () => settledProbe(c, ctx.quick ? 0 : 12_000, ctx.quick ? 3 : 25) });
      measuredTargets.push({ t: { name: 'node', ...target }, procs: [viaChild('edge', edge.child), viaChild('agent', agent)] });
    }
    // Quick mode leaves out the references: it keeps the run within its minute.
    if (!ctx.quick && ctx.hosts.includes('node')) {
      // The floor (bench/child-floor.ts) with the edge's heap settings: what the design's
      // Node HTTP and WebSocket objects hold per stream before any of the project's own.
      const closers: BenchChild[] = [];
      const floor = await startFloor(ctx, simUrl, [], 'memory', closers, FIXED_YOUNG_GENERATION);
      started.push(...closers);
      const viaChild = (name: string, c: BenchChild) => ({ name, probe: () => settledProbe(c, 12_000, 25) });
      measuredTargets.push({ t: floor, procs: [viaChild('floor edge', floor.children.edge), viaChild('floor agent', floor.children.agent)] });
    }
    if (!ctx.quick) {
      const refs = await startReferences(ctx, simUrl, undefined, 'memory', { pipes: false, nginx: true });
      started.push(...refs.closers);
      const { proxy } = refs;
      const nginx = refs.targets.find((t) => t.name === 'nginx');
      if (proxy && nginx) measuredTargets.push({ t: nginx, procs: [{ name: 'nginx', probe: async () => ({ rss: proxy.probe().rss, heap: Number.NaN, young: 0 }) }] });
    }

    const rows: MemoryRow[] = [];
    const errors: string[] = [];
    let opened = 0;
    const spec = (t: Target) => ({ url: t.url, path: '/v1/chat/completions', headers: t.headers, body: chatBody(1000) });
    for (const { t, procs } of measuredTargets) {
      await waitRoutable(ctx, t, 60_000);
      // One full cycle first, so one-off growth (compiled code, the young generation's pages,
      // socket and parser pools) is in the idle figure, not charged to the streams.
      if (!ctx.quick) {
        ctx.progress(`memory: warming with ${n} streams via ${t.name}`);
        await ctx.load.call('hold', { spec: spec(t), count: n, openTimeoutMs: 60_000 });
        await ctx.load.call('release');
      }
      const idle = await Promise.all(procs.map((p) => p.probe()));
      const half = Math.floor(n / 2);
      let count = 0;
      const hold = async (k: number) => {
        ctx.progress(`memory: holding ${count + k} paused streams via ${t.name}`);
        const h = await ctx.load.call<{ opened: number; failed: number; errors: string[] }>('hold', { spec: spec(t), count: k, openTimeoutMs: 60_000 });
        if (h.errors.length) errors.push(`${t.name}: ${h.errors.join('; ')}`);
        count += h.opened;
        await settle(1000);
        return Promise.all(procs.map((p) => p.probe()));
      };
      const mid = await hold(half);
      const countHalf = count;
      const busy = await hold(n - half);
      if (t.name === 'node') opened = count;
      procs.forEach((p, i) => {
        const rssPerStream = (busy[i].rss - idle[i].rss) / Math.max(1, count);
        const heapPerStream = (busy[i].heap - idle[i].heap) / Math.max(1, count);
        const marginalRssPerStream = (busy[i].rss - mid[i].rss) / Math.max(1, count - countHalf);
        const youngPerStream = (busy[i].young - mid[i].young) / Math.max(1, count - countHalf);
        const marginalLessYoung = marginalRssPerStream - youngPerStream;
        const heapCharged = Number.isFinite(heapPerStream) && heapPerStream > marginalLessYoung;
        rows.push({
          process: p.name, streams: count, idleRss: idle[i].rss, halfRss: mid[i].rss, heldRss: busy[i].rss,
          rssPerStream, marginalRssPerStream, youngPerStream, marginalLessYoung, heapPerStream, heapCharged,
          perStream: heapCharged ? heapPerStream : marginalLessYoung,
        });
      });
      await ctx.load.call('release');
    }
    // Every held stream was cancelled by its client; the simulator should be empty again.
    let left = 0;
    for (let i = 0; i < 50; i++) {
      left = (await sim.call<{ running: number; waiting: number }>('engine')).running;
      if (left === 0) break;
      await settle(100);
    }
    return { streams: n, warmed: !ctx.quick, opened, rows, leftRunningAfterRelease: left, errors };
  } finally {
    await closeAll(started);
  }
}

export function printMemory(res: MemoryResult): string {
  const cols = [
    { header: 'process', align: 'left' as const }, { header: 'streams' }, { header: 'RSS idle' }, { header: 'RSS half' }, { header: 'RSS held' },
    { header: 'RSS/stream' }, { header: 'marginal' }, { header: 'young' }, { header: 'marginal − young' }, { header: 'heap+ext/stream' }, { header: 'charged' },
    { header: '', align: 'left' as const },
  ];
  const rows = res.rows.map((r) => [
    r.process, r.streams, bytes(r.idleRss), bytes(r.halfRss), bytes(r.heldRss), bytes(r.rssPerStream), bytes(r.marginalRssPerStream),
    bytes(r.youngPerStream), bytes(r.marginalLessYoung), bytes(r.heapPerStream), bytes(r.perStream), r.heapCharged ? '(heap)' : '(marginal − young)',
  ]);
  return [
    heading(`3b. Memory per in-flight stream: ${res.streams} streams held open, readers paused (after GC)`),
    formatTable(cols, rows),
    '  RSS/stream: (held − idle) / streams, one-off growth included. marginal: (held − half) / (streams / 2). young: the same for',
    '  the resident pages of V8\'s young generation, empty after the full GC before each probe. heap+ext: V8 live heap and Buffers,',
    '  (held − idle) / streams. charged: the larger of marginal − young and heap+ext (see bench/README.md).',
    `  Edge and agent run with a fixed young generation (--min/max-semi-space-size=16)${res.warmed ? ', after one warm-up cycle of as many streams' : '; no warm-up (quick): RSS/stream includes one-off growth'}.`,
    `  Simulator sequences still running within 5 s of the clients aborting: ${res.leftRunningAfterRelease} (0: every cancel reached the upstream).`,
    ...res.errors.map((e) => `  ERROR ${e}`),
  ].join('\n');
}
