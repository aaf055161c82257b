// Deadlines of one fixed length on one timer. Every stream of an agent link
// waits the same head timeout, and every streamed request of a tenant the same
// keep-alive interval, so their deadlines fall in the order they were set: a
// FIFO with one timer armed for its earliest live entry does what a timer per
// request did, without a Timeout object and a closure per request (issue 17:
// 0.4 KB of an edge's held stream, and ~5 µs a timer pair in workerd).

/** What a deadline calls when it passes. */
export interface DeadlineTarget {
  onDeadline(): void;
}

/** One pending deadline; `DeadlineQueue.cancel` takes it back. */
export interface Deadline {
  readonly at: number;
  target: DeadlineTarget | undefined;
}

/** Cancelled entries are dropped once this many have gathered and they outnumber the live ones twice. */
const COMPACT_AFTER = 1024;

export class DeadlineQueue {
  /** How long each deadline is, in ms. */
  readonly ms: number;
  /** In the order set, so in deadline order; from #head on, live and cancelled ones. */
  #entries: Deadline[] = [];
  #head = 0;
  #live = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #firing = false;
  readonly #now: () => number;

  constructor(ms: number, now: () => number = Date.now) {
    this.ms = ms;
    this.#now = now;
  }

  /** Deadlines set and not yet passed or cancelled. */
  get pending(): number {
    return this.#live;
  }

  /** Entries held, live or cancelled (what compaction bounds). */
  get held(): number {
    return this.#entries.length - this.#head;
  }

  /** Calls `target.onDeadline()` `ms` from now, unless cancelled first. */
  add(target: DeadlineTarget): Deadline {
    const entry: Deadline = { at: this.#now() + this.ms, target };
    this.#entries.push(entry);
    this.#live++;
    // While firing, the timer is armed at the end, for the earliest entry left.
    if (this.#timer === undefined && !this.#firing) this.#arm(entry.at);
    return entry;
  }

  /** Takes a deadline back (a spent or already cancelled one is fine). Returns undefined, for `x = q.cancel(x)`. */
  cancel(entry: Deadline | undefined): undefined {
    if (!entry?.target) return undefined;
    entry.target = undefined;
    if (--this.#live === 0) this.#reset();
    else {
      // One request that waits its whole deadline must not keep every later, cancelled entry.
      const dead = this.#entries.length - this.#head - this.#live;
      if (dead >= COMPACT_AFTER && dead > 2 * this.#live) {
        this.#entries = this.#entries.slice(this.#head).filter((e) => e.target !== undefined);
        this.#head = 0;
      }
    }
    return undefined;
  }

  #arm(at: number): void {
    this.#timer = setTimeout(this.#fire, Math.max(1, at - this.#now()));
  }

  #reset(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#entries = [];
    this.#head = 0;
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    this.#firing = true;
    const now = this.#now();
    try {
      // Fields, not locals: a target may add, cancel (and so compact or reset) as it runs.
      while (this.#head < this.#entries.length) {
        const entry = this.#entries[this.#head];
        const target = entry.target;
        if (target && entry.at > now) break;
        this.#head++;
        if (!target) continue;
        entry.target = undefined;
        this.#live--;
        target.onDeadline();
      }
    } finally {
      // A target that threw leaves the queue whole: the rest are due at the next timer.
      this.#firing = false;
      if (this.#live === 0) this.#reset();
      else {
        while (this.#entries[this.#head].target === undefined) this.#head++;
        if (this.#head >= COMPACT_AFTER) {
          this.#entries = this.#entries.slice(this.#head);
          this.#head = 0;
        }
        this.#arm(this.#entries[this.#head].at);
      }
    }
  };
}
