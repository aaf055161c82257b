// A least-recently-used set of prompt keys standing in for vLLM's automatic
// prefix caching: a prompt seen before skips its prefill.

export class PrefixCache {
  // A Map iterates in insertion order, so re-inserting on use makes the first key the least recent.
  readonly #keys = new Map<string | number, true>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = Math.max(0, capacity);
  }

  get size(): number {
    return this.#keys.size;
  }

  /** True if the key is cached; refreshes its place in the LRU order. */
  hit(key: string | number): boolean {
    if (!this.#keys.delete(key)) return false;
    this.#keys.set(key, true);
    return true;
  }

  add(key: string | number): void {
    if (this.#capacity === 0) return;
    this.#keys.delete(key);
    this.#keys.set(key, true);
    if (this.#keys.size > this.#capacity) this.#keys.delete(this.#keys.keys().next().value as string | number);
  }
}
