// `npm run soak` (not part of npm test): through one agent, 1,000 concurrent
// streams, then 20,000 requests, printing the edge's and the agent's RSS over
// time, on each host of `--hosts node,workers` (default: node). Real processes,
// as in the e2e suites: the vllama CLI (or `wrangler dev`), agent and simulator.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Agent, fetch as undiciFetch } from 'undici';
import { createTenant, MODEL, startAgentProcess, startEdgeAndSim, waitForModel, type HostKind } from '../support/stack';

const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: 'node' },
    streams: { type: 'string', default: '1000' },
    requests: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '100' },
  },
});
const STREAMS = Number(values.streams);
const REQUESTS = Number(values.requests);
const CONCURRENCY = Number(values.concurrency);

/** Resident set of processes, in MiB (Linux /proc). */
function rssMiB(pids: number[]): number {
  let kib = 0;
  for (const pid of pids) {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) kib += Number(m[1]);
    } catch {
      // exited
    }
  }
  return Math.round(kib / 1024);
}

async function soak(kind: HostKind): Promise<void> {
  const [edge, sim] = await startEdgeAndSim(kind, { queueTimeoutS: 120 }, ['--step-base-ms', '5', '--step-per-seq-ms', '0']);
  const tenant = await createTenant(edge);
  const agent = await startAgentProcess(edge, tenant, sim.url, ['--max-inflight', '1024']);
  await waitForModel(edge, tenant);
  // The Node edge is one process; the Workers host is wrangler and its two workerd processes.
  const host = edge as typeof edge & { child?: { proc: { pid?: number } }; pids?: () => number[] };
  const pidsOfEdge = (): number[] => host.pids?.() ?? (host.child?.proc.pid ? [host.child.proc.pid] : []);
  const agentPid = agent.proc.pid!;
  const dispatcher = new Agent({ connections: Math.max(STREAMS, CONCURRENCY), pipelining: 1 });
  const url = `${edge.url}/v1/chat/completions`;
  const headers = { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' };
  const t0 = performance.now();
  let phase = 'idle';
  let done = 0;
  let failed = 0;
  const samples: { t: number; phase: string; edge: number; agent: number }[] = [];
  const sample = () => {
    const s = { t: (performance.now() - t0) / 1000, phase, edge: rssMiB(pidsOfEdge()), agent: rssMiB([agentPid]) };
    samples.push(s);
    console.log(`[${kind}] t=${s.t.toFixed(1).padStart(6)} s  ${phase.padEnd(8)} done=${String(done).padStart(6)} failed=${failed}  edge RSS ${s.edge} MiB  agent RSS ${s.agent} MiB`);
  };
  sample();
  const timer = setInterval(sample, 2000);

  const one = async (stream: boolean, maxTokens: number) => {
    try {
      const res = await undiciFetch(url, {
        method: 'POST',
        headers,
        dispatcher,
        body: JSON.stringify({ model: MODEL, stream, max_tokens: maxTokens, ignore_eos: true, messages: [{ role: 'user', content: `soak ${done}` }] }),
      });
      const text = await res.text();
      if (res.status !== 200 || (stream && !text.includes('[DONE]'))) failed++;
    } catch {
      failed++;
    }
    done++;
  };

  phase = 'streams';
  const p1 = performance.now();
  await Promise.all(Array.from({ length: STREAMS }, () => one(true, 50)));
  const streamsS = (performance.now() - p1) / 1000;
  sample();

  phase = 'requests';
  done = 0;
  const p2 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < REQUESTS) await one(false, 5);
    }),
  );
  const requestsS = (performance.now() - p2) / 1000;
  sample();
  clearInterval(timer);

  const of = (p: string) => samples.filter((s) => s.phase === p);
  const peak = (p: string, k: 'edge' | 'agent') => Math.max(...of(p).map((s) => s[k]));
  console.log(
    `[${kind}] summary: ${STREAMS} concurrent streams in ${streamsS.toFixed(1)} s, ${REQUESTS} requests (${CONCURRENCY} at a time) in ${requestsS.toFixed(1)} s ` +
      `(${Math.round(REQUESTS / requestsS)}/s), ${failed} failed; RSS edge ${samples[0].edge} → peak ${peak('streams', 'edge')} (streams) / ${peak('requests', 'edge')} (requests) → ${samples.at(-1)!.edge} MiB; ` +
      `agent ${samples[0].agent} → ${peak('streams', 'agent')} / ${peak('requests', 'agent')} → ${samples.at(-1)!.agent} MiB`,
  );
  await dispatcher.close();
  await agent.stop();
  await sim.stop();
  await edge.close();
  if (failed > 0) process.exitCode = 1;
}

for (const kind of values.hosts!.split(',') as HostKind[]) await soak(kind);
