// Where the Workers host's time goes (issue 17): CPU per request of each
// process under `wrangler dev` — wrangler's Node process and each workerd —
// beside the Node edge, for the same 1-token streams, plus two requests that
// stop early: one the Worker answers itself (no Durable Object) and one the
// tenant's Durable Object refuses (a wrong key: Worker → DO hop, no relay).
// Not part of `npm run bench`; a few minutes on any machine, unpinned.
//   npx tsx bench/workers-cost.ts      (N=requests per row, CONC=concurrency;
//   TOKENS=50 STEPPED=1: the batch workload's streams from the calibrated simulator, CPU per token too;
//   DO_FLOOR=1: runs the test entry and adds a row where the tenant's object streams TOKENS chunks
//   itself, 4 ms apart, with no agent: workerd's own cost per streamed chunk, the Workers floor (and a row
//   where the Worker streams them itself, without the hop to the object);
//   LOG_LEVEL=warn: the Worker runs with that variable, so without its line per request)
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoad } from './load';
import { procCpuUs } from './proc-stat';
import { attachAgent, childProbe, closeAll, startNodeEdgeChild, startSimChild } from './stack';
import { chatBody, CHAT_PATH } from './workloads/context';

const n = Number(process.env.N ?? 3000);
const concurrency = Number(process.env.CONC ?? 10);
const tokens = Number(process.env.TOKENS ?? 1);
const logDir = mkdtempSync(join(tmpdir(), 'workers-cost-'));
const sim = await startSimChild(logDir, 'sim', process.env.STEPPED === '1' ? { maxNumSeqs: 1024 } : { stepBaseMs: 0, stepPerSeqMs: 0, prefillPerTokenMs: 0, maxNumSeqs: 1024 });
const simUrl = String(sim.info.url);
const node = await startNodeEdgeChild(logDir, false);
const nodeSide = await attachAgent({ edgeUrl: node.url, adminToken: node.adminToken, tenantName: 'n', simUrl, maxInflight: 1024, logDir, name: 'agent-node' });
const { startWorkersEdge } = await import('../test/hosts/workers-host');
const doFloor = process.env.DO_FLOOR === '1';
// LOG_LEVEL=warn: the Worker without its line per request (the variable as a deployment sets it).
const workers = await startWorkersEdge({ queueTimeoutMs: 120_000, testHooks: doFloor, vars: process.env.LOG_LEVEL ? { LOG_LEVEL: process.env.LOG_LEVEL } : undefined });
const workerUrl = await workers.workerUrl();
const workersSide = await attachAgent({ edgeUrl: workerUrl, adminToken: workers.adminToken, tenantName: 'w', simUrl, maxInflight: 1024, logDir, name: 'agent-workers' });

/** A process's name for the table: wrangler's Node, or workerd with its role. */
const label = (pid: number) => {
  const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  return cmd.includes('workerd') ? `workerd ${pid}` : cmd.includes('wrangler') ? `wrangler ${pid}` : `${cmd.split(' ')[0].split('/').pop()} ${pid}`;
};
const pids = workers.pids();
const probes = [
  childProbe('sim', sim), childProbe('edge', node.child), childProbe('agent-node', nodeSide.agent), childProbe('agent-workers', workersSide.agent),
  ...pids.map((pid) => ({ name: label(pid), read: async () => ({ cpuUs: procCpuUs(pid) }) })),
];
const wrong = { authorization: 'Bearer vl_w_not-a-real-key-000000000000' };
const rows: [string, string, Record<string, string>, string][] = [
  ['direct', simUrl, {}, CHAT_PATH],
  ['node edge', node.url, nodeSide.target.headers, CHAT_PATH],
  ['workers (workerd direct)', workerUrl, workersSide.target.headers, CHAT_PATH],
  ['workers via wrangler proxy', workers.url, workersSide.target.headers, CHAT_PATH],
  ['workers, Worker only (404)', workerUrl, {}, '/no-such-route'],
  ['workers, DO refuses key (401)', workerUrl, wrong, CHAT_PATH],
  ...(doFloor
    ? ([
      ['workers floor: DO streams itself', workerUrl, {}, `/__test/stream?tenant=w&chunks=${tokens}&everyMs=4`],
      // A timer per chunk in both, as a Worker must have: their difference is the hop to the object.
      ['floor, DO, a timer per chunk', workerUrl, {}, `/__test/stream?tenant=w&chunks=${tokens}&everyMs=4&timer=own`],
      ['floor, Worker, a timer per chunk', workerUrl, {}, `/__test/worker-stream?chunks=${tokens}&everyMs=4`],
    ] as [string, string, Record<string, string>, string][])
    : []),
];
await new Promise((r) => setTimeout(r, 500));
console.log(`${n} requests per row, ${concurrency} concurrent, ${tokens}-token streams; CPU µs per request by process (procfs: 10 ms ticks, so small figures are coarse)`);
for (const [name, url, headers, path] of rows) {
  const spec = (total: number) => ({ url, path, headers, body: chatBody(tokens), concurrency, total });
  await runLoad(spec(Math.min(1000, n)));
  const before = await Promise.all(probes.map((p) => p.read()));
  const r = await runLoad(spec(n));
  const after = await Promise.all(probes.map((p) => p.read()));
  const spent = probes.map((p, i) => [p.name, after[i].cpuUs - before[i].cpuUs] as const);
  /** Each process's CPU per unit, leaving out those under `least` (not in the path). */
  const each = (units: number, least: number, digits: number) =>
    spent.filter(([, us]) => us / units >= least).map(([name, us]) => `${name} ${(us / units).toFixed(digits)}`).join(', ');
  const per = each(r.requests, 5, 0);
  const perToken = tokens > 1 && r.tokens > 0 ? `; per token: ${each(r.tokens, 0.5, 1)}` : '';
  console.log(`${name.padEnd(30)} ${String(r.ok).padStart(5)}/${r.requests} 200s, ${(r.requests / (r.wallMs / 1000)).toFixed(0).padStart(5)} req/s  ${per}${perToken}`);
}
await closeAll([workersSide.agent, workers, nodeSide.agent, node.child, sim]);
