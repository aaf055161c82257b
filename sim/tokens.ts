// Deterministic fake tokenizer and generator: the same prompt and sampling
// parameters always give the same words, so tests can compare outputs.
import { EOS_MAX_TOKENS, EOS_MIN_TOKENS } from './defaults';

export type FinishReason = 'stop' | 'length';

/** One generated token as the API sees it: text to send and, on the last one, why it ended. */
export interface TokenStep {
  text: string;
  finish: FinishReason | null;
  /** vLLM's `stop_reason`: the stop string that matched, else null (EOS and length). */
  stopReason: string | null;
}

export interface GenerationParams {
  model: string;
  prompt: string;
  maxTokens: number;
  temperature?: number | null;
  seed?: number | null;
  /** vLLM extension: keep generating past the end-of-sequence token. */
  ignoreEos?: boolean;
  stop?: readonly string[];
}

/** About four characters per token, the usual rule of thumb for BPE tokenizers on English. */
export function countPromptTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** FNV-1a, 32 bits; `seed` chains hashes so a prompt's hash can be reused. */
export function hashString(text: string, seed = 0x811c9dc5): number {
  let h = seed;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: a tiny, fast PRNG with a 32-bit state; plenty for choosing words. */
export function prng(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Each word is one token, with a leading space like BPE tokens.
const VOCABULARY = [
  ' the', ' quantum', ' of', ' a', ' model', ' and', ' to', ' is', ' in', ' that', ' batch', ' token',
  ' GPU', ' it', ' with', ' for', ' stream', ' on', ' as', ' kernel', ' by', ' cache', ' this', ' from',
  ' latency', ' an', ' be', ' sequence', ' at', ' memory', ' or', ' which', ' attention', ' layer', ' are',
  ' prefill', ' decode', ' we', ' each', ' step', ' but', ' not', ' more', ' than', ' request', ' fast',
  ' simple', ' small', ' edge', ' agent', ' relay', ' socket', ' frame', ' time', ' one', ' two', ' can',
  ' will', ' over', ' under', ' new', ' old', ' first', ' last',
] as const;

/**
 * The tokens one request generates, one `next()` per engine step. The end of
 * sequence falls after a hash-derived number of tokens unless `ignoreEos`.
 */
export class TokenStream {
  readonly #random: () => number;
  readonly #maxTokens: number;
  readonly #eosAt: number;
  readonly #stop: readonly string[];
  // Text that might be the start of a stop string is held back, as vLLM's
  // detokenizer does, so a client never sees part of a stop string.
  readonly #holdback: number;
  #produced = 0;
  #text = '';
  #emitted = 0;

  constructor(params: GenerationParams) {
    const key = `${params.model}\0${params.maxTokens}\0${params.temperature ?? ''}\0${params.seed ?? ''}`;
    const seed = hashString(key, hashString(params.prompt));
    this.#random = prng(seed);
    this.#maxTokens = Math.max(1, params.maxTokens);
    this.#eosAt = params.ignoreEos ? Infinity : EOS_MIN_TOKENS + (seed % (EOS_MAX_TOKENS - EOS_MIN_TOKENS + 1));
    this.#stop = (params.stop ?? []).filter((s) => s.length > 0);
    this.#holdback = this.#stop.reduce((m, s) => Math.max(m, s.length - 1), 0);
  }

  next(): TokenStep {
    this.#produced += 1;
    const last = this.#produced >= this.#maxTokens;
    if (this.#produced >= this.#eosAt) {
      // The EOS token counts as generated but has no text (skip_special_tokens).
      return { text: this.#flush(), finish: 'stop', stopReason: null };
    }
    const word = VOCABULARY[Math.floor(this.#random() * VOCABULARY.length)];
    if (this.#stop.length === 0) return { text: word, finish: last ? 'length' : null, stopReason: null };

    const searchFrom = Math.max(0, this.#text.length - this.#holdback);
    this.#text += word;
    let at = -1;
    let matched: string | null = null;
    for (const s of this.#stop) {
      const i = this.#text.indexOf(s, searchFrom);
      if (i >= 0 && (at < 0 || i < at)) [at, matched] = [i, s];
    }
    if (matched !== null) {
      this.#text = this.#text.slice(0, at);
      return { text: this.#flush(), finish: 'stop', stopReason: matched };
    }
    if (last) return { text: this.#flush(), finish: 'length', stopReason: null };
    const safeEnd = this.#text.length - this.#holdback;
    if (safeEnd <= this.#emitted) return { text: '', finish: null, stopReason: null };
    const text = this.#text.slice(this.#emitted, safeEnd);
    this.#emitted = safeEnd;
    return { text, finish: null, stopReason: null };
  }

  #flush(): string {
    const text = this.#text.slice(this.#emitted);
    this.#emitted = this.#text.length;
    return text;
  }
}
