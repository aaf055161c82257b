import { describe, expect, it } from 'vitest';
import { HttpError } from '../errors';
import { checkOpenAIBody } from './request-json';

function refusal(path: string, json: unknown): { status: number; code: string; param: string | null; message: string } | undefined {
  try {
    checkOpenAIBody(path, json);
  } catch (err) {
    if (err instanceof HttpError) return { status: err.status, code: err.code, param: err.param, message: err.message };
    throw err;
  }
  return undefined;
}

const chat = '/v1/chat/completions';
const messages = [{ role: 'user', content: 'hi' }];

describe('checkOpenAIBody', () => {
  it('returns the model of a well-typed body and lets unknown fields through', () => {
    expect(checkOpenAIBody(chat, { model: 'm', messages, stream: true, max_tokens: 5, ignore_eos: true, guided_json: {} })).toBe('m');
    expect(checkOpenAIBody('/v1/completions', { model: 'm', prompt: [1, 2, 3], stream: null })).toBe('m');
    expect(checkOpenAIBody('/tokenize', { model: 'm', anything: 1 })).toBe('m');
  });

  it.each([
    { what: 'a body that is an array', path: chat, json: [1], code: 'invalid_type', param: null },
    { what: 'no model', path: chat, json: { messages }, code: 'missing_model', param: 'model' },
    { what: 'a model that is a number', path: chat, json: { model: 5, messages }, code: 'invalid_type', param: 'model' },
    { what: 'messages that are a string', path: chat, json: { model: 'm', messages: 'hi' }, code: 'invalid_type', param: 'messages' },
    { what: 'a message without a role', path: chat, json: { model: 'm', messages: [{ content: 'x' }] }, code: 'missing_required_parameter', param: 'messages.0.role' },
    { what: 'stream that is a string', path: chat, json: { model: 'm', messages, stream: 'yes' }, code: 'invalid_type', param: 'stream' },
    { what: 'max_tokens that is negative', path: chat, json: { model: 'm', messages, max_tokens: -1 }, code: 'invalid_value', param: 'max_tokens' },
    { what: 'a prompt that is an object', path: '/v1/completions', json: { model: 'm', prompt: {} }, code: 'invalid_type', param: 'prompt' },
    { what: 'a 300-character model', path: chat, json: { model: 'm'.repeat(300), messages }, code: 'invalid_value', param: 'model' },
  ])('answers $what with 400 $code naming $param', ({ path, json, code, param }) => {
    const r = refusal(path, json);
    expect(r).toMatchObject({ status: 400, code, param });
    expect(r!.message.length).toBeLessThan(300);
  });

  // The fast path before zod must pass exactly what the schemas pass; these sit on its edges.
  it.each([
    { path: chat, json: { model: 'm', messages, stream_options: { include_usage: true }, n: 2, temperature: 0, top_p: 1, user: 'u' } },
    { path: chat, json: { model: 'm', messages, stream: null, max_tokens: null, stream_options: null } },
    { path: '/v1/completions', json: { model: 'm', prompt: ['a', 'b'] } },
    { path: '/v1/completions', json: { model: 'm', prompt: [[1, 2], [3]] } },
    { path: '/v1/completions', json: { model: 'm', prompt: [] } },
    { path: '/v1/embeddings', json: { model: 'm', input: [1, 'x'] } },
    { path: '/v1/responses', json: { model: 'm', input: { any: 'thing' } } },
  ])('passes a well-typed body to $path', ({ path, json }) => {
    expect(refusal(path, json)).toBeUndefined();
  });

  it.each([
    { what: 'max_tokens past a safe integer', json: { model: 'm', messages, max_tokens: 2 ** 60 }, code: 'invalid_value', param: 'max_tokens' },
    { what: 'a fractional n', json: { model: 'm', messages, n: 1.5 }, code: 'invalid_type', param: 'n' },
    { what: 'a temperature that overflowed to Infinity', json: JSON.parse('{"model":"m","temperature":1e999}'), code: 'invalid_type', param: 'temperature' },
    { what: 'messages that are null', json: { model: 'm', messages: null }, code: 'invalid_type', param: 'messages' },
    { what: 'no messages in the array', json: { model: 'm', messages: [] }, code: 'invalid_value', param: 'messages' },
    { what: 'stream_options that are an array', json: { model: 'm', messages, stream_options: [] }, code: 'invalid_type', param: 'stream_options' },
    { what: 'include_usage that is a string', json: { model: 'm', messages, stream_options: { include_usage: 'yes' } }, code: 'invalid_type', param: 'stream_options.include_usage' },
  ])('still refuses $what', ({ json, code, param }) => {
    expect(refusal(chat, json)).toMatchObject({ status: 400, code, param });
  });

  it("words a wrong type as OpenAI does, naming the field and what it got", () => {
    expect(refusal(chat, { model: 'm', messages: 'hi' })?.message).toMatch(/^Invalid type for 'messages': expected an array of message objects, but got a string/);
  });
});
