// Failed authentication per source (client IP): a token bucket per source, so a
// burst of wrong keys, agent tokens or admin tokens from one place gets 429 with
// Retry-After, in OpenAI's shape, before any further key is even looked at.
import { AUTH_FAILURE_BURST, AUTH_FAILURES_PER_MINUTE, AUTH_THROTTLE_SOURCES } from '../defaults';
import { HttpError } from '../errors';

interface Bucket {
  tokens: number;
  at: number;
}

export interface AuthThrottleOptions {
  burst?: number;
  perMinute?: number;
  maxSources?: number;
  now?: () => number;
}

export class AuthThrottle {
  readonly #burst: number;
  readonly #perMs: number;
  readonly #maxSources: number;
  readonly #now: () => number;
  /** Insertion order is least recently failed first: a failure re-inserts its source. */
  readonly #buckets = new Map<string, Bucket>();

  constructor(opts: AuthThrottleOptions = {}) {
    this.#burst = opts.burst ?? AUTH_FAILURE_BURST;
    this.#perMs = (opts.perMinute ?? AUTH_FAILURES_PER_MINUTE) / 60_000;
    this.#maxSources = opts.maxSources ?? AUTH_THROTTLE_SOURCES;
    this.#now = opts.now ?? Date.now;
  }

  /** Throws 429 while `source` has used up its failures; a source that never failed costs nothing. */
  check(source: string): void {
    const bucket = this.#refilled(source);
    if (!bucket || bucket.tokens >= 1) return;
    const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / this.#perMs / 1000));
    throw new HttpError(429, 'too_many_failed_authentications', `Too many requests with an invalid credential from this address; retry in ${retryAfter} s.`, {
      headers: { 'retry-after': String(retryAfter) },
    });
  }

  /** Counts one failed authentication from `source`. */
  failed(source: string): void {
    const bucket = this.#refilled(source) ?? { tokens: this.#burst, at: this.#now() };
    bucket.tokens = Math.max(0, bucket.tokens - 1);
    this.#buckets.delete(source);
    this.#buckets.set(source, bucket);
    if (this.#buckets.size > this.#maxSources) this.#buckets.delete(this.#buckets.keys().next().value!);
  }

  #refilled(source: string): Bucket | undefined {
    const bucket = this.#buckets.get(source);
    if (!bucket) return undefined;
    const now = this.#now();
    bucket.tokens = Math.min(this.#burst, bucket.tokens + (now - bucket.at) * this.#perMs);
    bucket.at = now;
    if (bucket.tokens >= this.#burst) {
      this.#buckets.delete(source); // full again: forget it, so memory holds only recent offenders
      return undefined;
    }
    return bucket;
  }
}
