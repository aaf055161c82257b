// Counts the tokens of a streamed (SSE) response without parsing
// JSON: a byte search per chunk keeps the load generator far cheaper than the
// servers it measures. Patterns split across TCP chunks are still counted once.

/** Counts occurrences of a fixed byte pattern across a sequence of chunks. */
export class PatternCounter {
  readonly #pattern: Buffer;
  readonly #carry: Buffer;
  #carryLen = 0;

  constructor(pattern: string) {
    if (pattern.length === 0) throw new RangeError('PatternCounter needs a non-empty pattern');
    this.#pattern = Buffer.from(pattern);
    this.#carry = Buffer.alloc(this.#pattern.length - 1);
  }

  /** Occurrences completed by this chunk (including ones that began in earlier chunks). */
  count(chunk: Buffer): number {
    const p = this.#pattern;
    const keep = p.length - 1;
    let n = this.#carryLen > 0 ? this.#straddling(chunk) : 0;
    // Each indexOf is a native call (~1 µs): skip the ones that cannot match.
    const last = chunk.length - p.length;
    for (let i = last >= 0 ? chunk.indexOf(p) : -1; i >= 0; i = i + p.length <= last ? chunk.indexOf(p, i + p.length) : -1) n++;
    if (keep > 0) this.#remember(chunk, keep);
    return n;
  }

  /**
   * Matches that start in the carried tail and end in this chunk, compared in
   * place: this runs for every chunk, so it allocates nothing.
   */
  #straddling(chunk: Buffer): number {
    const p = this.#pattern;
    const carry = this.#carry;
    let n = 0;
    for (let j = 0; j < this.#carryLen; j++) {
      const inCarry = this.#carryLen - j; // pattern bytes that would lie in the carry
      if (inCarry >= p.length || carry[j] !== p[0]) continue;
      if (chunk.length < p.length - inCarry) continue; // would end beyond this chunk; a later call sees it
      let k = 1;
      while (k < inCarry && carry[j + k] === p[k]) k++;
      if (k < inCarry) continue;
      while (k < p.length && chunk[k - inCarry] === p[k]) k++;
      if (k === p.length) n++;
    }
    return n;
  }

  /**
   * Keeps the stream's last `keep` bytes (old carry + chunk, right-aligned),
   * from the first byte that could start a match: usually none, so no copy.
   */
  #remember(chunk: Buffer, keep: number): void {
    if (chunk.length >= keep) {
      const first = this.#pattern[0];
      let j = chunk.length - keep;
      while (j < chunk.length && chunk[j] !== first) j++;
      if (j < chunk.length) chunk.copy(this.#carry, 0, j);
      this.#carryLen = chunk.length - j;
      return;
    }
    const fromOld = Math.min(this.#carryLen, keep - chunk.length);
    this.#carry.copy(this.#carry, 0, this.#carryLen - fromOld, this.#carryLen);
    chunk.copy(this.#carry, fromOld);
    this.#carryLen = fromOld + chunk.length;
  }
}

/**
 * One token per content delta: vLLM streams each token as
 * `"delta":{"content":"..."}` (the opening role chunk has `"role"` first and the
 * finish chunk still carries the last token), so this counts completion tokens.
 */
export const CHAT_TOKEN_PATTERN = '"delta":{"content":';
/** Per-response tally: tokens, bytes, chunks, and when the first token arrived. */
export class SseTally {
  readonly #tokens: PatternCounter;
  tokens = 0;
  bytes = 0;
  /** Body chunks as the socket delivered them: tokens / chunks shows how much the server coalesced. */
  chunks = 0;
  /** performance.now() of the chunk that carried the first token; NaN until then. */
  firstTokenAt = Number.NaN;

  constructor(tokenPattern = CHAT_TOKEN_PATTERN) {
    this.#tokens = new PatternCounter(tokenPattern);
  }

  add(chunk: Buffer, now: number): void {
    this.bytes += chunk.length;
    this.chunks++;
    const t = this.#tokens.count(chunk);
    if (t > 0 && this.tokens === 0) this.firstTokenAt = now;
    this.tokens += t;
  }
}
