// The fix loop's quick probe (issue 17): CPU per request of the simulator, the
// Node edge and the agent for 1-token streams at 10 concurrent, direct and
// bridged, from each process's own accounting; --profile adds their top
// functions, and the floor reference (bench/child-floor.ts) beside them. Not
// part of `npm run bench`: a minute on any machine, no pinning.
//   npx tsx bench/request-cost.ts [--profile]      (N=requests, TOP=rows, PIN=1: a core per process,
//   PROF_INTERVAL=100: sample every 100 µs rather than 1 ms, for a flat profile of short functions)
// TOKENS=1000 CONC=100 N=400 measures per token instead (the relay workload's streams); BRIDGE_NODE_ARGS="--flag" runs
// the edge and agent with Node/V8 flags, to try one (--max-semi-space-size=64: no effect beyond noise, round 6).
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { canPin, layout, pin } from './affinity';
import { join } from 'node:path';
import { runLoad } from './load';
import { topFunctions } from './profile-summary';
import type { BenchChild } from './processes';
import { startFloor } from './references';
import { attachAgent, childProbe, closeAll, startNodeEdgeChild, startSimChild } from './stack';
import { chatBody, CHAT_PATH } from './workloads/context';

/** Read and write syscalls so far (/proc/PID/io): writes per request show what coalesces and what does not. */
const syscalls = (pid: number) => {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  return { r: Number(/syscr: (\d+)/.exec(io)?.[1] ?? 0), w: Number(/syscw: (\d+)/.exec(io)?.[1] ?? 0) };
};

const prof = process.argv.includes('--profile');
const n = Number(process.env.N ?? 6000);
const tokens = Number(process.env.TOKENS ?? 1);
const concurrency = Number(process.env.CONC ?? 10);
const logDir = mkdtempSync(join(tmpdir(), 'perreq-'));
// PIN=1 on 4+ cores: a core per process as `npm run bench` lays them out (this process is the load generator).
const cores = process.env.PIN === '1' && canPin() ? layout(cpus().length) : undefined;
if (cores) pin(process.pid, cores.loadgen);
const sim = await startSimChild(logDir, 'sim', { stepBaseMs: 0, stepPerSeqMs: 0, prefillPerTokenMs: 0, maxNumSeqs: 1024 }, cores?.sim);
// BRIDGE_NODE_ARGS: V8/Node flags for the edge and agent (e.g. "--max-semi-space-size=64"), to try one.
const bridgeArgs = process.env.BRIDGE_NODE_ARGS?.split(' ').filter(Boolean);
const edge = await startNodeEdgeChild(logDir, prof, 'edge', cores?.edge, bridgeArgs);
const simUrl = String(sim.info.url);
const { agent, target } = await attachAgent({ edgeUrl: edge.url, adminToken: edge.adminToken, tenantName: 'p', simUrl, maxInflight: 1024, logDir, name: 'agent', cpuProf: prof, cpus: cores?.agent, nodeArgs: bridgeArgs });
const probes = [childProbe('sim', sim), childProbe('edge', edge.child), childProbe('agent', agent)];
const spec = (url: string, headers: Record<string, string>, total: number) => ({ url, path: CHAT_PATH, headers, body: chatBody(tokens), concurrency, total });
const closers: BenchChild[] = [];
// The floor (bench/child-floor.ts): the design's bare HTTP ↔ WebSocket ↔ HTTP cost, beside the bridge.
const floor = await startFloor({ logDir, layout: cores }, simUrl, [], 'cost', closers);
await new Promise((r) => setTimeout(r, 500));
const runs: [string, string, Record<string, string>, typeof probes][] = [
  ['direct', simUrl, {}, probes],
  ['bridge', target.url, target.headers, probes],
  ['floor', floor.url, {}, [probes[0], ...(floor.probes ?? [])]],
];
for (const [name, url, headers, probes] of runs) {
  await runLoad(spec(url, headers, Math.max(concurrency, Math.min(2000, n))));
  const pids = name === 'floor' ? [sim.pid, ...closers.map((c) => c.pid)] : [sim.pid, edge.child.pid, agent.pid];
  const b = await Promise.all(probes.map((p) => p.read()));
  const sb = pids.map(syscalls);
  const r = await runLoad(spec(url, headers, n));
  const a = await Promise.all(probes.map((p) => p.read()));
  const sa = pids.map(syscalls);
  const sys = probes.map((p, i) => `${p.name} ${((sa[i].r - sb[i].r) / r.ok).toFixed(2)}r/${((sa[i].w - sb[i].w) / r.ok).toFixed(2)}w`).join('  ');
  const per = probes.map((p, i) => `${p.name} ${((a[i].cpuUs - b[i].cpuUs) / r.ok).toFixed(0)}`).join('  ');
  const gc = probes.flatMap((p, i) => {
    if (a[i].gcMs === undefined || b[i].gcMs === undefined) return [];
    const gcUs = (a[i].gcMs - b[i].gcMs) * 1000;
    return [`${p.name} ${(gcUs / Math.max(1, r.ok)).toFixed(1)} (${((100 * gcUs) / Math.max(1, a[i].cpuUs - b[i].cpuUs)).toFixed(0)} %)`];
  }).join('  ');
  const perToken = probes.map((p, i) => `${p.name} ${((a[i].cpuUs - b[i].cpuUs) / Math.max(1, r.tokens)).toFixed(2)}`).join('  ');
  console.log(`${name}: ${r.ok}/${r.requests} ok, ${(r.ok / (r.wallMs / 1000)).toFixed(0)} req/s, µs/req: ${per}${tokens > 1 ? `; ${(r.tokens / (r.wallMs / 1000)).toFixed(0)} tok/s, µs/token: ${perToken}, ${(r.tokens / Math.max(1, r.chunks)).toFixed(2)} tok/chunk` : ''}  ${r.errors.join(';')}`);
  console.log(`  syscalls/req: ${sys}`);
  if (gc) console.log(`  GC pause µs/req (share of CPU): ${gc}`);
}
await closeAll([sim, edge.child, agent, ...closers]);
if (prof) {
  for (const d of ['prof-edge', 'prof-agent']) {
    const dir = join(logDir, d);
    for (const f of readdirSync(dir).filter((x) => x.includes('.0.'))) {
      const top = topFunctions(JSON.parse(readFileSync(join(dir, f), "utf8")), Number(process.env.TOP ?? 40));
      console.log(`\n== ${d} ${top.totalMs.toFixed(0)} ms`);
      for (const x of top.functions) console.log(`${x.selfMs.toFixed(0).padStart(7)} ${(x.share * 100).toFixed(1).padStart(5)}% ${x.name.padEnd(32)} ${x.where}`);
      console.log('  -- inclusive');
      for (const x of top.inclusive) console.log(`${x.totalMs.toFixed(0).padStart(7)} ${(x.share * 100).toFixed(1).padStart(5)}% ${x.name.padEnd(32)} ${x.where}`);
    }
  }
}
