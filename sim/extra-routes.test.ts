import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimServer } from './server';
import { countPromptTokens } from './tokens';

let sim: SimServer;
const model = 'facebook/opt-125m';

beforeAll(async () => {
  sim = await startSim({ port: 0, models: [model] });
});
afterAll(() => sim.close());

const post = async (path: string, body: unknown) => {
  const res = await fetch(`${sim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};

describe('the simulator’s other vLLM routes', () => {
  it('tokenizes in vLLM’s TokenizeResponse shape, counting as the generation routes do', async () => {
    const prompt = 'Hello tokenizer, count me';
    const { status, json } = await post('/tokenize', { model, prompt });
    expect(status).toBe(200);
    expect(json).toEqual({ count: countPromptTokens(prompt), max_model_len: expect.any(Number), tokens: expect.any(Array), token_strs: null });
    expect((json.tokens as number[]).length).toBe(json.count);
  });

  it('detokenizes token ids into a prompt', async () => {
    expect((await post('/detokenize', { tokens: [5, 6] })).json).toEqual({ prompt: ' tok5 tok6' });
  });

  it('reranks documents best first and scores pairs, with usage', async () => {
    const rerank = await post('/rerank', { model, query: 'q', documents: ['a', 'b', 'c'], top_n: 2 });
    const results = rerank.json.results as { relevance_score: number }[];
    expect(results).toHaveLength(2);
    expect(results[0].relevance_score).toBeGreaterThanOrEqual(results[1].relevance_score);
    expect(rerank.json.usage).toEqual({ total_tokens: expect.any(Number) });
    const score = await post('/score', { model, text_1: 'x', text_2: ['x', 'y'] });
    expect(score.json).toMatchObject({ object: 'list', data: [{ index: 0, object: 'score' }, { index: 1, object: 'score' }] });
    expect((score.json.data as { score: number }[])[0].score).toBeCloseTo(1);
  });

  it('answers the Responses API and keeps the response for GET by id', async () => {
    const { status, json } = await post('/v1/responses', { model, input: 'hi', max_output_tokens: 4 });
    expect(status).toBe(200);
    expect(json).toMatchObject({ object: 'response', status: 'incomplete', usage: { output_tokens: 4 } });
    const again = await fetch(`${sim.url}/v1/responses/${json.id as string}`);
    expect(await again.json()).toEqual(json);
    expect((await fetch(`${sim.url}/v1/responses/resp_nope`)).status).toBe(404);
  });

  it('transcribes a multipart upload, the same bytes always to the same words', async () => {
    const form = () => {
      const f = new FormData();
      f.append('file', new Blob([new Uint8Array(1000).fill(7)], { type: 'audio/wav' }), 'a.wav');
      f.append('model', model);
      return f;
    };
    const [a, b] = await Promise.all([1, 2].map(async () => (await fetch(`${sim.url}/v1/audio/transcriptions`, { method: 'POST', body: form() })).json()));
    expect(a).toEqual(b);
    expect(a).toMatchObject({ text: expect.stringMatching(/\w+ \w+/), usage: { type: 'duration', seconds: 1 } });
    expect((await post('/v1/audio/transcriptions', { model })).status).toBe(400);
  });
});
