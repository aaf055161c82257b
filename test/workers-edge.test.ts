// The Cloudflare edge in the real Workers runtime: `wrangler dev` (workerd with
// local Durable Objects), a real agent in front of the simulator, and the
// official openai SDK as the client.
import OpenAI from 'openai';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startAgent, type RunningAgent } from '../agent/index';
import { startSim, type SimServer } from '../sim/server';
import { startWorkersEdge, type WorkersEdge } from './hosts/workers-host';
import { edgeFetch, nextFinish, simFinishes } from './support/stack';

const MODEL = 'facebook/opt-125m';
const TENANT = `cf-${process.pid}`;
/** workerd evicts an idle Durable Object that holds only hibernatable sockets after about 10 s. */
const HIBERNATE_AFTER_MS = 10_000;

interface CreatedTenant {
  tenant: string;
  apiKey: string;
  keyId: string;
  agentToken: string;
}

interface ObjectState {
  instance: string;
  hubBuiltAt: number | null;
  restored: number | null;
  sockets: number;
  agents: { agentId: string }[] | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the edge on Cloudflare (wrangler dev)', () => {
  let edge: WorkersEdge;
  let sim: SimServer;
  let agent: RunningAgent;
  let tenant: CreatedTenant;
  let client: OpenAI;
  const agentLog: string[] = [];

  const admin = (path: string, init: RequestInit = {}) =>
    fetch(`${edge.url}/admin/v1${path}`, { ...init, headers: { authorization: `Bearer ${edge.adminToken}`, ...init.headers } });
  const hook = async (method: 'GET' | 'POST', name: string, query = '') => {
    const res = await fetch(`${edge.url}/__test/${name}?tenant=${TENANT}${query}`, { method });
    expect(res.status).toBe(200);
    return res.json();
  };
  const state = () => hook('GET', 'state') as Promise<ObjectState>;
  const chat = async (content: string) => {
    const res = await client.chat.completions.create({ model: MODEL, max_tokens: 8, messages: [{ role: 'user', content }] });
    return res.choices[0].message.content;
  };
  const modelListed = async () => ((await client.models.list()).data.some((m) => m.id === MODEL) ? true : undefined);

  beforeAll(async () => {
    [edge, sim] = await Promise.all([startWorkersEdge({ queueTimeoutMs: 15_000 }), startSim({ port: 0 })]);
    const res = await admin('/tenants', { method: 'POST', body: JSON.stringify({ name: TENANT }) });
    expect(res.status).toBe(201);
    tenant = (await res.json()) as CreatedTenant;
    client = new OpenAI({ baseURL: `${edge.url}/v1`, apiKey: tenant.apiKey, maxRetries: 0, timeout: 30_000, fetch: edgeFetch('workers') });
    agent = await startAgent({ edge: edge.url, token: tenant.agentToken, upstream: sim.url, log: (line) => agentLog.push(line) });
    await agent.ready;
    await vi.waitUntil(() => modelListed().catch(() => undefined), { timeout: 10_000, interval: 50 });
  });

  afterAll(async () => {
    await agent?.close();
    await sim?.close();
    await edge?.close();
  });

  it('keeps the admin API behind ADMIN_TOKEN and lists the tenant with its agent', async () => {
    const refused = await fetch(`${edge.url}/admin/v1/tenants`, { headers: { authorization: 'Bearer not-the-token' } });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('invalid_admin_token');

    const listed = (await (await admin('/tenants')).json()) as { data: { name: string; agents: unknown[] }[] };
    const mine = listed.data.find((t) => t.name === TENANT);
    expect(mine?.agents).toHaveLength(1);

    const again = await admin('/tenants', { method: 'POST', body: JSON.stringify({ name: TENANT }) });
    expect(again.status).toBe(409);
  });

  it('answers a malformed or foreign credential with an OpenAI-shaped 401', async () => {
    for (const apiKey of ['sk-not-ours', tenant.agentToken, `vl-${TENANT}-${'x'.repeat(32)}`]) {
      const bad = new OpenAI({ baseURL: `${edge.url}/v1`, apiKey, maxRetries: 0, fetch: edgeFetch('workers') });
      const err = await bad.models.list().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
      expect((err as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key');
    }
    // An API key is not an agent token: the upgrade is refused before any WebSocket exists.
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${edge.url.replace('http', 'ws')}/agent/v1/connect`, { headers: { authorization: `Bearer ${tenant.apiKey}` } });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
      ws.on('error', () => {});
    });
    expect(status).toBe(401);
  });

  it('lists models and serves streamed and non-streamed chat completions, recording usage', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual([MODEL]);

    const whole = await client.chat.completions.create({ model: MODEL, max_tokens: 12, messages: [{ role: 'user', content: 'hello' }] });
    expect(whole.choices[0].message.content).toBeTruthy();
    expect(whole.usage?.completion_tokens).toBe(12);

    const stream = await client.chat.completions.create({ model: MODEL, max_tokens: 12, stream: true, messages: [{ role: 'user', content: 'hello' }] });
    let text = '';
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    expect(chunks).toBeGreaterThan(2);
    expect(text.length).toBeGreaterThan(0);

    const usage = (await (await admin(`/tenants/${TENANT}/usage`)).json()) as { data: { requests: number; completionTokens: number }[] };
    const total = usage.data.reduce((n, row) => n + row.completionTokens, 0);
    expect(usage.data.reduce((n, row) => n + row.requests, 0)).toBeGreaterThanOrEqual(2);
    expect(total).toBeGreaterThanOrEqual(24);
  });

  it('streams the bench floors (a Durable Object, and the Worker, streaming by themselves) as SSE chat chunks', async () => {
    // bench/workers-cost.ts DO_FLOOR=1 judges the relay against this stream: it must be a real SSE chat stream.
    for (const hook of [`stream?tenant=${TENANT}&`, 'worker-stream?']) {
      const res = await fetch(`${edge.url}/__test/${hook}chunks=5&everyMs=2`);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const text = await res.text();
      expect(text.match(/"delta":\{"content":" tok"\}/g)).toHaveLength(5);
      expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    }
  });

  it('revokes a key at once', async () => {
    const created = (await (await admin(`/tenants/${TENANT}/keys`, { method: 'POST', body: '{}' })).json()) as { apiKey: string; id: string };
    const other = new OpenAI({ baseURL: `${edge.url}/v1`, apiKey: created.apiKey, maxRetries: 0, fetch: edgeFetch('workers') });
    expect((await other.models.list()).data).toHaveLength(1);
    expect((await admin(`/tenants/${TENANT}/keys/${created.id}`, { method: 'DELETE' })).status).toBe(200);
    await expect(other.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('rebuilds a forgotten Hub from the object\'s sockets and keeps routing to the connected agent', async () => {
    await hook('POST', 'forget');
    expect((await state()).hubBuiltAt).toBeNull();
    expect(await chat('after forgetting')).toBeTruthy();
    const after = await state();
    expect(after.restored).toBe(1);
    expect(after.agents).toHaveLength(1);
  });

  it('wakes from real hibernation with the agent still routed to', async () => {
    const before = await state();
    expect(before.agents).toHaveLength(1);
    // Idle: only the agent's text heartbeats, which the runtime answers without waking the object.
    await sleep(HIBERNATE_AFTER_MS + 3_000);
    expect(await chat('after hibernation')).toBeTruthy();
    const after = await state();
    expect(after.instance, 'workerd did not hibernate the object; the test proves nothing').not.toBe(before.instance);
    expect(after.restored).toBe(1);
    expect(after.agents).toHaveLength(1);
    // The agent never noticed: one connection since the start.
    expect(agentLog.filter((line) => line.includes('connected to')).length).toBe(1);
  }, 40_000);

  it.each([1012, 1001])('serves a request sent while the agent redials after the edge closes its socket with %i (as a deploy does)', async (code) => {
    const dropped = (await hook('POST', 'drop-agents', `&code=${code}`)) as { dropped: number };
    expect(dropped.dropped).toBe(1);
    const t0 = Date.now();
    // Sent at once, in the gap: it waits in the queue instead of failing.
    expect(await chat('in the gap')).toBeTruthy();
    await vi.waitUntil(() => modelListed().catch(() => undefined), { timeout: 5_000, interval: 50 });
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(agentLog.some((line) => line.includes(`(${code}`))).toBe(true);
  });

  it('cancels the upstream request when the client disconnects mid-stream', async () => {
    const before = await simFinishes(sim.url);
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: MODEL, max_tokens: 1500, stream: true, ignore_eos: true, messages: [{ role: 'user', content: 'a long story' }] } as OpenAI.Chat.ChatCompletionCreateParamsStreaming,
      { signal: controller.signal },
    );
    let chunks = 0;
    // The SDK ends the iteration quietly on abort; the client's connection is closed mid-stream.
    for await (const _ of stream) if (++chunks === 5) controller.abort();
    expect(chunks).toBeLessThan(1500);
    // An `abort` finish is the cancel arriving: unaborted, the sequence would end by length.
    // How soon is the bench's to measure (a loaded 2-core run once took over 5 s here).
    expect(await nextFinish(sim.url, before)).toBe('abort');
  });
});
