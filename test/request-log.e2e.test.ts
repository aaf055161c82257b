// The edge's request log end to end, on both hosts: one JSON line per request
// at the default level (ids, tokens, timings; never the key's secret), and
// none at warn (`vllama edge --log-level warn`; LOG_LEVEL = "warn" on Workers).
import OpenAI from 'openai';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { edgeFetch, hostKinds, MODEL, startServedStack, stopStack, type EdgeUnderTest, type ServedStack } from './support/stack';

/** The edge's `request` records so far, parsed from its output. */
function requestRecords(edge: EdgeUnderTest): Record<string, unknown>[] {
  return edge
    .output()
    .split('\n')
    .filter((line) => line.includes('"event":"request"'))
    .map((line) => JSON.parse(line.slice(line.indexOf('{'))) as Record<string, unknown>);
}

describe.each(hostKinds)('the request log on the %s edge', (kind) => {
  const stacks: ServedStack[] = [];
  afterAll(async () => {
    await Promise.all(stacks.map((s) => stopStack(s)));
  });

  const served = async (logLevel?: 'warn') => {
    const stack = await startServedStack(kind, { logLevel, consoleLines: true }, ['--step-base-ms', '1'], { tenantPrefix: 'log' });
    stacks.push(stack);
    const client = new OpenAI({ baseURL: `${stack.edge.url}/v1`, apiKey: stack.tenant.apiKey, maxRetries: 0, fetch: edgeFetch(kind) });
    return { ...stack, client };
  };

  it('writes one line per request with its ids, tokens and timings, and never the key', async () => {
    const { edge, tenant, client } = await served();
    const stream = await client.chat.completions.create({ model: MODEL, max_tokens: 6, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    let chunks = 0;
    for await (const _ of stream) chunks++;
    expect(chunks).toBeGreaterThan(0);
    const chat = () => requestRecords(edge).filter((r) => r.route === '/v1/chat/completions');
    const [record] = await vi.waitUntil(() => (chat().length > 0 ? chat() : undefined), { timeout: 10_000, interval: 50 });
    expect(record).toMatchObject({ level: 30, tenant: tenant.tenant, method: 'POST', route: '/v1/chat/completions', model: MODEL, status: 200, completionTokens: 6 });
    expect(record.keyId).toMatch(/^key_/);
    expect(typeof record.durationMs).toBe('number');
    expect(chat()).toHaveLength(1);
    expect(edge.output()).not.toContain(tenant.apiKey);
  }, 120_000);

  it('writes none at warn, and still serves', async () => {
    const { edge, client } = await served('warn');
    const reply = await client.chat.completions.create({ model: MODEL, max_tokens: 4, messages: [{ role: 'user', content: 'hi' }] });
    expect(reply.usage?.completion_tokens).toBe(4);
    await new Promise((resolve) => setTimeout(resolve, 500)); // as long as a line takes to show at info
    expect(requestRecords(edge)).toEqual([]);
  }, 120_000);
});
