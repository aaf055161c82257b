import { request } from 'node:http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimServer } from './server';

let sim: SimServer;
let client: OpenAI;
const model = 'facebook/opt-125m';
const messages = [{ role: 'user' as const, content: 'Say something about continuous batching.' }];

beforeAll(async () => {
  sim = await startSim({ port: 0, models: [model, 'alias'] });
  client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'x', maxRetries: 0 });
});
afterAll(() => sim.close());

const post = (path: string, body: string | object) =>
  fetch(`${sim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

async function abortCount(): Promise<number> {
  const text = await (await fetch(`${sim.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('vllm:request_success_total{') && l.includes('finished_reason="abort"'));
  return Number(line?.split(' ').pop());
}

describe('sim server', () => {
  it('answers a non-streamed chat completion in vLLM\'s shape', async () => {
    const res = await client.chat.completions.create({ model, messages, max_tokens: 10 });
    expect(res.id).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
    expect(res).toMatchObject({ object: 'chat.completion', model, choices: [{ index: 0, message: { role: 'assistant' }, finish_reason: 'length' }] });
    expect(res.choices[0].message.content?.length).toBeGreaterThan(0);
    expect(res.usage).toMatchObject({ completion_tokens: 10, total_tokens: res.usage!.prompt_tokens + 10 });
  });

  it('streams a chat completion: role delta, content deltas, finish_reason with the last token, usage, [DONE]', async () => {
    const stream = await client.chat.completions.create({ model, messages, max_tokens: 12, stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0].choices[0]).toMatchObject({ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null });
    const withChoices = chunks.filter((c) => c.choices.length > 0);
    expect(withChoices).toHaveLength(13); // role + 12 tokens
    expect(withChoices.at(-1)!.choices[0].finish_reason).toBe('length');
    expect(chunks.at(-1)).toMatchObject({ object: 'chat.completion.chunk', choices: [], usage: { completion_tokens: 12 } });
    const streamed = withChoices.map((c) => c.choices[0].delta.content ?? '').join('');
    const whole = await client.chat.completions.create({ model, messages, max_tokens: 12 });
    expect(streamed).toBe(whole.choices[0].message.content);
  });

  it('frames every event as `data: <json>` with text/event-stream and ends with [DONE]', async () => {
    const res = await post('/v1/chat/completions', { model, messages, max_tokens: 3, stream: true });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const events = (await res.text()).split('\n\n');
    expect(events.pop()).toBe('');
    expect(events.pop()).toBe('data: [DONE]');
    for (const e of events) expect(() => JSON.parse(e.replace(/^data: /, ''))).not.toThrow();
    expect(events).toHaveLength(4);
  });

  it('answers completions, streamed and not, with the same text', async () => {
    const whole = await client.completions.create({ model, prompt: 'Once upon a time', max_tokens: 8 });
    expect(whole.id).toMatch(/^cmpl-/);
    expect(whole.choices[0]).toMatchObject({ index: 0, logprobs: null, finish_reason: 'length', stop_reason: null });
    const stream = await client.completions.create({ model, prompt: 'Once upon a time', max_tokens: 8, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe(whole.choices[0].text);
    expect(usage).toEqual(whole.usage && { prompt_tokens: whole.usage.prompt_tokens, total_tokens: whole.usage.total_tokens, completion_tokens: 8 });
  });

  it('gives the same text for the same request twice', async () => {
    const ask = () => client.chat.completions.create({ model, messages, max_tokens: 20, temperature: 0.8, seed: 3 });
    const [a, b] = await Promise.all([ask(), ask()]);
    expect(a.choices[0].message.content).toBe(b.choices[0].message.content);
  });

  it('truncates at a stop string and reports finish_reason "stop"', async () => {
    const free = await client.completions.create({ model, prompt: 'stop test', max_tokens: 30, ignore_eos: true } as never);
    const text = free.choices[0].text;
    const stop = text.split(' ').filter(Boolean)[5];
    const res = await client.completions.create({ model, prompt: 'stop test', max_tokens: 30, ignore_eos: true, stop: [stop] } as never);
    expect(res.choices[0].text).toBe(text.slice(0, text.indexOf(stop)));
    expect(res.choices[0]).toMatchObject({ finish_reason: 'stop', stop_reason: stop });
  });

  it('lists the served models with vLLM\'s fields', async () => {
    const list = await client.models.list();
    expect(list.data.map((m) => m.id)).toEqual([model, 'alias']);
    expect(list.data[0]).toMatchObject({ object: 'model', owned_by: 'vllm', root: model, parent: null, max_model_len: 2048 });
  });

  it('serves deterministic embeddings in float and base64 (the SDK default)', async () => {
    const viaSdk = await client.embeddings.create({ model, input: ['one', 'two'] });
    expect(viaSdk.data).toHaveLength(2);
    expect(viaSdk.data[0].embedding).toHaveLength(64);
    const floats = await (await post('/v1/embeddings', { model, input: 'one', encoding_format: 'float' })).json();
    expect(floats).toMatchObject({ object: 'list', model, data: [{ object: 'embedding', index: 0 }] });
    floats.data[0].embedding.forEach((x: number, i: number) => expect(viaSdk.data[0].embedding[i]).toBeCloseTo(x, 6));
  });

  it('exposes vLLM\'s metric names with a model_name label', async () => {
    const text = await (await fetch(`${sim.url}/metrics`)).text();
    for (const name of [
      'vllm:num_requests_running', 'vllm:num_requests_waiting', 'vllm:request_success_total', 'vllm:prompt_tokens_total',
      'vllm:generation_tokens_total', 'vllm:time_to_first_token_seconds_bucket', 'vllm:e2e_request_latency_seconds_count',
    ]) {
      expect(text).toContain(`${name}{`);
    }
    expect(text).toContain(`model_name="${model}"`);
  });

  it('aborts the sequence and counts finished_reason="abort" when the client drops a stream', async () => {
    const before = await abortCount();
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model, messages, max_tokens: 1000, stream: true, ignore_eos: true } as never,
      { signal: controller.signal },
    ) as unknown as AsyncIterable<unknown>;
    let seen = 0;
    try {
      for await (const _ of stream) if (++seen === 3) controller.abort();
    } catch {
      // Whether the SDK ends the loop or throws on abort varies by version; either is fine here.
    }
    expect(seen).toBe(3);
    const deadline = Date.now() + 1000;
    while ((await abortCount()) === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(await abortCount()).toBe(before + 1);
    expect(sim.engine.running).toBe(0);
  });

  it('aborts a non-streamed request whose client goes away', async () => {
    const before = await abortCount();
    const body = { model, messages, max_tokens: 1000, ignore_eos: true };
    await expect(
      fetch(`${sim.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(50) }),
    ).rejects.toThrow();
    const deadline = Date.now() + 1000;
    while ((await abortCount()) === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(await abortCount()).toBe(before + 1);
  });

  it.each([
    ['stream_options without stream', '/v1/completions', { model, prompt: 'hi', stream_options: { include_usage: true } }, 400, 'BadRequestError', /stream=True/],
    ['malformed JSON', '/v1/chat/completions', '{"model":', 400, 'BadRequestError', /JSON/],
    ['an unknown model', '/v1/chat/completions', { model: 'nope', messages }, 404, 'NotFoundError', /^The model `nope` does not exist\.$/],
    ['a prompt plus max_tokens over max_model_len', '/v1/completions', { model, prompt: 'hi', max_tokens: 5000 }, 400, 'BadRequestError', /maximum context length is 2048 tokens/],
    ['n other than 1', '/v1/chat/completions', { model, messages, n: 2 }, 400, 'BadRequestError', /n must be 1/],
    ['a missing field', '/v1/chat/completions', { model }, 400, 'BadRequestError', /messages/],
    ['an unknown path', '/v1/nothing', {}, 404, 'NotFoundError', /nothing/],
  ])('answers %s in the OpenAI error format', async (_what, path, body, status, type, message) => {
    const res = await post(path, body);
    expect(res.status).toBe(status);
    const json = await res.json();
    expect(json).toEqual({ error: { message: expect.stringMatching(message), type, param: null, code: status } });
  });

  it('surfaces errors to the SDK with their status', async () => {
    await expect(client.chat.completions.create({ model: 'nope', messages })).rejects.toMatchObject({ status: 404 });
  });

  it('refuses a body declared larger than 32 MiB with 413', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${sim.url}/v1/completions`, { method: 'POST', headers: { 'content-length': String(64 * 1024 * 1024) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('{}');
    });
    expect(status).toBe(413);
  });
});

describe('sim server startup', () => {
  it('answers 503 on /health and /v1/* until the startup delay has passed', async () => {
    const slow = await startSim({ port: 0, startupDelayMs: 300 });
    try {
      expect((await fetch(`${slow.url}/health`)).status).toBe(503);
      const models = await fetch(`${slow.url}/v1/models`);
      expect(models.status).toBe(503);
      expect((await models.json()).error.code).toBe(503);
      await new Promise((r) => setTimeout(r, 350));
      expect((await fetch(`${slow.url}/health`)).status).toBe(200);
      expect((await fetch(`${slow.url}/v1/models`)).status).toBe(200);
    } finally {
      await slow.close();
    }
  });
});
