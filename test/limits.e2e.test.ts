// Per-key limits end to end, on both edge hosts: tokens per minute with the
// x-ratelimit-* headers, exact concurrency under load, and counts that survive
// a Node edge restart and a Durable Object hibernation (they live in SQLite,
// written within a second on Node and a quarter of one on Workers).
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Child } from './support/processes';
import {
  edgeFetch,
  hostKinds,
  MODEL,
  simMetric,
  startServedStack,
  stopStack,
  waitForModel,
  type EdgeUnderTest,
  type Tenant,
} from './support/stack';

/** The rate window the first edge runs with (`--rate-window`, RATE_WINDOW_MS): short, so a test sees a reset. */
const WINDOW_S = 3;
/** workerd evicts an idle Durable Object that holds only hibernatable sockets after about 10 s. */
const HIBERNATE_AFTER_MS = 10_000;
const RATE_HEADERS = [
  'x-ratelimit-limit-requests', 'x-ratelimit-remaining-requests', 'x-ratelimit-reset-requests',
  'x-ratelimit-limit-tokens', 'x-ratelimit-remaining-tokens', 'x-ratelimit-reset-tokens',
];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function createKey(edge: EdgeUnderTest, tenant: Tenant, limits: Record<string, unknown>): Promise<OpenAI> {
  const res = await fetch(`${edge.url}/admin/v1/tenants/${tenant.tenant}/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${edge.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(limits),
  });
  expect(res.status).toBe(201);
  const { apiKey } = (await res.json()) as { apiKey: string };
  return new OpenAI({ baseURL: `${edge.url}/v1`, apiKey, maxRetries: 0, timeout: 60_000, fetch: edgeFetch(edge.kind) });
}

const ask = (client: OpenAI, maxTokens = 20) =>
  client.chat.completions
    .create({ model: MODEL, max_tokens: maxTokens, ignore_eos: true, messages: [{ role: 'user', content: 'Explain quantum computing' }] } as never)
    .withResponse();

async function rateLimited(p: Promise<unknown>): Promise<InstanceType<typeof OpenAI.RateLimitError>> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(OpenAI.RateLimitError);
  return err as InstanceType<typeof OpenAI.RateLimitError>;
}

describe.each(hostKinds)('per-key limits on the %s edge', (kind) => {
  let edge: EdgeUnderTest;
  let sim: Child & { url: string };
  let tenant: Tenant;
  let agent: Child;

  beforeAll(async () => {
    ({ edge, sim, tenant, agent } = await startServedStack(kind, { queueTimeoutS: 60, rateWindowS: WINDOW_S }, ['--step-base-ms', '5'], { tenantPrefix: 'lim' }));
  }, 120_000);

  afterAll(async () => {
    await stopStack({ agent, sim, edge });
  });

  it('answers 429 with Retry-After and the x-ratelimit-* headers once the tokens per minute are spent, and serves again after the reset', async () => {
    const client = await createKey(edge, tenant, { tpm: 60, rpm: 1000 });
    const first = await ask(client);
    for (const name of RATE_HEADERS) expect(first.response.headers.get(name), name).toBeTruthy();
    expect(first.response.headers.get('x-ratelimit-limit-tokens')).toBe('60');
    expect(first.response.headers.get('x-ratelimit-limit-requests')).toBe('1000');
    // Each answer is 20 completion tokens plus the prompt: the third at the latest finds the minute spent.
    let err: InstanceType<typeof OpenAI.RateLimitError> | undefined;
    for (let i = 0; i < 5 && !err; i++) {
      err = await ask(client).then(() => undefined, (e: unknown) => (e instanceof OpenAI.RateLimitError ? e : Promise.reject(e)));
    }
    expect(err, 'never limited').toBeDefined();
    expect(err!.code).toBe('tokens_limit_exceeded');
    expect(err!.type).toBe('rate_limit_error');
    const retryAfter = Number(err!.headers?.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2 * WINDOW_S);
    for (const name of RATE_HEADERS) expect(err!.headers?.get(name), name).toBeTruthy();
    expect(err!.headers?.get('x-ratelimit-remaining-tokens')).toBe('0');
    await sleep(retryAfter * 1000 + 300);
    const again = await ask(client);
    expect(again.data.usage?.completion_tokens).toBe(20);
  }, 60_000);

  it('runs 100 simultaneous requests on a key with max-concurrent 10 exactly 10 at a time, all served', async () => {
    const client = await createKey(edge, tenant, { maxConcurrent: 10 });
    let peak = 0;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        peak = Math.max(peak, await simMetric(sim.url, 'vllm:num_requests_running'));
        await sleep(10);
      }
    })();
    const results = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const stream = await client.chat.completions.create({
          model: MODEL, stream: true, max_tokens: 30, ignore_eos: true, messages: [{ role: 'user', content: `count ${i}` }],
        } as never) as unknown as AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>;
        let tokens = 0;
        for await (const chunk of stream) if (chunk.choices[0]?.delta?.content) tokens++;
        return tokens;
      }),
    );
    polling = false;
    await poller;
    expect(results.every((n) => n > 0)).toBe(true);
    expect(peak).toBe(10);
  }, 120_000);
});

describe.each(hostKinds)('limits on the %s edge across a restart or hibernation', (kind) => {
  let edge: EdgeUnderTest & { restart?: () => Promise<void> };
  let sim: Child & { url: string };
  let tenant: Tenant;
  let agent: Child;

  beforeAll(async () => {
    ({ edge, sim, tenant, agent } = await startServedStack(kind, { queueTimeoutS: 30 }, ['--step-base-ms', '1'], { tenantPrefix: 'per' }));
  }, 120_000);

  afterAll(async () => {
    await stopStack({ agent, sim, edge });
  });

  it(`still refuses a key's next request after the edge ${kind === 'node' ? 'restarts' : "object hibernates"}`, async () => {
    const rpmKey = await createKey(edge, tenant, { rpm: 2 });
    const budgetKey = await createKey(edge, tenant, { dailyTokens: 10 });
    await ask(rpmKey, 5);
    await ask(rpmKey, 5);
    expect((await rateLimited(ask(rpmKey, 5))).code).toBe('rate_limit_exceeded');
    await ask(budgetKey, 20); // starts under budget, overshoots it
    expect((await rateLimited(ask(budgetKey, 5))).code).toBe('daily_budget_exceeded');

    if (kind === 'node') {
      await edge.restart!();
    } else {
      const state = async () => (await (await fetch(`${edge.url}/__test/state?tenant=${tenant.tenant}`)).json()) as { instance: string };
      const before = await state();
      await sleep(HIBERNATE_AFTER_MS + 3_000);
      expect((await state()).instance, 'workerd did not hibernate the object; the test proves nothing').not.toBe(before.instance);
    }
    // Read only now, after the memory is gone: a read writes pending counts first, so an
    // earlier one would hide whether they reached SQLite without it (Durable Objects write
    // them on a timer, DO_USAGE_FLUSH_MS, which keeps the object awake until it fires).
    const usage = await fetch(`${edge.url}/admin/v1/tenants/${tenant.tenant}/usage`, { headers: { authorization: `Bearer ${edge.adminToken}` } });
    const rows = ((await usage.json()) as { data: { requests: number; completionTokens: number }[] }).data;
    expect(rows.reduce((n, r) => n + r.requests, 0)).toBe(3);
    expect(rows.reduce((n, r) => n + r.completionTokens, 0)).toBe(30);
    await waitForModel(edge, tenant);
    expect((await rateLimited(ask(rpmKey, 5))).code).toBe('rate_limit_exceeded');
    expect((await rateLimited(ask(budgetKey, 5))).code).toBe('daily_budget_exceeded');
  }, 90_000);
});
