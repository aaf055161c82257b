// Per-key admission in memory: requests per minute (sliding window counter) and
// concurrent streams. Models and body size are checked by the routes, from the same KeyLimits.
import { CONCURRENCY_RETRY_AFTER_S, RATE_WINDOW_MS } from './defaults';
import { HttpError } from './errors';
import type { KeyLimits } from './store';

export interface LimitedKey {
  id: string;
  limits: Pick<KeyLimits, 'rpm' | 'maxConcurrent'>;
}

interface RateWindow {
  /** Start of the current fixed window (aligned to RATE_WINDOW_MS). */
  start: number;
  current: number;
  previous: number;
}

/**
 * Sliding window counter, as Cloudflare's rate limiting describes it: the
 * previous fixed window's count weighted by how much of it still overlaps the
 * last minute, plus the current count. O(1) per key, and unlike a plain fixed
 * window it does not let 2 × rpm through around a window boundary.
 */
export class KeyLimiter {
  readonly #now: () => number;
  readonly #windows = new Map<string, RateWindow>();
  readonly #inflight = new Map<string, number>();

  constructor(opts: { now?: () => number } = {}) {
    this.#now = opts.now ?? Date.now;
  }

  /**
   * Admits one request for the key or throws a 429 HttpError with Retry-After.
   * The returned function frees the request's concurrency slot; calling it again does nothing.
   */
  admit(key: LimitedKey): () => void {
    const { rpm, maxConcurrent } = key.limits;
    const now = this.#now();
    const window = rpm === null ? undefined : this.#roll(key.id, now);
    if (window && rpm !== null) {
      const elapsed = now - window.start;
      const estimate = window.previous * (1 - elapsed / RATE_WINDOW_MS) + window.current;
      // The request itself counts: admit only if the minute stays within rpm with it.
      if (estimate + 1 > rpm) {
        const retryAfter = Math.max(1, Math.ceil(waitMs(window, rpm, elapsed) / 1000));
        throw new HttpError(
          429,
          'rate_limit_exceeded',
          `Rate limit reached: ${rpm} requests per minute for this key. Try again in ${retryAfter}s.`,
          { headers: { 'retry-after': String(retryAfter) } },
        );
      }
    }
    const inflight = this.#inflight.get(key.id) ?? 0;
    if (maxConcurrent !== null && inflight >= maxConcurrent) {
      throw new HttpError(
        429,
        'concurrency_limit_exceeded',
        `Too many concurrent requests: this key allows ${maxConcurrent} at a time.`,
        { headers: { 'retry-after': String(CONCURRENCY_RETRY_AFTER_S) } },
      );
    }
    if (window) window.current++;
    this.#inflight.set(key.id, inflight + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#inflight.get(key.id) ?? 1) - 1;
      if (left > 0) this.#inflight.set(key.id, left);
      else this.#inflight.delete(key.id);
    };
  }

  /** Streams the key has open now. */
  inflight(keyId: string): number {
    return this.#inflight.get(keyId) ?? 0;
  }

  #roll(id: string, now: number): RateWindow {
    const start = now - (now % RATE_WINDOW_MS);
    let window = this.#windows.get(id);
    if (!window) {
      window = { start, current: 0, previous: 0 };
      this.#windows.set(id, window);
    } else if (window.start !== start) {
      window.previous = start - window.start === RATE_WINDOW_MS ? window.current : 0;
      window.current = 0;
      window.start = start;
    }
    return window;
  }
}

/** Time until one more request fits, solving prev·(1 − t/W) + cur + 1 ≤ rpm for t. */
function waitMs(window: RateWindow, rpm: number, elapsed: number): number {
  const W = RATE_WINDOW_MS;
  const room = rpm - 1;
  const wait =
    window.current <= room
      ? W * (1 - (room - window.current) / window.previous) - elapsed
      : // This window is full: wait for the next one, where this one's count becomes the weighted part.
        W - elapsed + W * (1 - room / window.current);
  return Number.isFinite(wait) ? wait : W;
}
