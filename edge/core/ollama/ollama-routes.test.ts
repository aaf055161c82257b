import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMemorySql, type MemorySql } from '../../../test/support/memory-sql';
import { FakeAgent, type FakeHandler, type FakeRequest } from '../../../test/support/fake-agent';
import { Hub } from '../hub/index';
import { tenantRoutes } from '../http/index';
import { migrate, TenantStore, type CreatedTenant } from '../store/index';

const MODEL = 'facebook/opt-125m';
const sse = (...events: unknown[]) => events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('') + 'data: [DONE]\n\n';

describe('Ollama routes of one tenant', () => {
  let sql: MemorySql;
  let store: TenantStore;
  let hub: Hub;
  let acme: CreatedTenant;
  let app: ReturnType<typeof tenantRoutes>;
  const seen: FakeRequest[] = [];

  const chatReply: FakeHandler = (req) => {
    seen.push(req);
    return {
      headers: { 'content-type': 'text/event-stream' },
      chunks: [
        sse(
          { choices: [{ delta: { role: 'assistant', content: '' } }] },
          { choices: [{ delta: { tool_calls: [{ index: 0, id: 'c1', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }] }, finish_reason: 'tool_calls' }] },
          { choices: [], usage: { prompt_tokens: 11, completion_tokens: 5 } },
        ),
      ],
      usage: { prompt_tokens: 11, completion_tokens: 5 },
    };
  };

  const post = (path: string, body: unknown, key = acme.apiKey) =>
    app.fetch(new Request(`http://edge${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: JSON.stringify(body) }));

  beforeEach(async () => {
    sql = openMemorySql();
    migrate(sql);
    store = new TenantStore(sql);
    acme = await store.createTenant('acme');
    hub = new Hub({ tenant: 'acme', queueTimeoutMs: 100, startupGraceMs: 0, schedule: setImmediate, log: () => {} });
    app = tenantRoutes({ tenant: 'acme', store, hub, log: () => {} });
    seen.length = 0;
    await new FakeAgent().answering(chatReply).join(hub, { models: [MODEL] });
  });

  afterEach(() => {
    hub.close();
    sql.close();
  });

  it('sends a chat as a streamed /v1/chat/completions with usage, and maps the tool call back', async () => {
    const tools = [{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }];
    const res = await post('/api/chat', { model: MODEL, stream: false, messages: [{ role: 'user', content: 'weather?' }], tools, options: { num_predict: 9, repeat_penalty: 1.2 }, keep_alive: -1 });
    expect(res.status).toBe(200);
    expect(seen[0].head).toMatchObject({ method: 'POST', path: '/v1/chat/completions', model: MODEL });
    expect(JSON.parse(new TextDecoder().decode(seen[0].body))).toEqual({
      model: MODEL, messages: [{ role: 'user', content: 'weather?' }], stream: true, stream_options: { include_usage: true },
      max_tokens: 9, repetition_penalty: 1.2, tools,
    });
    expect(await res.json()).toMatchObject({
      model: MODEL, done: true, done_reason: 'stop', prompt_eval_count: 11, eval_count: 5,
      message: { role: 'assistant', content: '', tool_calls: [{ function: { name: 'weather', arguments: { city: 'Oslo' } } }] },
    });
  });

  it('records the request in the key’s usage, as /v1 does', async () => {
    await (await post('/api/chat', { model: MODEL, messages: [{ role: 'user', content: 'x' }] })).text();
    expect(await store.usage('acme')).toMatchObject([{ requests: 1, promptTokens: 11, completionTokens: 5 }]);
  });

  it('holds the key to its limits: requests per minute, in Ollama’s error shape', async () => {
    const limited = await store.createKey('acme', { rpm: 1 });
    expect((await post('/api/chat', { model: MODEL, stream: false, messages: [{ role: 'user', content: 'hi' }] }, limited.apiKey)).status).toBe(200);
    const refused = await post('/api/chat', { model: MODEL, stream: false, messages: [{ role: 'user', content: 'hi' }] }, limited.apiKey);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await refused.json()).toEqual({ error: expect.stringContaining('Rate limit') });
  });

  it('keeps a key from the models it may not use', async () => {
    const narrow = await store.createKey('acme', { models: ['other/model'] });
    const res = await post('/api/chat', { model: MODEL, messages: [{ role: 'user', content: 'hi' }] }, narrow.apiKey);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: expect.any(String) });
    const tags = await app.fetch(new Request('http://edge/api/tags', { headers: { authorization: `Bearer ${narrow.apiKey}` } }));
    expect(await tags.json()).toEqual({ models: [] });
  });

  it('answers a chat with no messages and a generate with no prompt as Ollama loads a model: done at once, nothing relayed', async () => {
    const chat = await post('/api/chat', { model: MODEL, messages: [] });
    expect(chat.status).toBe(200);
    expect(await chat.json()).toMatchObject({ model: MODEL, message: { role: 'assistant', content: '' }, done: true, done_reason: 'load' });
    const generate = await post('/api/generate', { model: MODEL });
    expect(await generate.json()).toMatchObject({ model: MODEL, response: '', done: true, done_reason: 'load' });
    expect((await post('/api/chat', { model: 'no/such-model', messages: [] })).status).toBe(404);
  });

  it('answers a wrong key with 401 in Ollama’s shape', async () => {
    const res = await post('/api/tags', {}, `vl-acme-${'x'.repeat(32)}`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'Incorrect API key provided.' });
  });
});
