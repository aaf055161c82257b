import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openMemorySql, type MemorySql } from '../../../test/support/memory-sql';
import { FakeAgent, type FakeHandler } from '../../../test/support/fake-agent';
import { Hub } from '../hub/index';
import { openaiRoutes, type RelayHub } from './routes-openai';
import { migrate, TenantStore, type CreatedTenant } from '../store/index';

const MODEL = 'facebook/opt-125m';
const echo: FakeHandler = (req) => ({
  headers: { 'content-type': 'application/json' },
  chunks: [JSON.stringify({ path: req.head.path, model: req.head.model })],
  usage: { prompt_tokens: 3, completion_tokens: 4 },
});

describe('OpenAI routes of one tenant', () => {
  let sql: MemorySql;
  let store: TenantStore;
  let hub: Hub;
  let acme: CreatedTenant;
  let app: ReturnType<typeof openaiRoutes>;
  const logs: string[] = [];

  const post = (path: string, body: unknown, headers: Record<string, string> = {}, key = acme.apiKey) =>
    app.request(path, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  /** An agent on the hub serving `models`, answering every request with `handler`. */
  const serve = (handler: FakeHandler, models = [MODEL]) => new FakeAgent().answering(handler).join(hub, { models });

  beforeEach(async () => {
    sql = openMemorySql();
    migrate(sql);
    store = new TenantStore(sql);
    acme = await store.createTenant('acme');
    await store.createTenant('other');
    hub = new Hub({ tenant: 'acme', queueTimeoutMs: 100, startupGraceMs: 0, schedule: setImmediate, log: () => {} });
    logs.length = 0;
    app = openaiRoutes({ tenant: 'acme', store, hub, log: (line) => logs.push(line) });
  });

  afterEach(() => {
    hub.close();
    sql.close();
  });

  describe('answers 401 invalid_api_key in OpenAI shape', () => {
    const cases: [string, () => Record<string, string>][] = [
      ['no Authorization header', () => ({})],
      ['a malformed Authorization header', () => ({ authorization: 'Bearer nope' })],
      ['a non-Bearer scheme', () => ({ authorization: `Basic ${acme.apiKey}` })],
      ['an agent token', () => ({ authorization: `Bearer ${acme.agentToken}` })],
      ['a well-formed key that was never issued', () => ({ authorization: `Bearer vl-acme-${'x'.repeat(32)}` })],
    ];
    it.each(cases)('for %s', async (_, headers) => {
      const res = await app.request('/v1/chat/completions', { method: 'POST', headers: headers(), body: '{}' });
      expect(res.status).toBe(401);
      expect(res.headers.get('x-request-id')).toMatch(/^req_/);
      expect(await res.json()).toEqual({
        error: { message: 'Incorrect API key provided.', type: 'authentication_error', param: null, code: 'invalid_api_key' },
      });
    });

    it('for a key of another tenant', async () => {
      const other = await store.createKey('other');
      expect((await post('/v1/chat/completions', { model: MODEL }, {}, other.apiKey)).status).toBe(401);
    });

    it('for a revoked key, at once', async () => {
      expect((await app.request('/v1/models', { headers: { authorization: `Bearer ${acme.apiKey}` } })).status).toBe(200);
      store.revokeKey('acme', acme.keyId);
      expect((await app.request('/v1/models', { headers: { authorization: `Bearer ${acme.apiKey}` } })).status).toBe(401);
    });
  });

  it('keeps a sane client x-request-id and replaces an insane one', async () => {
    const kept = await post('/v1/chat/completions', '{', { 'x-request-id': 'client-1.a_b' });
    expect(kept.headers.get('x-request-id')).toBe('client-1.a_b');
    const replaced = await post('/v1/chat/completions', '{', { 'x-request-id': 'a b<script>' });
    expect(replaced.headers.get('x-request-id')).toMatch(/^req_/);
    const long = await post('/v1/chat/completions', '{', { 'x-request-id': 'a'.repeat(129) });
    expect(long.headers.get('x-request-id')).toMatch(/^req_/);
  });

  describe('request bodies', () => {
    let small: string;
    beforeEach(async () => {
      small = (await store.createKey('acme', { maxBodyBytes: 100 })).apiKey;
    });

    it('answers 413 request_too_large from Content-Length without reading the body', async () => {
      const res = await post('/v1/chat/completions', { model: MODEL, pad: 'x'.repeat(200) }, {}, small);
      expect(res.status).toBe(413);
      expect((await res.json()).error).toMatchObject({ code: 'request_too_large', type: 'invalid_request_error' });
    });

    it('answers 413 for a streamed body without Content-Length once it passes the limit, reading no further', async () => {
      let pulled = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          pulled++;
          controller.enqueue(new Uint8Array(60).fill(32));
          if (pulled === 100) controller.close();
        },
      });
      const res = await app.request(
        new Request('http://edge/v1/chat/completions', {
          method: 'POST',
          headers: { authorization: `Bearer ${small}` },
          body,
          duplex: 'half',
        } as RequestInit),
      );
      expect(res.status).toBe(413);
      expect(pulled).toBeLessThan(5);
    });

    it.each([
      ['not JSON', '{"model":', 400, 'invalid_json', null],
      ['JSON without model', { messages: [] }, 400, 'missing_model', 'model'],
      ['a model that is not a string', { model: 7 }, 400, 'invalid_type', 'model'],
      ['a JSON array', [{ model: MODEL }], 400, 'invalid_type', null],
      ['messages that are not an array', { model: MODEL, messages: 'hi' }, 400, 'invalid_type', 'messages'],
      ['stream that is not a boolean', { model: MODEL, stream: 'yes' }, 400, 'invalid_type', 'stream'],
      ['an empty body', '', 400, 'invalid_json', null],
    ])('answers %s with %i %s', async (_, body, status, code, param) => {
      const res = await post('/v1/chat/completions', body);
      expect(res.status).toBe(status);
      expect((await res.json()).error).toMatchObject({ code, param, type: 'invalid_request_error' });
    });
  });

  describe('refuses what cannot go in a request frame, before any frame is built', () => {
    it.each([
      ['a 2,100-character query string', `/v1/chat/completions?${'a'.repeat(2100)}`, {}, 414, 'uri_too_long'],
      ['150 headers', '/v1/chat/completions', Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`x-h${i}`, 'v'])), 431, 'request_headers_too_large'],
      ['a 20 KB header', '/v1/chat/completions', { 'x-big': 'b'.repeat(20_000) }, 431, 'request_headers_too_large'],
    ])('answers %s with %i %s, and the agent sees nothing', async (_, path, headers, status, code) => {
      const agent = await serve(echo);
      const res = await post(path, { model: MODEL }, headers);
      expect(res.status).toBe(status);
      expect((await res.json()).error).toMatchObject({ code, type: 'invalid_request_error' });
      expect(agent.sent('request')).toHaveLength(0);
      // The link is whole: the next request is relayed.
      expect((await post('/v1/chat/completions', { model: MODEL })).status).toBe(200);
    });
  });

  it('answers 404 model_not_found for a model the key may not use', async () => {
    const { apiKey } = await store.createKey('acme', { models: ['only-this'] });
    const res = await post('/v1/chat/completions', { model: MODEL }, {}, apiKey);
    expect(res.status).toBe(404);
    expect((await res.json()).error).toMatchObject({ code: 'model_not_found', param: 'model' });
  });

  it('answers 429 rate_limit_exceeded with Retry-After past the key rpm', async () => {
    await serve(echo);
    const { apiKey } = await store.createKey('acme', { rpm: 2 });
    for (let i = 0; i < 2; i++) expect((await post('/v1/completions', { model: MODEL }, {}, apiKey)).status).toBe(200);
    const res = await post('/v1/completions', { model: MODEL }, {}, apiKey);
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await res.json()).error).toMatchObject({ code: 'rate_limit_exceeded', type: 'rate_limit_error' });
  });

  it('queues a request past maxConcurrent until a slot frees, and answers 429 concurrency_limit_exceeded past the queue timeout', async () => {
    const holds: (() => void)[] = [];
    await serve(async () => {
      await new Promise<void>((resolve) => holds.push(resolve));
      return { chunks: ['{}'] };
    });
    const { apiKey } = await store.createKey('acme', { maxConcurrent: 1 });
    const call = (target = app) =>
      target.request('/v1/chat/completions', { method: 'POST', headers: { authorization: `Bearer ${apiKey}` }, body: JSON.stringify({ model: MODEL }) });
    const first = call();
    await vi.waitFor(() => expect(holds).toHaveLength(1));
    const queued = call();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(hub.agents()[0].inflight).toBe(1); // the second waits at the edge, not at the agent
    holds[0]();
    expect(await (await first).text()).toBe('{}');
    await vi.waitFor(() => expect(holds).toHaveLength(2));
    holds[1]();
    expect(await (await queued).text()).toBe('{}');

    const shortWait = openaiRoutes({ tenant: 'acme', store, hub, queueTimeoutMs: 50, log: () => {} });
    const busy = call(shortWait);
    await vi.waitFor(() => expect(holds).toHaveLength(3));
    const refused = await call(shortWait);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect((await refused.json()).error.code).toBe('concurrency_limit_exceeded');
    holds[2]();
    expect((await busy).status).toBe(200);
  });

  it('relays the request to the agent as sent, minus credentials and hop-by-hop headers, and records usage', async () => {
    const agent = await serve(echo);
    const body = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] });
    const res = await post('/v1/chat/completions?x=1', body, {
      cookie: 'session=1',
      connection: 'keep-alive, x-secret-hop',
      'x-secret-hop': '1',
      'openai-organization': 'org-1',
      'x-request-id': 'rid-1',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('rid-1');
    expect(await res.json()).toEqual({ path: '/v1/chat/completions?x=1', model: MODEL });
    const [req] = agent.requests;
    expect(new TextDecoder().decode(req.body)).toBe(body);
    expect(req.head).toMatchObject({ method: 'POST', requestId: 'rid-1', model: MODEL });
    expect(req.head.headers).toMatchObject({ 'content-type': 'application/json', 'openai-organization': 'org-1' });
    for (const dropped of ['authorization', 'cookie', 'connection', 'x-secret-hop', 'content-length', 'host']) {
      expect(req.head.headers).not.toHaveProperty(dropped);
    }
    await vi.waitFor(() =>
      expect(store.usage('acme')).toEqual([
        expect.objectContaining({ keyId: acme.keyId, requests: 1, promptTokens: 3, completionTokens: 4 }),
      ]),
    );
  });

  it.each([
    ['a stream that did not ask for usage', '/v1/chat/completions', { stream: true }, 'ask'],
    ['a stream that asked for usage', '/v1/completions', { stream: true, stream_options: { include_usage: true } }, 'as-sent'],
    ['a request that is not streamed', '/v1/chat/completions', { stream: false }, 'as-sent'],
    ['a stream whose stream_options the agent must rewrite', '/v1/chat/completions', { stream: true, stream_options: { include_usage: false } }, undefined],
    ['a route without stream_options', '/v1/embeddings', { stream: true, input: 'x' }, 'as-sent'],
  ])('tells the agent what %s needs for usage, so it need not parse the body again', async (_why, path, fields, hint) => {
    const agent = await serve(echo);
    const res = await post(path, { model: MODEL, messages: [{ role: 'user', content: 'hi' }], prompt: 'hi', ...fields });
    expect(res.status).toBe(200);
    expect(agent.requests[0].head.usageHint).toBe(hint);
  });

  it('relays any other POST /v1/* path as is', async () => {
    const agent = await serve(echo);
    const res = await post('/v1/audio/whatever', { model: MODEL });
    expect(res.status).toBe(200);
    expect(agent.requests[0].head.path).toBe('/v1/audio/whatever');
  });

  it('lists the connected models in OpenAI shape, filtered by the key', async () => {
    await serve(echo, [MODEL, 'other-model']);
    const res = await app.request('/v1/models', { headers: { authorization: `Bearer ${acme.apiKey}` } });
    const list = await res.json();
    expect(list).toEqual({
      object: 'list',
      data: [
        { id: MODEL, object: 'model', created: expect.any(Number), owned_by: 'vllama' },
        { id: 'other-model', object: 'model', created: expect.any(Number), owned_by: 'vllama' },
      ],
    });
    const { apiKey } = await store.createKey('acme', { models: ['other-model'] });
    const filtered = await (await app.request('/v1/models', { headers: { authorization: `Bearer ${apiKey}` } })).json();
    expect(filtered.data.map((m: { id: string }) => m.id)).toEqual(['other-model']);
    const one = await app.request(`/v1/models/${MODEL}`, { headers: { authorization: `Bearer ${acme.apiKey}` } });
    expect(await one.json()).toMatchObject({ id: MODEL, object: 'model' });
  });

  it.each([
    ['GET', '/v1/nope'],
    ['DELETE', '/v1/models'],
    ['PUT', '/v1/chat/completions'],
  ])('answers %s %s with 404 in OpenAI shape', async (method, path) => {
    const res = await app.request(path, { method, headers: { authorization: `Bearer ${acme.apiKey}` } });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect((await res.json()).error).toMatchObject({ code: 'unknown_url', type: 'not_found_error', message: `Invalid URL (${method} ${path})` });
  });

  it('answers 503 in OpenAI shape when no agent comes within the queue timeout', async () => {
    const res = await post('/v1/chat/completions', { model: MODEL });
    expect(res.status).toBe(503);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect((await res.json()).error).toMatchObject({ code: 'no_agent', type: 'service_unavailable' });
  });

  it('cancels the agent stream when the client goes away', async () => {
    const agent = await serve(() => new Promise(() => {}));
    const abort = new AbortController();
    const pending = Promise.resolve(
      app.request(
        new Request('http://edge/v1/chat/completions', {
          method: 'POST',
          headers: { authorization: `Bearer ${acme.apiKey}` },
          body: JSON.stringify({ model: MODEL }),
          signal: abort.signal,
        }),
      ),
    );
    await vi.waitFor(() => expect(agent.requests).toHaveLength(1));
    abort.abort();
    await pending.catch(() => {});
    await vi.waitFor(() => expect(agent.cancelled).toEqual([1]));
  });

  it('logs an unexpected error with the request id and answers 500 internal_error', async () => {
    const broken: RelayHub = {
      relay: () => Promise.reject(new Error('kaboom')),
      models: () => [],
      agents: () => [],
    };
    const brokenApp = openaiRoutes({ tenant: 'acme', store, hub: broken, log: (line) => logs.push(line) });
    const res = await brokenApp.request('/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${acme.apiKey}`, 'x-request-id': 'rid-500' },
      body: JSON.stringify({ model: MODEL }),
    });
    expect(res.status).toBe(500);
    expect(res.headers.get('x-request-id')).toBe('rid-500');
    expect((await res.json()).error).toMatchObject({ code: 'internal_error', type: 'api_error' });
    expect(logs.join('\n')).toMatch(/rid-500.*kaboom/s);
  });
});
