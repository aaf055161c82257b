// Bounded FIFO of requests waiting for an agent. The Hub offers the waiters,
// oldest first, to agents whenever capacity appears (event-driven, no polling).

export class WaitQueue<T> {
  #items: T[] = [];
  readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.#items.length;
  }

  /** New arrivals are refused (429) once this many wait. */
  get full(): boolean {
    return this.#items.length >= this.capacity;
  }

  /** A new arrival waits behind everyone. */
  push(item: T): void {
    this.#items.push(item);
  }

  /** A request whose agent vanished arrived earlier than the rest: it goes first, over capacity if need be. */
  unshift(item: T): void {
    this.#items.unshift(item);
  }

  delete(item: T): boolean {
    const at = this.#items.indexOf(item);
    if (at < 0) return false;
    this.#items.splice(at, 1);
    return true;
  }

  /** Offers each waiter, oldest first, to `take`; those it takes (returns true for) leave the queue. */
  drain(take: (item: T) => boolean): void {
    const waiting = this.#items;
    this.#items = [];
    const kept: T[] = [];
    let at = 0;
    try {
      for (; at < waiting.length; at++) if (!take(waiting[at]!)) kept.push(waiting[at]!);
    } finally {
      // If `take` threw, the item it threw on and those after it stay queued.
      const rest = at < waiting.length ? waiting.slice(at) : [];
      // Only retries can arrive while draining (a stream start sends nothing synchronously); they go first.
      this.#items = this.#items.length === 0 && rest.length === 0 ? kept : [...this.#items, ...kept, ...rest];
    }
  }

  /** Empties the queue, returning what waited. */
  clear(): T[] {
    const all = this.#items;
    this.#items = [];
    return all;
  }
}

