import { describe, expect, it } from 'vitest';
import { EOS_MAX_TOKENS, EOS_MIN_TOKENS } from './defaults';
import { countPromptTokens, TokenStream, type GenerationParams, type TokenStep } from './tokens';

const base: GenerationParams = { model: 'facebook/opt-125m', prompt: 'Tell me about batching.', maxTokens: 50 };

/** Runs a stream to its end: the pieces sent, their concatenation and the final step. */
function drain(params: GenerationParams): { pieces: string[]; text: string; last: TokenStep; count: number } {
  const stream = new TokenStream(params);
  const pieces: string[] = [];
  for (let count = 1; ; count++) {
    const step = stream.next();
    pieces.push(step.text);
    if (step.finish) return { pieces, text: pieces.join(''), last: step, count };
  }
}

describe('TokenStream', () => {
  it('gives the same words for the same prompt and parameters', () => {
    expect(drain(base).text).toBe(drain({ ...base }).text);
  });

  it.each([
    ['prompt', { prompt: 'Something else entirely.' }],
    ['seed', { seed: 7 }],
    ['temperature', { temperature: 0.7 }],
    ['model', { model: 'other' }],
  ])('gives different words when the %s changes', (_name, change) => {
    expect(drain({ ...base, ...change, ignoreEos: true }).text).not.toBe(drain({ ...base, ignoreEos: true }).text);
  });

  it('ends with finish_reason "length" after exactly max_tokens tokens', () => {
    const { count, last } = drain({ ...base, maxTokens: 17, ignoreEos: true });
    expect(count).toBe(17);
    expect(last).toMatchObject({ finish: 'length', stopReason: null });
  });

  it('ends naturally with finish_reason "stop" after a hash-derived length', () => {
    const lengths = ['a', 'b', 'c', 'd', 'e'].map((prompt) => drain({ ...base, prompt, maxTokens: 10_000 }));
    for (const { count, last } of lengths) {
      expect(last).toMatchObject({ finish: 'stop', stopReason: null });
      expect(count).toBeGreaterThanOrEqual(EOS_MIN_TOKENS);
      expect(count).toBeLessThanOrEqual(EOS_MAX_TOKENS);
    }
    expect(new Set(lengths.map((l) => l.count)).size).toBeGreaterThan(1);
  });

  it('keeps generating past the end of sequence when ignore_eos is set', () => {
    const { count, last } = drain({ ...base, maxTokens: 2000, ignoreEos: true });
    expect(count).toBe(2000);
    expect(last.finish).toBe('length');
  });

  it('truncates before a stop string and reports it as stop_reason', () => {
    const { pieces } = drain({ ...base, ignoreEos: true });
    const stop = pieces[10].trim();
    const full = pieces.join('');
    const { text, last } = drain({ ...base, ignoreEos: true, stop: ['never-generated', stop] });
    expect(text).toBe(full.slice(0, full.indexOf(stop)));
    expect(last).toMatchObject({ finish: 'stop', stopReason: stop });
  });

  it('never sends part of a stop string that spans tokens', () => {
    const { pieces } = drain({ ...base, ignoreEos: true });
    const stop = pieces[20] + pieces[21];
    const full = pieces.join('');
    const run = drain({ ...base, ignoreEos: true, stop: [stop] });
    expect(run.text).toBe(full.slice(0, full.indexOf(stop)));
    expect(run.last.stopReason).toBe(stop);
  });
});

describe('countPromptTokens', () => {
  it.each([
    ['', 1],
    ['abcd', 1],
    ['abcde', 2],
    ['x'.repeat(400), 100],
  ])('counts %j as %i tokens (about four characters each)', (text, n) => {
    expect(countPromptTokens(text)).toBe(n);
  });
});
