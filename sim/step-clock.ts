// The engine's notion of time, injectable so unit tests can count steps on a
// virtual clock instead of timing them.

export interface StepClock {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Calls `fn` once, `delayMs` from now (0 or less: as soon as possible). */
  wake(fn: () => void, delayMs: number): void;
  /** Drops a pending wake-up, e.g. when the engine is closed. */
  cancel(): void;
}

/**
 * Real time. Delays under 1 ms use setImmediate: setTimeout cannot wait less
 * than 1 ms, and a zero-delay simulator (relay stress benchmarks) must not be
 * throttled to 1,000 steps/s.
 */
export class RealStepClock implements StepClock {
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;

  now(): number {
    return performance.now();
  }

  wake(fn: () => void, delayMs: number): void {
    this.cancel();
    if (delayMs < 1) {
      this.#immediate = setImmediate(() => {
        this.#immediate = undefined;
        fn();
      });
    } else {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        fn();
      }, delayMs);
    }
  }

  cancel(): void {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = undefined;
    this.#immediate = undefined;
  }
}

/**
 * Virtual time for tests: `wake` only records the callback; `runUntilIdle`
 * advances the clock to each wake-up in turn, so a test sees exact step counts.
 */
export class ManualStepClock implements StepClock {
  #now = 0;
  #pending: { fn: () => void; at: number } | undefined;

  now(): number {
    return this.#now;
  }

  wake(fn: () => void, delayMs: number): void {
    this.#pending = { fn, at: this.#now + Math.max(0, delayMs) };
  }

  cancel(): void {
    this.#pending = undefined;
  }

  /** Runs one pending wake-up; false when there was none. */
  tick(): boolean {
    const next = this.#pending;
    if (!next) return false;
    this.#pending = undefined;
    this.#now = Math.max(this.#now, next.at);
    next.fn();
    return true;
  }

  /** Runs wake-ups until the engine stops asking for them; returns how many ran. */
  runUntilIdle(limit = 1_000_000): number {
    let n = 0;
    while (n < limit && this.tick()) n++;
    return n;
  }
}
