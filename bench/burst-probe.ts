// Quick probe for a burst (issue 17's batch target): N streamed requests sent at
// once, direct, through the bridge and through the floor, against an upstream in
// this process that streams 20 tokens 4 ms apart. Prints when the requests
// reached the upstream and when their first bytes reached the client, from the
// burst's start: a bridge that holds a burst back shows late, clumped arrivals.
// Not part of `npm run bench`.
//   npx tsx bench/burst-probe.ts      (N=requests at once, REPS=rounds per target)
import { Agent, createServer, request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFloor } from './references';
import { attachAgent, closeAll, startNodeEdgeChild } from './stack';
import { chatBody, CHAT_PATH, MODEL } from './workloads/context';

const n = Number(process.env.N ?? 100);
const reps = Number(process.env.REPS ?? 2);
const now = () => performance.now();
const sse = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;
const chunk = (delta: Record<string, string>, finish: string | null) =>
  sse({ id: 'chatcmpl-burst', object: 'chat.completion.chunk', created: 1, model: MODEL, choices: [{ index: 0, delta, finish_reason: finish }] });

let arrivals: number[] = [];
const upstream = createServer((req, res) => {
  const at = now();
  req.resume();
  req.on('end', () => {
    if (req.url === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: MODEL, object: 'model', max_model_len: 2048 }] }));
      return;
    }
    if (req.url !== CHAT_PATH) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    arrivals.push(at);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let sent = 0;
    const step = () => {
      if (sent++ < 20) {
        res.write(chunk({ content: 'x' }, null));
        setTimeout(step, 4);
      } else res.end(`${chunk({}, 'length')}data: [DONE]\n\n`);
    };
    setTimeout(step, 4);
  });
});
await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
const upstreamUrl = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
const logDir = mkdtempSync(join(tmpdir(), 'burst-'));
const edge = await startNodeEdgeChild(logDir, false);
const { agent, target } = await attachAgent({ edgeUrl: edge.url, adminToken: edge.adminToken, tenantName: 'p', simUrl: upstreamUrl, maxInflight: 1024, logDir, name: 'agent' });
const closers: { close(): Promise<void> }[] = [];
const floor = await startFloor({ logDir }, upstreamUrl, [], 'burst', closers);
const body = chatBody(20);

/** One streamed request; resolves to when its first body byte came. */
function one(pool: Agent, url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(CHAT_PATH, url);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent: pool, headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let first = 0;
      res.on('data', () => (first ||= now()));
      res.on('end', () => resolve(first));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const at = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const spread = (xs: number[]) => `${at(xs, 0).toFixed(1)} / ${at(xs, 0.5).toFixed(1)} / ${at(xs, 1).toFixed(1)}`;
console.log(`${n} requests at once; ms from the burst's start, first / median / last`);
const targets = [['direct', upstreamUrl, {}], ['bridge', target.url, target.headers], ['floor', floor.url, {}]] as const;
for (let rep = 0; rep < reps; rep++) {
  for (const [name, url, headers] of targets) {
    const pool = new Agent({ keepAlive: true, maxSockets: Infinity });
    await Promise.all(Array.from({ length: n }, () => one(pool, url, headers))); // the connections open first
    arrivals = [];
    const start = now();
    const firsts = await Promise.all(Array.from({ length: n }, () => one(pool, url, headers)));
    const wall = now() - start;
    console.log(`${name.padEnd(7)} reached the upstream ${spread(arrivals.map((t) => t - start))}   first byte ${spread(firsts.map((t) => t - start))}   all done ${wall.toFixed(1)}`);
    pool.destroy();
  }
}
await closeAll([edge.child, agent, ...closers]);
upstream.close();
