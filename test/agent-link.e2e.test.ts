// The link between edge and agent under attack and failure, end to end on both
// edge hosts: one bad request must not cut a tenant's other streams, a hostile
// agent is closed with a reason without touching other tenants, and a request
// that failed before any response byte is served by another agent.
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PROMPT_TOKEN_SLACK } from '../edge/core/defaults';
import { controlFrame } from '../protocol/index';
import { bounded, RogueAgent } from './support/rogue-agent';
import { type Child } from './support/processes';
import {
  clientFor,
  createTenant,
  hostKinds,
  MODEL,
  startAgentProcess,
  startEdgeAndSim,
  startSimProcess,
  waitForModel,
  type EdgeUnderTest,
  type Tenant,
} from './support/stack';

type Chunk = OpenAI.Chat.Completions.ChatCompletionChunk;

async function streamTokens(client: OpenAI, maxTokens: number): Promise<{ n: number; finish: string | null }> {
  const stream = (await client.chat.completions.create({ model: MODEL, stream: true, max_tokens: maxTokens, ignore_eos: true, messages: [{ role: 'user', content: 'count' }] } as never)) as unknown as AsyncIterable<Chunk>;
  let n = 0;
  let finish: string | null = null;
  for await (const c of stream) {
    if (c.choices[0]?.delta?.content) n++;
    finish = c.choices[0]?.finish_reason ?? finish;
  }
  return { n, finish };
}

const ask = { model: MODEL, max_tokens: 5, messages: [{ role: 'user' as const, content: 'hello' }] };

describe.each(hostKinds)('the agent link on the %s edge', (kind) => {
  let edge: EdgeUnderTest;
  let sim: Child & { url: string };
  let tenant: Tenant;
  let client: OpenAI;
  const children: Child[] = [];
  const rogues: RogueAgent[] = [];

  beforeAll(async () => {
    // ~5 ms a token: a 300-token stream lasts long enough to be hit by what the tests do meanwhile.
    [edge, sim] = await startEdgeAndSim(kind, { queueTimeoutS: 8, drainTimeoutS: 4 }, ['--step-base-ms', '5', '--step-per-seq-ms', '0']);
    tenant = await createTenant(edge);
    children.push(await startAgentProcess(edge, tenant, sim.url));
    await waitForModel(edge, tenant);
    client = clientFor(edge, tenant);
  }, 120_000);

  afterEach(() => {
    for (const r of rogues.splice(0)) r.close();
  });

  afterAll(async () => {
    await Promise.all(children.map((c) => c.stop('SIGKILL')));
    await sim?.stop();
    await edge?.close();
  }, 60_000);

  it('answers a 2,100-character query string with 414 and keeps every other stream of the tenant going', async () => {
    const long = streamTokens(client, 300);
    await new Promise((r) => setTimeout(r, 300));
    const res = await fetch(`${edge.url}/v1/chat/completions?q=${'x'.repeat(2100)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(ask),
    });
    expect(res.status).toBe(414);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/URL|path/i);
    expect(await long).toEqual({ n: 300, finish: 'length' });
    const after = await client.chat.completions.create(ask);
    expect(after.choices[0].message.content?.length).toBeGreaterThan(0);
  });

  it('closes an agent that floods pings with 1008, while another tenant is served as usual', async () => {
    const other = await createTenant(edge, 'flood');
    const rogue = await RogueAgent.connect(edge, other);
    rogues.push(rogue);
    const served = Promise.all(Array.from({ length: 5 }, () => streamTokens(client, 50)));
    for (let i = 0; i < 2000 && rogue.ws.readyState === rogue.ws.OPEN; i++) {
      rogue.send(controlFrame('ping', 0, { t: i }));
      rogue.ws.send('ping');
    }
    const closed = await bounded(rogue.closed, 'the flooding agent to be closed');
    expect(closed.code).toBe(1008);
    expect(closed.reason).toMatch(/rate|flood|too many/i);
    expect(await served).toEqual(Array.from({ length: 5 }, () => ({ n: 50, finish: 'length' })));
  });

  it('closes an agent that sends a text message other than a heartbeat with 1003', async () => {
    const other = await createTenant(edge, 'text');
    const rogue = await RogueAgent.connect(edge, other);
    rogues.push(rogue);
    rogue.ws.send('hello there');
    const closed = await bounded(rogue.closed, 'the agent to be closed');
    expect(closed.code).toBe(1003);
  });

  it('strips Set-Cookie from an agent, answers an oversized response head with 502 at once, and bounds reported usage', async () => {
    const other = await createTenant(edge, 'heads');
    const rogue = await RogueAgent.connect(edge, other);
    rogues.push(rogue);
    const body = JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }] });
    rogue.handler = (req, agent) => {
      const kindOf = req.head.headers['x-test'];
      if (kindOf === 'cookie') agent.answer(req.stream, { headers: { 'content-type': 'application/json', 'set-cookie': 'session=stolen; Path=/', 'x-kept': 'yes' }, body });
      if (kindOf === 'big') agent.answer(req.stream, { headers: { 'content-type': 'application/json', 'x-big': 'b'.repeat(20 * 1024) }, body });
      if (kindOf === 'usage') agent.answer(req.stream, { body, usage: { prompt_tokens: Number.MAX_SAFE_INTEGER, completion_tokens: Number.MAX_SAFE_INTEGER } });
    };
    const call = (x: string) =>
      fetch(`${edge.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${other.apiKey}`, 'content-type': 'application/json', 'x-test': x },
        body: JSON.stringify(ask),
      });
    const cookie = await call('cookie');
    expect(cookie.status).toBe(200);
    expect(cookie.headers.get('set-cookie')).toBeNull();
    expect(cookie.headers.get('x-kept')).toBe('yes');
    expect(await cookie.text()).toBe(body);
    const t0 = performance.now();
    const big = await call('big');
    expect(big.status).toBe(502);
    expect(performance.now() - t0).toBeLessThan(10_000);
    await big.text();
    const usage = await call('usage');
    expect(usage.status).toBe(200);
    await usage.text();
    const rows = await bounded(
      (async () => {
        for (;;) {
          const r = await fetch(`${edge.url}/admin/v1/tenants/${other.tenant}/usage`, { headers: { authorization: `Bearer ${edge.adminToken}` } });
          const data = ((await r.json()) as { data: { promptTokens: number; completionTokens: number; requests: number }[] }).data;
          if (data.reduce((s, row) => s + row.requests, 0) >= 2) return data;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      })(),
      'usage rows',
    );
    const prompt = rows.reduce((s, row) => s + row.promptTokens, 0);
    const completion = rows.reduce((s, row) => s + row.completionTokens, 0);
    // The stream could have produced no more tokens than it relayed bytes, nor read more prompt than it was sent.
    // (defaults.ts PROMPT_TOKEN_SLACK allows for chat templates and images passed by URL.)
    expect(completion).toBeLessThanOrEqual(body.length);
    expect(prompt).toBeLessThanOrEqual(JSON.stringify(ask).length + PROMPT_TOKEN_SLACK);
  });

  // workerd tells a Durable Object nothing about a socket's send buffer, so only the Node host can see a backlog.
  it.runIf(kind === 'node')('closes an agent that stops reading (unsolicited pongs do not keep it alive), while another tenant is served', async () => {
    const other = await createTenant(edge, 'deaf');
    const rogue = await RogueAgent.connect(edge, other);
    rogues.push(rogue);
    // Loopback absorbs ~36 MiB in kernel buffers (tcp_rmem max 32 MiB + tcp_wmem 4 MiB) before
    // anything queues in the edge: 8 uploads of 7 MiB go past that.
    const want = 8;
    rogue.handler = (req, agent) => {
      // Grant all the credit there is, then stop reading once every upload has begun.
      agent.send(controlFrame('window', req.stream, { bytes: 2 ** 30 }));
      if (agent.requests.length === want) agent.stopReading();
    };
    const pongs = setInterval(() => rogue.ws.readyState === rogue.ws.OPEN && rogue.ws.pong(), 1000);
    try {
      const big = JSON.stringify({ ...ask, messages: [{ role: 'user', content: 'x'.repeat(7 * 1024 * 1024) }] });
      const uploads = Array.from({ length: want }, () =>
        fetch(`${edge.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${other.apiKey}`, 'content-type': 'application/json' }, body: big })
          .then(async (r) => (await r.text(), r.status), () => 0),
      );
      const agentsOf = async () => {
        const r = await fetch(`${edge.url}/admin/v1/tenants`, { headers: { authorization: `Bearer ${edge.adminToken}` } });
        return ((await r.json()) as { data: { name: string; agents: unknown[] }[] }).data.find((t) => t.name === other.tenant)?.agents.length ?? 0;
      };
      await bounded((async () => { while (rogue.requests.length < want) await new Promise((r) => setTimeout(r, 100)); })(), 'uploads to reach the agent');
      // Meanwhile the edge answers everyone else.
      expect(await streamTokens(client, 20)).toEqual({ n: 20, finish: 'length' });
      expect((await fetch(`${edge.url}/healthz`)).ok).toBe(true);
      // Closed once its backlog has not drained for --drain-timeout (4 s here; 20 s by default).
      await bounded((async () => { while ((await agentsOf()) > 0) await new Promise((r) => setTimeout(r, 500)); })(), 'the deaf agent to be dropped', 45_000);
      const statuses = await bounded(Promise.all(uploads), 'the uploads to be answered');
      for (const status of statuses) expect(status).toBeGreaterThanOrEqual(500);
    } finally {
      clearInterval(pongs);
    }
  }, 90_000);

  it('retries a request that failed before any response byte on another agent, and takes an agent with a dead upstream out of rotation', async () => {
    const pair = await createTenant(edge, 'failover');
    const doomed = await startSimProcess(['--step-base-ms', '1']);
    children.push(await startAgentProcess(edge, pair, doomed.url, ['--agent-id', 'doomed']));
    children.push(await startAgentProcess(edge, pair, sim.url, ['--agent-id', 'healthy']));
    await waitForModel(edge, pair);
    const c = clientFor(edge, pair);
    // Both agents are serving; then one loses its upstream while still connected and advertising.
    await doomed.stop('SIGKILL');
    const results = await Promise.all(Array.from({ length: 20 }, () => c.chat.completions.create(ask).then((r) => r.choices[0].message.content ?? '', (e: unknown) => e)));
    for (const r of results) expect(typeof r).toBe('string');
    const later = await Promise.all(Array.from({ length: 10 }, () => c.chat.completions.create(ask).then(() => 'ok', (e: unknown) => e)));
    expect(later).toEqual(Array.from({ length: 10 }, () => 'ok'));
  });
});
