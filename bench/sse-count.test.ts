import { describe, expect, it } from 'vitest';
import { CHAT_TOKEN_PATTERN, PatternCounter, SseTally } from './sse-count';

// Chunks shaped like vLLM's (and the simulator's) streamed chat completion.
const head = 'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":';
const opening = `${head}{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n`;
const token = (t: string) => `${head}{"content":${JSON.stringify(t)}},"logprobs":null,"finish_reason":null}]}\n\n`;
const finish = (t: string) => `${head}{"content":${JSON.stringify(t)}},"logprobs":null,"finish_reason":"length","stop_reason":null}]}\n\n`;
const done = 'data: [DONE]\n\n';

function stream(tokens: number): string {
  let s = opening;
  for (let i = 1; i < tokens; i++) s += token(` t${i}`);
  return s + finish(' last') + done;
}

/** Splits text into chunks at the given byte offsets. */
function split(text: string, cuts: number[]): Buffer[] {
  const buf = Buffer.from(text);
  const at = [0, ...cuts.filter((c) => c > 0 && c < buf.length).sort((a, b) => a - b), buf.length];
  return at.slice(1).map((end, i) => buf.subarray(at[i], end));
}

describe('SseTally', () => {
  it('counts one token per content delta, not the role opening or [DONE]', () => {
    const t = new SseTally();
    t.add(Buffer.from(stream(50)), 1);
    expect([t.tokens, t.chunks, t.bytes]).toEqual([50, 1, Buffer.byteLength(stream(50))]);
  });

  it('counts the same whatever the chunk boundaries, including one byte at a time', () => {
    const text = stream(20);
    const everyByte = Array.from({ length: Buffer.byteLength(text) }, (_, i) => i);
    for (const cuts of [[], [3], [10, 11, 12, 200, 201], everyByte]) {
      const t = new SseTally();
      for (const c of split(text, cuts)) t.add(c, 0);
      expect(t.tokens).toBe(20);
    }
  });

  it('counts patterns split at random places', () => {
    const text = stream(30);
    const len = Buffer.byteLength(text);
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let run = 0; run < 200; run++) {
      const cuts = Array.from({ length: 1 + Math.floor(rand() * 40) }, () => Math.floor(rand() * len));
      const t = new SseTally();
      for (const c of split(text, cuts)) t.add(c, 0);
      expect(t.tokens).toBe(30);
    }
  });

  it('takes time to first token from the chunk carrying the first content, not the headers or role chunk', () => {
    const t = new SseTally();
    t.add(Buffer.from(opening), 5);
    expect(t.firstTokenAt).toBeNaN();
    t.add(Buffer.from(token('a')), 9);
    t.add(Buffer.from(token('b')), 12);
    expect(t.firstTokenAt).toBe(9);
  });

  it('takes time to first token when the role chunk and first token arrive together', () => {
    const t = new SseTally();
    t.add(Buffer.from(opening + token('a')), 3);
    expect([t.firstTokenAt, t.tokens]).toEqual([3, 1]);
  });

  it('counts a token whose pattern straddles a chunk boundary at the time it completes', () => {
    const text = token('a');
    const cut = text.indexOf(CHAT_TOKEN_PATTERN) + 4;
    const t = new SseTally();
    const [a, b] = split(text, [cut]);
    t.add(a, 1);
    expect(t.tokens).toBe(0);
    t.add(b, 2);
    expect([t.tokens, t.firstTokenAt]).toEqual([1, 2]);
  });
});

describe('PatternCounter', () => {
  it('finds a match split after a byte that merely repeats its first one', () => {
    const c = new PatternCounter('aab');
    expect(c.count(Buffer.from('xaa')) + c.count(Buffer.from('ab'))).toBe(1);
  });

  it('does not count a match twice across chunks shorter than the pattern', () => {
    const c = new PatternCounter('abcd');
    const total = ['a', 'b', 'c', 'dab', 'cd', 'x', 'abcdabcd'].reduce((n, s) => n + c.count(Buffer.from(s)), 0);
    expect(total).toBe(4);
  });

  it('works with a one-byte pattern', () => {
    const c = new PatternCounter('\n');
    expect(c.count(Buffer.from('a\nb\n')) + c.count(Buffer.from('\n'))).toBe(3);
  });

  it('refuses an empty pattern', () => {
    expect(() => new PatternCounter('')).toThrow(RangeError);
  });
});
