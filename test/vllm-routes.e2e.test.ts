// vLLM's routes beyond chat and completions, relayed by both edge hosts as bytes:
// tokenizer, scoring, Responses API, multipart audio, and errors in OpenAI's shape.
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Child } from './support/processes';
import {
  clientFor,
  directClient,
  hostKinds,
  MODEL,
  startServedStack,
  stopStack,
  type EdgeUnderTest,
  type Tenant,
} from './support/stack';

describe.each(hostKinds)('vLLM’s other routes through the %s edge', (kind) => {
  let edge: EdgeUnderTest;
  let sim: Child & { url: string };
  let tenant: Tenant;
  let agent: Child;
  let client: OpenAI;
  let direct: OpenAI;

  beforeAll(async () => {
    ({ edge, sim, tenant, agent } = await startServedStack(kind, { queueTimeoutS: 4 }));
    client = clientFor(edge, tenant);
    direct = directClient(sim.url);
  }, 120_000);

  afterAll(async () => {
    await stopStack({ agent, sim, edge });
  }, 60_000);

  const both = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const init = (auth: Record<string, string>) => ({
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const [viaEdge, viaSim] = await Promise.all([fetch(`${edge.url}${path}`, init({ authorization: `Bearer ${tenant.apiKey}` })), fetch(`${sim.url}${path}`, init({}))]);
    return { viaEdge, viaSim, edgeJson: await viaEdge.json(), simJson: await viaSim.json() };
  };

  it.each([
    ['/tokenize with a model', '/tokenize', { model: MODEL, prompt: 'Hello tokenizer, count me' }],
    ['/tokenize without one (any agent of the tenant)', '/tokenize', { prompt: 'Hello tokenizer, count me' }],
    ['/detokenize', '/detokenize', { model: MODEL, tokens: [1, 2, 3] }],
  ])('relays %s and answers as vLLM does', async (_label, path, body) => {
    const { viaEdge, edgeJson, simJson } = await both(path, body);
    expect(viaEdge.status).toBe(200);
    expect(edgeJson).toEqual(simJson);
  });

  it('relays /rerank, /v2/rerank and /v1/score with vLLM’s shapes', async () => {
    const rerank = { model: MODEL, query: 'what is a GPU', documents: ['a GPU is a processor', 'bananas are yellow'] };
    for (const path of ['/rerank', '/v2/rerank']) {
      const { viaEdge, edgeJson } = await both(path, rerank);
      expect(viaEdge.status).toBe(200);
      expect(edgeJson).toMatchObject({ model: MODEL, results: [{ index: expect.any(Number), relevance_score: expect.any(Number) }, expect.any(Object)] });
    }
    const { edgeJson, simJson } = await both('/v1/score', { model: MODEL, text_1: 'a', text_2: ['a', 'b'] });
    expect((edgeJson as { data: unknown[] }).data).toEqual((simJson as { data: unknown[] }).data);
  });

  it('creates a response with the Responses API and gets it back by id', async () => {
    const req = { model: MODEL, input: 'Tell me about batching', max_output_tokens: 12 };
    const [viaEdge, viaSim] = await Promise.all([client.responses.create(req), direct.responses.create(req)]);
    expect(viaEdge.output_text).toBe(viaSim.output_text);
    expect(viaEdge.output_text.length).toBeGreaterThan(0);
    const again = await client.responses.retrieve(viaEdge.id);
    expect(again.id).toBe(viaEdge.id);
    expect(again.output_text).toBe(viaEdge.output_text);
  });

  it('relays a multipart audio upload as bytes, routed by its model field', async () => {
    const audio = new Uint8Array(64 * 1024).map((_, i) => (i * 31) % 251);
    const make = async (c: OpenAI) => c.audio.transcriptions.create({ model: MODEL, file: await toFile(audio, 'clip.wav', { type: 'audio/wav' }) });
    const [viaEdge, viaSim] = await Promise.all([make(client), make(direct)]);
    expect(viaEdge.text).toBe(viaSim.text);
    expect(viaEdge.text.split(' ').length).toBeGreaterThan(5);
  });

  it('never parses a body that is not JSON: vLLM gets the bytes and answers itself', async () => {
    const { viaEdge, viaSim, edgeJson, simJson } = await both('/tokenize', 'not json at all', { 'content-type': 'text/plain' });
    expect(viaEdge.status).toBe(viaSim.status);
    expect(edgeJson).toEqual(simJson);
  });

  it('answers on /v1 in OpenAI’s shape: vLLM’s own errors as vLLM words them, the edge’s in OpenAI’s', async () => {
    // An unknown POST route reaches vLLM, which answers 404 in its shape.
    const unknown = await both('/v1/not-a-route', { model: MODEL });
    expect(unknown.viaEdge.status).toBe(404);
    expect(unknown.edgeJson).toEqual(unknown.simJson);
    // A prompt over max_model_len: vLLM's 400, relayed as it is.
    const tooLong = await both('/v1/completions', { model: MODEL, prompt: 'word '.repeat(3000), max_tokens: 10 });
    expect(tooLong.viaEdge.status).toBe(400);
    expect(tooLong.edgeJson).toEqual(tooLong.simJson);
    // The edge's own errors: an unknown GET path, and a missing model.
    const get = await fetch(`${edge.url}/v1/nothing`, { headers: { authorization: `Bearer ${tenant.apiKey}` } });
    expect(get.status).toBe(404);
    expect(await get.json()).toMatchObject({ error: { message: expect.any(String), type: 'not_found_error', code: 'unknown_url' } });
    const err = await client.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] } as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
  });

  it('takes the key from x-api-key on /v1, as Anthropic-style clients send it', async () => {
    const r = await fetch(`${edge.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': tenant.apiKey },
      body: JSON.stringify({ model: MODEL, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    });
    // Past the edge's key check: the simulator has no /v1/messages, and says so in vLLM's shape.
    expect(r.status).toBe(404);
    expect(await r.json()).toMatchObject({ error: { code: 404 } });
    const bad = await fetch(`${edge.url}/tokenize`, { method: 'POST', headers: { 'x-api-key': 'vl-nobody-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, body: '{}' });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ error: { code: 'invalid_api_key' } });
  });
});
