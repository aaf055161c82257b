// Quick probe for sequential added latency (issue 17): one request at a time,
// direct and bridged, with the simulator's default timing; prints e2e and TTFT
// percentiles and the bridge's added ms. Not part of `npm run bench`.
//   npx tsx bench/latency-probe.ts      (N=requests, TOKENS=tokens per request)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoad } from './load';
import { summarize } from './stats';
import { startFloor } from './references';
import { attachAgent, closeAll, startNodeEdgeChild, startSimChild } from './stack';
import { chatBody, CHAT_PATH } from './workloads/context';

const n = Number(process.env.N ?? 200);
const tokens = Number(process.env.TOKENS ?? 50);
const logDir = mkdtempSync(join(tmpdir(), 'latency-'));
const sim = await startSimChild(logDir, 'sim', {});
const edge = await startNodeEdgeChild(logDir, false);
const simUrl = String(sim.info.url);
const { agent, target } = await attachAgent({ edgeUrl: edge.url, adminToken: edge.adminToken, tenantName: 'p', simUrl, maxInflight: 256, logDir, name: 'agent' });
const closers: { close(): Promise<void> }[] = [];
const floor = await startFloor({ logDir }, simUrl, [], 'latency', closers);
const targets = [['direct', simUrl, {}], ['bridge', target.url, target.headers], ['floor', floor.url, {}]] as const;
const e2e = new Map<string, number[]>();
const ttft = new Map<string, number[]>();
for (const [name, url, headers] of targets) await runLoad({ url, path: CHAT_PATH, headers, body: chatBody(tokens), concurrency: 1, total: 5 });
for (let done = 0; done < n; done += 10) {
  for (const [name, url, headers] of targets) {
    const r = await runLoad({ url, path: CHAT_PATH, headers, body: chatBody(tokens), concurrency: 1, total: 10 });
    e2e.set(name, [...(e2e.get(name) ?? []), ...r.e2eMs]);
    ttft.set(name, [...(ttft.get(name) ?? []), ...r.ttftMs]);
  }
}
const d = summarize(e2e.get('direct')!);
const dt = summarize(ttft.get('direct')!);
for (const name of ['bridge', 'floor']) {
  const b = summarize(e2e.get(name)!);
  const bt = summarize(ttft.get(name)!);
  console.log(`${name}: e2e p50 ${d.p50.toFixed(2)} → ${b.p50.toFixed(2)} ms (+${(b.p50 - d.p50).toFixed(2)}), p99 ${d.p99.toFixed(2)} → ${b.p99.toFixed(2)} (+${(b.p99 - d.p99).toFixed(2)}); ttft p50 +${(bt.p50 - dt.p50).toFixed(2)} ms`);
}
await closeAll([sim, edge.child, agent, ...closers]);
