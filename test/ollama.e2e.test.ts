// The Ollama API end to end, on both edge hosts: the official `ollama` client
// against the edge, compared with the openai SDK on /v1 and with the simulator direct.
import { Ollama } from 'ollama';
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, type Child } from './support/processes';
import {
  edgeFetch,
  clientFor,
  directClient,
  hostKinds,
  MODEL,
  nextFinish,
  simFinishes,
  simMetric,
  startServedStack,
  stopStack,
  type EdgeUnderTest,
  type Tenant,
} from './support/stack';

const messages = [{ role: 'user' as const, content: 'Explain continuous batching briefly' }];
// The simulator's end of sequence for this prompt comes after 471 tokens (sim/tokens.ts), so
// with num_predict 1000 the stream is still going when the client aborts it.
const LONG_PROMPT = 'abort this ollama stream';

describe.each(hostKinds)('the Ollama API on the %s edge', (kind) => {
  let edge: EdgeUnderTest;
  let sim: Child & { url: string };
  let tenant: Tenant;
  let agent: Child;
  let ollama: Ollama;
  let openai: OpenAI;
  let direct: OpenAI;

  beforeAll(async () => {
    ({ edge, sim, tenant, agent } = await startServedStack(kind, { queueTimeoutS: 4 }));
    ollama = new Ollama({ host: edge.url, headers: { Authorization: `Bearer ${tenant.apiKey}` }, fetch: edgeFetch(edge.kind) });
    openai = clientFor(edge, tenant);
    direct = directClient(sim.url);
  }, 120_000);

  afterAll(async () => {
    await stopStack({ agent, sim, edge });
  }, 60_000);

  it('answers Open WebUI’s start-up probes as Ollama does', async () => {
    const root = await fetch(`${edge.url}/`);
    expect(root.status).toBe(200);
    expect(await root.text()).toBe('Ollama is running');
    expect((await fetch(`${edge.url}/`, { method: 'HEAD' })).status).toBe(200);
    expect(await (await fetch(`${edge.url}/api/version`)).json()).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
    const auth = { authorization: `Bearer ${tenant.apiKey}` };
    const tags = (await (await fetch(`${edge.url}/api/tags`, { headers: auth })).json()) as { models: Record<string, unknown>[] };
    expect(tags.models).toEqual([
      expect.objectContaining({ name: MODEL, model: MODEL, size: expect.any(Number), digest: expect.stringMatching(/^[0-9a-f]{64}$/), details: expect.any(Object) }),
    ]);
    expect(Date.parse(tags.models[0].modified_at as string)).toBeGreaterThan(0);
    const ps = (await (await fetch(`${edge.url}/api/ps`, { headers: auth })).json()) as { models: { name: string }[] };
    expect(ps.models.map((m) => m.name)).toEqual([MODEL]);
  });

  it('lists and shows the tenant’s models through the ollama client', async () => {
    const list = await ollama.list();
    expect(list.models.map((m) => m.name)).toEqual([MODEL]);
    const show = await ollama.show({ model: MODEL });
    expect(show.details).toEqual(expect.any(Object));
    await expect(ollama.show({ model: 'no/such-model' })).rejects.toThrow(/not found/);
  });

  it('chats without streaming: the same text as the OpenAI route, and the simulator’s counts', async () => {
    const generatedBefore = await simMetric(sim.url, 'vllm:generation_tokens_total');
    const viaOllama = await ollama.chat({ model: MODEL, messages, stream: false, options: { num_predict: 20, seed: 7, temperature: 0.5 } });
    const generated = (await simMetric(sim.url, 'vllm:generation_tokens_total')) - generatedBefore;
    const req = { model: MODEL, messages, max_tokens: 20, seed: 7, temperature: 0.5 };
    const [viaOpenAI, viaSim] = await Promise.all([openai.chat.completions.create(req), direct.chat.completions.create(req)]);
    expect(viaOllama.message).toMatchObject({ role: 'assistant', content: viaOpenAI.choices[0].message.content });
    expect(viaOllama.message.content.length).toBeGreaterThan(0);
    expect(viaOllama).toMatchObject({ done: true, done_reason: 'length', model: MODEL });
    expect(viaOllama.prompt_eval_count).toBe(viaSim.usage!.prompt_tokens);
    expect(viaOllama.eval_count).toBe(viaSim.usage!.completion_tokens);
    expect(viaOllama.eval_count).toBe(generated);
    expect(viaOllama.total_duration).toBeGreaterThan(0);
    expect(viaOllama.total_duration).toBeGreaterThanOrEqual(viaOllama.prompt_eval_duration + viaOllama.eval_duration);
  });

  it('streams a chat as NDJSON parts whose text and final counts match the OpenAI stream', async () => {
    const stream = await ollama.chat({ model: MODEL, messages, stream: true, options: { num_predict: 30 } });
    let text = '';
    let parts = 0;
    let last: Awaited<ReturnType<typeof ollama.chat>> | undefined;
    for await (const part of stream) {
      parts++;
      text += part.message.content;
      last = part;
    }
    const viaSim = await direct.chat.completions.create({ model: MODEL, messages, max_tokens: 30 });
    expect(text).toBe(viaSim.choices[0].message.content);
    expect(parts).toBeGreaterThan(5);
    expect(last).toMatchObject({ done: true, done_reason: 'length', prompt_eval_count: viaSim.usage!.prompt_tokens, eval_count: 30 });
    expect(last!.eval_duration).toBeGreaterThan(0);
  });

  it('generates, streamed and not, the text the OpenAI route gives for the prompt as a user turn', async () => {
    const prompt = 'Write about GPUs';
    const viaOpenAI = await openai.chat.completions.create({ model: MODEL, max_tokens: 15, messages: [{ role: 'user', content: prompt }] });
    const whole = await ollama.generate({ model: MODEL, prompt, stream: false, options: { num_predict: 15 } });
    expect(whole.response).toBe(viaOpenAI.choices[0].message.content);
    expect(whole).toMatchObject({ done: true, eval_count: viaOpenAI.usage!.completion_tokens, prompt_eval_count: viaOpenAI.usage!.prompt_tokens });
    let streamed = '';
    for await (const part of await ollama.generate({ model: MODEL, prompt, stream: true, options: { num_predict: 15 } })) streamed += part.response;
    expect(streamed).toBe(whole.response);
  });

  it('passes images, tools, a format schema and keep_alive on to vLLM, which takes them', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
    const reply = await ollama.chat({
      model: MODEL,
      stream: false,
      keep_alive: '5m',
      format: { type: 'object', properties: { answer: { type: 'string' } } },
      tools: [{ type: 'function', function: { name: 'weather', description: 'the weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      messages: [{ role: 'user', content: 'What is in this picture?', images: [png] }],
      options: { num_predict: 4, top_k: 20, repeat_penalty: 1.1, stop: ['never-seen'] },
    });
    expect(reply).toMatchObject({ done: true, eval_count: 4 });
    expect(reply.message.content.length).toBeGreaterThan(0);
  });

  it('embeds through /api/embed and /api/embeddings as /v1/embeddings does', async () => {
    const input = ['first text', 'second text'];
    const [viaOllama, viaOpenAI] = await Promise.all([
      ollama.embed({ model: MODEL, input }),
      openai.embeddings.create({ model: MODEL, input, encoding_format: 'float' }),
    ]);
    expect(viaOllama.embeddings).toEqual(viaOpenAI.data.map((d) => d.embedding));
    expect(viaOllama.prompt_eval_count).toBe(viaOpenAI.usage.prompt_tokens);
    const legacy = await ollama.embeddings({ model: MODEL, prompt: 'first text' });
    expect(legacy.embedding).toEqual(viaOpenAI.data[0].embedding);
  });

  it('records an Ollama request’s tokens in the key’s usage exactly, as /v1 does', async () => {
    const usage = async () => {
      const r = await fetch(`${edge.url}/admin/v1/tenants/${tenant.tenant}/usage`, { headers: { authorization: `Bearer ${edge.adminToken}` } });
      const rows = ((await r.json()) as { data: { requests: number; promptTokens: number; completionTokens: number }[] }).data;
      return rows.reduce((t, row) => ({ requests: t.requests + row.requests, prompt: t.prompt + row.promptTokens, completion: t.completion + row.completionTokens }), { requests: 0, prompt: 0, completion: 0 });
    };
    const before = await usage();
    let last: { prompt_eval_count: number; eval_count: number } | undefined;
    for await (const part of await ollama.chat({ model: MODEL, messages, stream: true, options: { num_predict: 7 } })) last = part;
    const expected = { requests: before.requests + 1, prompt: before.prompt + last!.prompt_eval_count, completion: before.completion + 7 };
    // Usage is written in batches (USAGE_FLUSH_MS) on the Node host.
    await waitFor(async () => JSON.stringify(await usage()) === JSON.stringify(expected) || undefined, 5000, 'usage recorded');
    expect(await usage()).toEqual(expected);
  });

  it('aborts the upstream sequence when the ollama client aborts a stream', async () => {
    const before = await simFinishes(sim.url);
    const stream = await ollama.chat({ model: MODEL, messages: [{ role: 'user', content: LONG_PROMPT }], stream: true, options: { num_predict: 1000 } });
    let seen = 0;
    await (async () => {
      for await (const _ of stream) if (++seen === 20) stream.abort();
    })().catch((err: unknown) => expect((err as Error).name).toBe('AbortError'));
    expect(seen).toBeLessThan(400);
    // An abort finish is the cancel arriving; unaborted, the sequence ends by length.
    // How soon is the bench's to measure (a loaded 2-core run once took over 5 s on workerd).
    expect(await nextFinish(sim.url, before)).toBe('abort');
  });

  it('answers errors in Ollama’s shape with the right status', async () => {
    const post = (path: string, body: string, key = tenant.apiKey) =>
      fetch(`${edge.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) }, body });
    const cases: [Promise<Response>, number][] = [
      [post('/api/chat', '{"model": '), 400],
      [post('/api/chat', JSON.stringify({ messages: [] })), 400],
      [post('/api/chat', JSON.stringify({ model: MODEL, messages }), ''), 401],
      [post('/api/chat', JSON.stringify({ model: 'no/such-model', messages, stream: false })), 404],
      [post('/api/pull', JSON.stringify({ model: MODEL })), 501],
      [post('/api/create', JSON.stringify({ model: 'x' })), 501],
      [post('/api/copy', JSON.stringify({ source: MODEL, destination: 'x' })), 501],
      [fetch(`${edge.url}/api/delete`, { method: 'DELETE', headers: { authorization: `Bearer ${tenant.apiKey}` }, body: '{"model":"x"}' }), 501],
      [fetch(`${edge.url}/api/nothing-here`, { headers: { authorization: `Bearer ${tenant.apiKey}` } }), 404],
    ];
    for (const [pending, status] of cases) {
      const r = await pending;
      const text = await r.text();
      const body = JSON.parse(text) as { error: unknown };
      expect({ status: r.status, error: typeof body.error, text }).toEqual({ status, error: 'string', text });
    }
    await expect(ollama.pull({ model: MODEL })).rejects.toThrow(/not available/);
  });

  it('takes the key from x-api-key as well', async () => {
    const r = await fetch(`${edge.url}/api/tags`, { headers: { 'x-api-key': tenant.apiKey } });
    expect(r.status).toBe(200);
    const v1 = await fetch(`${edge.url}/v1/models`, { headers: { 'x-api-key': tenant.apiKey } });
    expect(((await v1.json()) as { data: { id: string }[] }).data.map((m) => m.id)).toEqual([MODEL]);
  });
});
