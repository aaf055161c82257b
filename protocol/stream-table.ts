// Open streams by id, on both sides of a link (the edge's AgentLink, the agent's Relay).
//
// Not a Map. Stream ids only grow, so a Map of open streams keeps adding keys and
// deleting them, and V8 rehashes its table every few dozen streams. A rehashed
// Map table keeps its entries and a link to its successor (for live iterators),
// and once one table has reached the old generation, the young-generation GC
// treats that whole chain as live: every stream the Map ever held, and the
// request each one reaches, was copied and then promoted until the next full GC.
// In the Node edge that was ~5 KB promoted per request and 9–17 ms scavenges
// (bench/README.md). An object's integer keys live in a dictionary that rehashes
// without such links; V8 switches it to dictionary mode by itself once ids are sparse.

export class StreamTable<T> {
  #byId: Record<number, T> = Object.create(null) as Record<number, T>;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(id: number): T | undefined {
    return this.#byId[id];
  }

  has(id: number): boolean {
    return id in this.#byId;
  }

  set(id: number, value: T): void {
    if (!(id in this.#byId)) this.#size++;
    this.#byId[id] = value;
  }

  /** True when the id was open. */
  delete(id: number): boolean {
    if (!(id in this.#byId)) return false;
    delete this.#byId[id];
    this.#size--;
    return true;
  }

  /** The open streams now, in id order (a copy: the table may change while the caller walks it). */
  values(): T[] {
    return Object.values(this.#byId);
  }

  clear(): void {
    this.#byId = Object.create(null) as Record<number, T>;
    this.#size = 0;
  }
}
