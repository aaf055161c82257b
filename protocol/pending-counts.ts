// Counts kept in plain numbers per label set on a hot path and handed to a
// metrics library's counter when it is scraped. prom-client hashes the labels
// of every call (a bound child's too): ~3 µs over one request's calls on the
// Node edge (issue 17). Shared by the edge's and the agent's metrics.

/** What a counter must take: prom-client's Counter does. */
export interface CountSink {
  inc(labels: Record<string, string>, n: number): void;
}

export class PendingCounts {
  readonly #entries = new Map<string, { labels: Record<string, string>; n: number }>();

  /** `key` names the label set; `labels` makes it the first time it is seen. */
  add(key: string, n: number, labels: () => Record<string, string>): void {
    const e = this.#entries.get(key);
    if (e) e.n += n;
    else this.#entries.set(key, { labels: labels(), n });
  }

  /** Adds what was counted since the last flush to `counter` (call it from the counter's `collect`). */
  flushInto(counter: CountSink): void {
    for (const e of this.#entries.values()) {
      if (e.n === 0) continue;
      counter.inc(e.labels, e.n);
      e.n = 0;
    }
  }
}
