import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMemorySql, type MemorySql } from '../../../test/support/memory-sql';
import { errorResponseFor } from './error-shape';
import { HttpError } from '../errors';
import { FakeAgent, type FakeHandler } from '../../../test/support/fake-agent';
import { Hub } from '../hub/index';
import { openaiRoutes } from './routes-openai';
import { migrate, TenantStore, type CreatedTenant } from '../store/index';
import { anyModel, isVllmRootRoute } from './vllm-routes';

const echo: FakeHandler = (req) => ({
  headers: { 'content-type': 'application/json' },
  chunks: [JSON.stringify({ method: req.head.method, path: req.head.path, model: req.head.model, bytes: req.body.byteLength })],
});

describe('vLLM’s other routes through the OpenAI app', () => {
  let sql: MemorySql;
  let store: TenantStore;
  let hub: Hub;
  let acme: CreatedTenant;
  let app: ReturnType<typeof openaiRoutes>;

  beforeEach(async () => {
    sql = openMemorySql();
    migrate(sql);
    store = new TenantStore(sql);
    acme = await store.createTenant('acme');
    hub = new Hub({ tenant: 'acme', queueTimeoutMs: 100, startupGraceMs: 0, schedule: setImmediate, log: () => {} });
    app = openaiRoutes({ tenant: 'acme', store, hub, log: () => {} });
    await new FakeAgent().answering(echo).join(hub, { models: ['a/one', 'b/two'] });
  });

  afterEach(() => {
    hub.close();
    sql.close();
  });

  const send = async (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) => {
    const res = await app.request(path, { ...init, headers: { authorization: `Bearer ${acme.apiKey}`, ...init.headers } });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  it('routes /tokenize by the body’s model, and one without a model to a model the tenant serves', async () => {
    const named = await send('/tokenize', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"b/two","prompt":"x"}' });
    expect(named.json).toMatchObject({ path: '/tokenize', model: 'b/two' });
    const unnamed = await send('/tokenize', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"prompt":"x"}' });
    expect(unnamed).toMatchObject({ status: 200, json: { model: 'a/one' } });
  });

  it('relays a multipart upload as its bytes, routed by its model field', async () => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(5000)]), 'a.wav');
    form.append('model', 'b/two');
    const req = new Request('http://x', { method: 'POST', body: form });
    const body = new Uint8Array(await req.arrayBuffer());
    const res = await send('/v1/audio/transcriptions', { method: 'POST', headers: { 'content-type': req.headers.get('content-type')! }, body });
    expect(res.json).toEqual({ method: 'POST', path: '/v1/audio/transcriptions', model: 'b/two', bytes: body.byteLength });
  });

  it('relays GET and DELETE of a stored response, and /v2/*', async () => {
    expect((await send('/v1/responses/resp_1?x=1')).json).toMatchObject({ method: 'GET', path: '/v1/responses/resp_1?x=1' });
    expect((await send('/v1/responses/resp_1', { method: 'DELETE' })).json).toMatchObject({ method: 'DELETE' });
    expect((await send('/v2/rerank', { method: 'POST', body: '{"model":"a/one"}' })).json).toMatchObject({ path: '/v2/rerank', model: 'a/one' });
  });

  it('still asks for a model on OpenAI’s JSON routes', async () => {
    const res = await send('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"messages":[]}' });
    expect(res).toMatchObject({ status: 400, json: { error: { code: 'missing_model' } } });
  });

  it('keeps a key limited to some models to them when the body names none', async () => {
    const narrow = await store.createKey('acme', { models: ['b/two'] });
    const res = await app.request('/tokenize', { method: 'POST', headers: { 'x-api-key': narrow.apiKey }, body: '{"prompt":"x"}' });
    expect(await res.json()).toMatchObject({ model: 'b/two' });
  });
});

describe('isVllmRootRoute', () => {
  it.each([
    ['POST', '/tokenize', true],
    ['POST', '/detokenize', true],
    ['POST', '/rerank', true],
    ['POST', '/score', true],
    ['POST', '/pooling', true],
    ['GET', '/v2/anything', true],
    ['GET', '/tokenize', false],
    ['GET', '/metrics', false],
    ['POST', '/health', false],
  ])('%s %s → %s', (method, path, expected) => {
    expect(isVllmRootRoute(method, path)).toBe(expected);
  });
});

describe('anyModel', () => {
  it('picks the first served model the key may use, else 503 no_agent', () => {
    expect(anyModel(['a', 'b'], null)).toBe('a');
    expect(anyModel(['a', 'b'], ['b'])).toBe('b');
    expect(() => anyModel([], null)).toThrow(HttpError);
  });
});

describe('errorResponseFor', () => {
  it('answers /api/* in Ollama’s shape and everything else in OpenAI’s', async () => {
    const err = new HttpError(404, 'x', 'gone');
    expect(await errorResponseFor('/api/chat', err).json()).toEqual({ error: 'gone' });
    expect(await errorResponseFor('/v1/chat/completions', err).json()).toEqual({ error: { message: 'gone', type: 'not_found_error', param: null, code: 'x' } });
    expect(await errorResponseFor('/apis', err).json()).toHaveProperty('error.code', 'x');
  });
});
