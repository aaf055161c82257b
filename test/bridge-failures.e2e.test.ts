// Failures end to end, on both edge hosts: agents killed and reconnecting,
// no agent at all, an upstream that dies, and a client that reads slowly.
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, type Child } from './support/processes';
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
} from './support/stack';

const ask = { model: MODEL, max_tokens: 5, messages: [{ role: 'user' as const, content: 'hello' }] };

describe.each(hostKinds)('failures on the %s edge', (kind) => {
  let edge: EdgeUnderTest;
  let sim: Child & { url: string };
  const children: Child[] = [];

  beforeAll(async () => {
    // Long enough for a replacement agent process to start (tsx load + dial), short enough for the 503 test.
    // Zero-delay engine with a long context: lots of bytes quickly, for the slow reader.
    [edge, sim] = await startEdgeAndSim(kind, { queueTimeoutS: 8 }, ['--step-base-ms', '0', '--step-per-seq-ms', '0', '--prefill-per-token-ms', '0', '--max-model-len', '1000000']);
  }, 120_000);

  afterEach(async () => {
    await Promise.all(children.splice(0).map((c) => c.stop('SIGKILL')));
  });

  afterAll(async () => {
    await sim?.stop();
    await edge?.close();
  }, 60_000);

  it('ends a stream with an error the client sees when its agent is killed, and serves waiting requests once an agent reconnects', async () => {
    const tenant = await createTenant(edge);
    const agent = await startAgentProcess(edge, tenant, sim.url, ['--max-inflight', '4']);
    children.push(agent);
    await waitForModel(edge, tenant);
    const client = clientFor(edge, tenant);
    // Slow the stream down by reading slowly is not needed: 200k tokens take a while even at zero delay.
    const stream = await client.chat.completions.create({ model: MODEL, stream: true, max_tokens: 200_000, ignore_eos: true, messages: [{ role: 'user', content: 'long' }] } as never) as unknown as AsyncIterable<unknown>;
    let chunks = 0;
    const reading = (async () => {
      for await (const _ of stream) {
        if (++chunks === 10) await agent.stop('SIGKILL');
      }
    })();
    await expect(reading).rejects.toBeInstanceOf(OpenAI.APIError);

    // No agent now: this request waits in the edge's queue…
    const waiting = client.chat.completions.create(ask).then((r) => ({ r }), (e: unknown) => ({ e }));
    await new Promise((r) => setTimeout(r, 500));
    // …and is served once an agent connects again.
    children.push(await startAgentProcess(edge, tenant, sim.url));
    const outcome = await waiting;
    if ('e' in outcome) throw outcome.e;
    const served = outcome.r;
    expect(served.choices[0].message.content?.length).toBeGreaterThan(0);
  });

  it('answers 503 in OpenAI format when no agent comes back within the queue timeout', async () => {
    const tenant = await createTenant(edge);
    const agent = await startAgentProcess(edge, tenant, sim.url);
    await waitForModel(edge, tenant);
    await agent.stop('SIGKILL');
    const client = clientFor(edge, tenant);
    const t0 = performance.now();
    const err = (await client.chat.completions.create(ask).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.status).toBe(503);
    expect(performance.now() - t0).toBeGreaterThan(2000);
  });

  it('answers 502 when the agent cannot reach its upstream', async () => {
    const lonelySim = await startSimProcess();
    const tenant = await createTenant(edge);
    children.push(await startAgentProcess(edge, tenant, lonelySim.url));
    await waitForModel(edge, tenant);
    await lonelySim.stop('SIGKILL');
    const err = (await clientFor(edge, tenant).chat.completions.create(ask).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.status).toBe(502);
    expect(err.message).toMatch(/unreachable|upstream/i);
  });

  it('keeps a slow reader within its window without slowing the other streams', async () => {
    const tenant = await createTenant(edge);
    children.push(await startAgentProcess(edge, tenant, sim.url));
    await waitForModel(edge, tenant);
    const client = clientFor(edge, tenant);
    const slow = await fetch(`${edge.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, stream: true, max_tokens: 100_000, ignore_eos: true, messages: [{ role: 'user', content: 'slow reader' }] }),
    });
    const reader = slow.body!.getReader();
    await reader.read(); // one chunk, then stop reading
    // Other streams on the same agent finish while the slow one is stalled.
    const others = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const s = await client.chat.completions.create({ model: MODEL, stream: true, max_tokens: 2000, ignore_eos: true, messages: [{ role: 'user', content: 'fast' }] } as never) as unknown as AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>;
        let n = 0;
        for await (const c of s) if (c.choices[0]?.delta?.content) n++;
        return n;
      }),
    );
    expect(others).toEqual([2000, 2000, 2000, 2000, 2000]);
    // What the edge holds for the stalled stream stays within its window (256 KiB) plus one chunk.
    const streams = await waitFor(async () => {
      const r = await fetch(`${edge.url}/admin/v1/tenants/${tenant.tenant}/streams`, { headers: { authorization: `Bearer ${edge.adminToken}` } });
      const body = (await r.json()) as { data: { bufferedBytes: number }[] };
      return body.data.length > 0 ? body.data : undefined;
    }, 5000, 'stream stats');
    for (const s of streams) expect(s.bufferedBytes).toBeLessThanOrEqual(256 * 1024 + 64 * 1024);
    await reader.cancel();
  });
});
