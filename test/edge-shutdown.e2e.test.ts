// SIGTERM on the Node edge drains: no new requests (503 or refused), streams in
// flight finish whole within --grace, then the process exits 0 (issue 13).
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Child } from './support/processes';
import { clientFor, createTenant, MODEL, startAgentProcess, startNodeEdgeProcess, startSimProcess, waitForModel, type EdgeUnderTest, type Tenant } from './support/stack';

describe('SIGTERM on the Node edge', () => {
  let edge: EdgeUnderTest & { child: Child };
  let sim: Child & { url: string };
  let tenant: Tenant;
  let agent: Child;

  beforeAll(async () => {
    // 40 tokens at ~50 ms a step: a stream of about 2 s, long enough to be caught mid-way.
    [edge, sim] = await Promise.all([startNodeEdgeProcess({ graceS: 20 }), startSimProcess(['--step-base-ms', '50'])]);
    tenant = await createTenant(edge);
    agent = await startAgentProcess(edge, tenant, sim.url);
    await waitForModel(edge, tenant);
  }, 120_000);

  afterAll(async () => {
    await agent?.stop();
    await sim?.stop();
    await edge?.close();
  }, 60_000);

  it('lets a stream in flight finish whole, refuses new requests meanwhile, then exits 0', async () => {
    const client: OpenAI = clientFor(edge, tenant);
    const stream = await client.chat.completions.create({ model: MODEL, max_tokens: 40, stream: true, ignore_eos: true, messages: [{ role: 'user', content: 'drain me' }] } as never) as unknown as AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>;
    const it = stream[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.done).toBe(false);

    edge.child.proc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    // A new request: 503 on a kept-alive connection, or refused (the listener is closed).
    const late = await fetch(`${edge.url}/v1/models`, { headers: { authorization: `Bearer ${tenant.apiKey}` } }).then(
      async (r) => ({ status: r.status, body: await r.json() }),
      (err: Error) => ({ status: 'refused', body: String(err) }),
    );
    if (late.status !== 'refused') {
      expect(late.status).toBe(503);
      expect(late.body.error).toMatchObject({ code: 'edge_shutting_down' });
    }

    let tokens = first.value.choices[0]?.delta?.content ? 1 : 0;
    let finish: string | null = null;
    for (;;) {
      const next = await it.next();
      if (next.done) break;
      if (next.value.choices[0]?.delta?.content) tokens++;
      finish = next.value.choices[0]?.finish_reason ?? finish;
    }
    expect(finish).toBe('length');
    expect(tokens).toBe(40);

    const exit = await edge.child.proc;
    expect(exit.exitCode).toBe(0);
    expect(edge.child.output()).toMatch(/draining/);
  }, 60_000);
});
