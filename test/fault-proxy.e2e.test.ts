// Faults on the link between agent and edge, made by a TCP proxy between them
// (test/support/fault-proxy.ts): a stalled link is found out on both sides within
// the heartbeat bound, the agent redials, streams on the dead link end with an
// error the client sees, and requests not yet answered are served on the new link.
// Node host: it takes --heartbeat, so the bound is seconds, not the default 45 s.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FaultProxy } from './support/fault-proxy';
import { type Child } from './support/processes';
import { bounded } from './support/rogue-agent';
import { clientFor, createTenant, MODEL, startAgentProcess, startNodeEdgeProcess, startSimProcess, waitForModel, type EdgeUnderTest, type Tenant } from './support/stack';

/** Heartbeat interval of this edge; the agent takes it from `welcome`. */
const HEARTBEAT_S = 0.5;
/**
 * A stalled link is dropped by the edge after AGENT_MISSED_PONGS (2) missed pings
 * and by the agent after MISSED_HEARTBEATS (3) silent intervals, so both within
 * 4 intervals (2 s); the bound asserted leaves the loaded test machine 8 s more.
 */
const DETECT_BOUND_MS = 4 * HEARTBEAT_S * 1000 + 8_000;

type Chunk = OpenAI.Chat.Completions.ChatCompletionChunk;
const ask = { model: MODEL, max_tokens: 5, messages: [{ role: 'user' as const, content: 'hello' }] };

describe('faults on the agent link (node edge, through a fault proxy)', () => {
  let edge: EdgeUnderTest;
  let sim: Child & { url: string };
  let proxy: FaultProxy;
  let tenant: Tenant;
  let agent: Child;
  let client: OpenAI;

  beforeAll(async () => {
    [edge, sim] = await Promise.all([startNodeEdgeProcess({ queueTimeoutS: 20, heartbeatS: HEARTBEAT_S }), startSimProcess(['--step-base-ms', '2', '--step-per-seq-ms', '0', '--max-model-len', '1000000'])]);
    proxy = await FaultProxy.start(edge.url);
    tenant = await createTenant(edge);
    agent = await startAgentProcess(edge, tenant, sim.url, ['--edge', proxy.url]);
    await waitForModel(edge, tenant);
    client = clientFor(edge, tenant);
  }, 120_000);

  afterAll(async () => {
    await agent?.stop('SIGKILL');
    await proxy?.close();
    await sim?.stop();
    await edge?.close();
  }, 60_000);

  async function streamUntil(n: number): Promise<{ rest: Promise<unknown> }> {
    const stream = (await client.chat.completions.create({ model: MODEL, stream: true, max_tokens: 100_000, ignore_eos: true, messages: [{ role: 'user', content: 'long' }] } as never)) as unknown as AsyncIterable<Chunk>;
    const it = stream[Symbol.asyncIterator]();
    for (let i = 0; i < n; i++) await bounded(it.next(), 'a chunk of the long stream');
    const rest = (async () => {
      for (;;) if ((await it.next()).done) return 'ended';
    })();
    return { rest };
  }

  it('finds a stalled link within the heartbeat bound on both sides; the stream errors, the agent redials, and an unanswered request is served on the new link', async () => {
    const { rest } = await streamUntil(5);
    const before = proxy.accepted;
    const t0 = performance.now();
    proxy.set({ kind: 'stall' });
    // Dispatched onto the stalled link (the edge cannot know yet): never answered there, so retried.
    const waiting = client.chat.completions.create(ask);
    const err = await bounded(rest.then(() => undefined, (e: unknown) => e), 'the stream on the stalled link to fail', DETECT_BOUND_MS);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as Error).message).toMatch(/agent disconnected/i);
    const edgeNoticedMs = performance.now() - t0;
    // The agent finds out on its own (the proxy tells it nothing) and dials again.
    await bounded((async () => { while (proxy.accepted === before) await new Promise((r) => setTimeout(r, 50)); })(), 'the agent to redial', DETECT_BOUND_MS);
    const agentNoticedMs = performance.now() - t0;
    expect(edgeNoticedMs).toBeLessThan(DETECT_BOUND_MS);
    expect(agentNoticedMs).toBeLessThan(DETECT_BOUND_MS);
    const served = await bounded(waiting, 'the request sent during the stall to be served');
    expect(served.choices[0].message.content?.length).toBeGreaterThan(0);
  });

  it('ends the stream with an error and serves the next request after the link is cut', async () => {
    const { rest } = await streamUntil(5);
    proxy.cut();
    const err = await bounded(rest.then(() => undefined, (e: unknown) => e), 'the stream on the cut link to fail');
    expect(err).toBeInstanceOf(OpenAI.APIError);
    const served = await bounded(client.chat.completions.create(ask), 'a request after the cut');
    expect(served.choices[0].message.content?.length).toBeGreaterThan(0);
  });

  it.each([
    ['delayed by 20 ms a chunk', { kind: 'delay' as const, ms: 20 }],
    ['trickled at 64 KiB/s', { kind: 'trickle' as const, bytesPerS: 64 * 1024 }],
  ])('relays whole answers over a link %s', async (_name, mode) => {
    const cutAt = Date.now();
    proxy.cut(); // new connections only: the agent redials through the slow path
    proxy.set(mode);
    try {
      // The model stays listed until the edge sees the cut, so wait for the redialled link itself:
      // a request placed on the dying one ends "agent disconnected" (a loaded CI run saw it).
      await vi.waitFor(async () => {
        const r = await fetch(`${edge.url}/admin/v1/tenants/${tenant.tenant}/agents`, { headers: { authorization: `Bearer ${edge.adminToken}` } });
        const { data } = (await r.json()) as { data: { connectedAt: number; ready: boolean }[] };
        if (!(data.length === 1 && data[0].connectedAt >= cutAt && data[0].ready)) throw new Error(`agents: ${JSON.stringify(data)}`);
      }, { timeout: 20_000, interval: 100 });
      await waitForModel(edge, tenant);
      const stream = (await bounded(client.chat.completions.create({ model: MODEL, stream: true, max_tokens: 50, ignore_eos: true, messages: [{ role: 'user', content: 'slow link' }] } as never), 'stream start')) as unknown as AsyncIterable<Chunk>;
      let n = 0;
      await bounded((async () => { for await (const c of stream) if (c.choices[0]?.delta?.content) n++; })(), 'the slow stream');
      expect(n).toBe(50);
    } finally {
      proxy.set({ kind: 'pass' });
    }
  });
});
