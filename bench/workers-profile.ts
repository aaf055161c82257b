// A CPU profile of the Worker and its Durable Objects under `wrangler dev`
// (issue 17: where the relay inside the DO spends its time), taken through
// workerd's inspector while 1-token streams go through the Workers edge.
// Not part of `npm run bench`.   npx tsx bench/workers-profile.ts   (N, CONC, TOP;
// TOKENS=50 STEPPED=1: the batch workload's 50-token streams from a simulator with its calibrated step times)
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { runLoad } from './load';
import { topFunctions } from './profile-summary';
import { attachAgent, closeAll, startSimChild } from './stack';
import { chatBody, CHAT_PATH } from './workloads/context';
import { listeningPortsByPid, startWorkersEdge } from '../test/hosts/workers-host';

const n = Number(process.env.N ?? 3000);
const concurrency = Number(process.env.CONC ?? 10);
const tokens = Number(process.env.TOKENS ?? 1);
const logDir = mkdtempSync(join(tmpdir(), 'workers-profile-'));
const sim = await startSimChild(logDir, 'sim', process.env.STEPPED === '1' ? { maxNumSeqs: 1024 } : { stepBaseMs: 0, stepPerSeqMs: 0, prefillPerTokenMs: 0, maxNumSeqs: 1024 });
const workers = await startWorkersEdge({ queueTimeoutMs: 120_000, testHooks: false });
const workerUrl = await workers.workerUrl();
const { agent, target } = await attachAgent({ edgeUrl: workerUrl, adminToken: workers.adminToken, tenantName: 'w', simUrl: String(sim.info.url), maxInflight: 1024, logDir, name: 'agent' });

/** The inspector of the workerd that runs the Worker (the one started with --inspector-addr). */
async function inspectorSocket(): Promise<WebSocket> {
  const pgid = workers.pids()[0];
  for (const [pid, ports] of listeningPortsByPid(pgid)) {
    if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--inspector-addr')) continue;
    for (const port of ports) {
      const list = await fetch(`http://127.0.0.1:${port}/json/list`).then((r) => (r.ok ? r.json() : undefined), () => undefined) as { id: string; webSocketDebuggerUrl?: string }[] | undefined;
      const target = list?.find((t) => t.id.includes('vllama')) ?? list?.[0];
      const url = target?.webSocketDebuggerUrl ?? (list ? `ws://127.0.0.1:${port}/core:user:vllama` : undefined);
      if (!url) continue;
      const ws = new WebSocket(url);
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      return ws;
    }
  }
  throw new Error('no workerd inspector found');
}

const ws = await inspectorSocket();
let nextId = 1;
const pending = new Map<number, (v: unknown) => void>();
ws.on('message', (data) => {
  const msg = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: unknown };
  if (msg.id !== undefined) pending.get(msg.id)?.(msg.error ? Promise.reject(new Error(JSON.stringify(msg.error))) : msg.result);
});
const call = <T>(method: string, params: object = {}) =>
  new Promise<T>((resolve) => {
    const id = nextId++;
    pending.set(id, resolve as (v: unknown) => void);
    ws.send(JSON.stringify({ id, method, params }));
  });

const spec = (total: number) => ({ url: target.url, path: CHAT_PATH, headers: target.headers, body: chatBody(tokens), concurrency, total });
await runLoad(spec(1000));
await call('Profiler.enable');
await call('Profiler.setSamplingInterval', { interval: 100 });
await call('Profiler.start');
const r = await runLoad(spec(n));
const { profile } = await call<{ profile: Parameters<typeof topFunctions>[0] }>('Profiler.stop');
console.log(`${r.ok}/${r.requests} ok, ${(r.requests / (r.wallMs / 1000)).toFixed(0)} req/s, ${(r.tokens / (r.wallMs / 1000)).toFixed(0)} tokens/s, ${(r.tokens / Math.max(1, r.chunks)).toFixed(2)} tokens per chunk`);
const top = topFunctions(profile, Number(process.env.TOP ?? 40));
console.log(`\n== workerd (the Worker and its DOs) ${top.totalMs.toFixed(0)} ms sampled, ${((top.totalMs * 1000) / r.requests).toFixed(0)} µs per request${tokens > 1 ? `, ${((top.totalMs * 1000) / Math.max(1, r.tokens)).toFixed(1)} µs per token` : ''}`);
for (const x of top.functions) console.log(`${x.selfMs.toFixed(0).padStart(7)} ${(x.share * 100).toFixed(1).padStart(5)}% ${x.name.padEnd(32)} ${x.where}`);
console.log('  -- inclusive');
for (const x of top.inclusive) console.log(`${x.totalMs.toFixed(0).padStart(7)} ${(x.share * 100).toFixed(1).padStart(5)}% ${x.name.padEnd(32)} ${x.where}`);
ws.close();
await closeAll([agent, workers, sim]);
