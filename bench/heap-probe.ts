// What one held stream keeps alive in the edge and the agent (issue 17's memory
// target), by V8 heap snapshot: N streams are held open with paused readers
// against a simulator making one token a second, and each process's live
// objects are compared with idle, per constructor, per stream. Not part of
// `npm run bench`; the memory workload (3b) gives the figure, this says what it is.
//   npx tsx bench/heap-probe.ts      (N=streams, TOP=rows)
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchChild } from './processes';
import { spawnChild } from './processes';
import { attachAgent, closeAll, startNodeEdgeChild, startSimChild } from './stack';
import { chatBody, CHAT_PATH } from './workloads/context';

const n = Number(process.env.N ?? 400);
const top = Number(process.env.TOP ?? 25);
const logDir = mkdtempSync(join(tmpdir(), 'heap-'));

/** Self bytes and counts per `type:name` of a snapshot's nodes. */
function census(path: string): Map<string, { bytes: number; count: number }> {
  const snap = JSON.parse(readFileSync(path, 'utf8')) as { snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }; nodes: number[]; strings: string[] };
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [ti, ni, si] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const out = new Map<string, { bytes: number; count: number }>();
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const type = types[snap.nodes[i + ti]];
    const name = type === 'object' || type === 'closure' || type === 'native' ? snap.strings[snap.nodes[i + ni]] : '';
    const key = `${type}:${name.slice(0, 60)}`;
    const e = out.get(key) ?? { bytes: 0, count: 0 };
    e.bytes += snap.nodes[i + si];
    e.count++;
    out.set(key, e);
  }
  return out;
}

const snapshot = async (c: BenchChild, tag: string) => census(await c.call<string>('heapSnapshot', join(logDir, `${c.name}-${tag}.heapsnapshot`)));

const sim = await startSimChild(logDir, 'sim', { stepBaseMs: 1000, stepPerSeqMs: 0, prefillPerTokenMs: 0, maxNumSeqs: 4096 });
const edge = await startNodeEdgeChild(logDir, false);
const { agent, target } = await attachAgent({ edgeUrl: edge.url, adminToken: edge.adminToken, tenantName: 'h', simUrl: String(sim.info.url), maxInflight: 4096, logDir, name: 'agent' });
const load = await spawnChild({ name: 'loadgen', script: 'child-load.ts', logDir });
const spec = { url: target.url, path: CHAT_PATH, headers: target.headers, body: chatBody(1000) };
await new Promise((r) => setTimeout(r, 1000));
// A cycle first, so pools and compiled code are in the idle figure.
await load.call('hold', { spec, count: n, openTimeoutMs: 60_000 });
await load.call('release');
await new Promise((r) => setTimeout(r, 2000));
const idle = [await snapshot(edge.child, 'idle'), await snapshot(agent, 'idle')];
const held = await load.call<{ opened: number }>('hold', { spec, count: n, openTimeoutMs: 60_000 });
await new Promise((r) => setTimeout(r, 1000));
const busy = [await snapshot(edge.child, 'held'), await snapshot(agent, 'held')];
for (const [i, name] of ['edge', 'agent'].entries()) {
  const rows = [...busy[i]].map(([key, b]) => {
    const a = idle[i].get(key) ?? { bytes: 0, count: 0 };
    return { key, bytes: (b.bytes - a.bytes) / held.opened, count: (b.count - a.count) / held.opened };
  });
  const total = rows.reduce((s, r) => s + r.bytes, 0);
  console.log(`\n== ${name}: ${(total / 1024).toFixed(2)} KiB of live heap per held stream (${held.opened} held)`);
  for (const r of rows.sort((x, y) => y.bytes - x.bytes).slice(0, top)) console.log(`${r.bytes.toFixed(0).padStart(7)} B ${r.count.toFixed(2).padStart(6)}×  ${r.key}`);
}
await load.call('release');
await closeAll([sim, edge.child, agent, load]);
