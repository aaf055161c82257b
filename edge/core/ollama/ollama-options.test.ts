import { describe, expect, it } from 'vitest';
import { responseFormat, samplingFields } from './ollama-options';

describe('samplingFields', () => {
  it('maps every Ollama option that vLLM has a sampling parameter for', () => {
    expect(
      samplingFields({
        num_predict: 42, temperature: 0.2, top_p: 0.9, top_k: 40, min_p: 0.05, seed: 7, stop: ['\n\n', 'END'],
        repeat_penalty: 1.1, presence_penalty: 0.5, frequency_penalty: 0.25,
      }),
    ).toEqual({
      max_tokens: 42, temperature: 0.2, top_p: 0.9, top_k: 40, min_p: 0.05, seed: 7, stop: ['\n\n', 'END'],
      repetition_penalty: 1.1, presence_penalty: 0.5, frequency_penalty: 0.25,
    });
  });

  it.each([[-1], [-2], [0]])('leaves max_tokens out for num_predict %i (no OpenAI spelling: up to the context)', (n) => {
    expect(samplingFields({ num_predict: n })).toEqual({});
  });

  it('takes a single stop string as a list, and ignores options vLLM lacks', () => {
    expect(samplingFields({ stop: 'x', num_ctx: 4096, mirostat: 1 } as never)).toEqual({ stop: ['x'] });
    expect(samplingFields(undefined)).toEqual({});
  });
});

describe('responseFormat', () => {
  it('maps format "json" to JSON mode', () => {
    expect(responseFormat('json')).toEqual({ response_format: { type: 'json_object' } });
  });

  it('maps a JSON schema to structured output on that schema', () => {
    const schema = { type: 'object', properties: { age: { type: 'integer' } }, required: ['age'] };
    expect(responseFormat(schema)).toEqual({ response_format: { type: 'json_schema', json_schema: { name: 'ollama_format', schema } } });
  });

  it('adds nothing without a format', () => {
    expect(responseFormat(undefined)).toEqual({});
    expect(responseFormat('')).toEqual({});
  });
});
