import { describe, expect, it } from 'vitest';
import { chatCall, generateCall, isLoadOnly } from './ollama-requests';

const STREAMED = { stream: true, stream_options: { include_usage: true } };

describe('chatCall', () => {
  it('always streams upstream with usage, and remembers whether the client wants a stream', () => {
    const call = chatCall({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: false, options: { num_predict: 5 }, keep_alive: '5m' });
    expect(call).toEqual({
      path: '/v1/chat/completions',
      body: { model: 'm', messages: [{ role: 'user', content: 'hi' }], ...STREAMED, max_tokens: 5 },
      stream: false,
      reply: 'chat',
    });
    expect(chatCall({ model: 'm', messages: [] }).stream).toBe(true);
  });

  it('passes tools on in OpenAI’s shape and maps format', () => {
    const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];
    const call = chatCall({ model: 'm', messages: [], tools, format: 'json' });
    expect(call.body).toMatchObject({ tools, response_format: { type: 'json_object' } });
  });
});

describe('generateCall', () => {
  it('makes a prompt one user turn after the system prompt, as Ollama’s template does', () => {
    expect(generateCall({ model: 'm', prompt: 'p', system: 's', images: ['iVBOR'] }).body).toEqual({
      model: 'm',
      messages: [
        { role: 'system', content: 's' },
        { role: 'user', content: [{ type: 'text', text: 'p' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBOR' } }] },
      ],
      ...STREAMED,
    });
  });

  it('sends raw and fill-in-the-middle prompts to /v1/completions untouched', () => {
    expect(generateCall({ model: 'm', prompt: 'def f(', raw: true })).toMatchObject({ path: '/v1/completions', body: { prompt: 'def f(' } });
    expect(generateCall({ model: 'm', prompt: 'a', suffix: 'b' })).toMatchObject({ path: '/v1/completions', body: { prompt: 'a', suffix: 'b' } });
  });

  it('knows an empty prompt as a request to load the model', () => {
    expect(isLoadOnly({ model: 'm' })).toBe(true);
    expect(isLoadOnly({ model: 'm', prompt: 'x' })).toBe(false);
  });
});

describe('parseOllama', () => {
  it('words a missing model as Ollama does, and names other bad fields', async () => {
    const { ollamaChatRequest, parseOllama } = await import('./ollama-schemas');
    expect(() => parseOllama(ollamaChatRequest, { messages: [] })).toThrow(/^model is required$/);
    expect(() => parseOllama(ollamaChatRequest, { model: 'm', messages: [{ role: 'robot' }] })).toThrow(/^messages\.0\.role: /);
  });
});
