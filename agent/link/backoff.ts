// Reconnect delays: exponential backoff with full jitter ("Exponential Backoff
// And Jitter", AWS Architecture Blog, 2015), so agents dropped together by an
// edge deploy do not all redial in the same instant.
import { RECONNECT_BASE_MS, RECONNECT_CAP_MS } from '../defaults';

export interface BackoffOptions {
  baseMs?: number;
  capMs?: number;
  random?: () => number;
}

export class Backoff {
  #attempt = 0;
  #base: number;
  #cap: number;
  #random: () => number;

  constructor(opts: BackoffOptions = {}) {
    this.#base = opts.baseMs ?? RECONNECT_BASE_MS;
    this.#cap = opts.capMs ?? RECONNECT_CAP_MS;
    this.#random = opts.random ?? Math.random;
  }

  /** Delay before the next attempt: uniform in [0, min(cap, base·2^attempt)]. */
  next(): number {
    const ceiling = Math.min(this.#cap, this.#base * 2 ** this.#attempt);
    if (ceiling < this.#cap) this.#attempt++;
    return Math.round(this.#random() * ceiling);
  }

  /** Delay between half the cap and the cap, for failures that will not clear at once (a refused token). */
  capped(): number {
    return Math.round(this.#cap / 2 + (this.#random() * this.#cap) / 2);
  }

  /** A connection succeeded: the next failure starts from the base delay again. */
  reset(): void {
    this.#attempt = 0;
  }
}
