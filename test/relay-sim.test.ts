// The relay against the real vLLM simulator (sim/), as vLLM would be behind it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimServer } from '../sim/server';
import { startAgent, type RunningAgent } from '../agent/index';
import { startFakeEdge, type EdgeConnection, type FakeEdge } from './support/fake-edge';

const model = 'facebook/opt-125m';
let sim: SimServer;
let edge: FakeEdge;
let agent: RunningAgent;
let conn: EdgeConnection;

beforeAll(async () => {
  sim = await startSim({ port: 0, models: [model] });
  edge = await startFakeEdge();
  agent = await startAgent({ edge: edge.url, token: edge.token, upstream: sim.url, log: () => {} });
  conn = await edge.connection();
  await agent.ready;
});
afterAll(async () => {
  await agent.close();
  await edge.close();
  await sim.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const contents = (sse: string) => [...sse.matchAll(/^data: (\{.*\})$/gm)].map((m) => JSON.parse(m[1]).choices[0]?.delta?.content ?? '').join('');

async function abortCount(): Promise<number> {
  const text = await (await fetch(`${sim.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('vllm:request_success_total{') && l.includes('finished_reason="abort"'));
  return Number(line?.split(' ').pop() ?? 0);
}

describe('relay to the simulator', () => {
  it('hello carries the models the simulator lists', async () => {
    expect((await conn.hello()).models).toEqual([model]);
  });

  it('relays a streamed chat with exact usage and the same text a direct client gets', async () => {
    const body = { model, messages: [{ role: 'user', content: 'Explain quantum computing' }], max_tokens: 30, stream: true };
    const relayed = await conn.result(conn.open({ headers: { 'content-type': 'application/json' } }, JSON.stringify(body)));
    const direct = await (await fetch(`${sim.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...body, stream_options: { include_usage: true } }) })).text();
    const text = relayed.body.toString();
    expect(text).not.toContain('"usage"');
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(contents(text)).toBe(contents(direct));
    const usage = JSON.parse(direct.match(/^data: (\{.*"usage":\{.*\})$/m)![1]).usage;
    expect(relayed.usage).toEqual({ prompt_tokens: usage.prompt_tokens, completion_tokens: 30 });
  });

  it('makes the simulator count an abort within a second of cancel', async () => {
    const before = await abortCount();
    const body = { model, messages: [{ role: 'user', content: 'long' }], max_tokens: 1500, stream: true };
    const id = conn.open({ headers: { 'content-type': 'application/json' } }, JSON.stringify(body));
    while (conn.received(id) === 0) await sleep(5);
    conn.cancel(id);
    const start = Date.now();
    while ((await abortCount()) === before && Date.now() - start < 1000) await sleep(20);
    expect(await abortCount()).toBe(before + 1);
  });

  it('serves 100 concurrent streams, each complete', async () => {
    const ids = Array.from({ length: 100 }, (_, i) =>
      conn.open({ headers: { 'content-type': 'application/json' } }, JSON.stringify({ model, messages: [{ role: 'user', content: `p${i}` }], max_tokens: 50, stream: true })),
    );
    const results = await Promise.all(ids.map((id) => conn.result(id)));
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(r.usage?.completion_tokens).toBe(50);
    }
  });
});
