// Per-key rate windows (requests and tokens per window) kept in SQLite, so a
// Durable Object that hibernates or a Node edge that restarts forgets nothing.
// Memory mirrors the rows this store has touched: it is its database's only
// writer (TenantStore's rule), so the mirror is exact and reads cost no query.
import { noLog } from '../log';
import { roll, type RateWindow } from './rate-window';
import { atomically, type Sql } from './sql';

export type RateKind = 'requests' | 'tokens';

const UPSERT = `INSERT INTO rate_windows (key_id, kind, start, current, previous) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (key_id, kind) DO UPDATE SET start = excluded.start, current = excluded.current, previous = excluded.previous`;

/** Rows remembered in memory; beyond this the oldest is dropped (after writing) and read again when used. */
const MIRROR_MAX = 20_000;

export interface RateCountersOptions {
  windowMs: number;
  /** 0 writes each change at once (Durable Objects); more batches writes like the usage counts (Node). */
  flushMs?: number;
  log?: (line: string) => void;
}

export class RateCounters {
  readonly windowMs: number;
  readonly #sql: Sql;
  readonly #flushMs: number;
  readonly #log: (line: string) => void;
  readonly #mirror = new Map<string, RateWindow & { keyId: string; kind: RateKind }>();
  readonly #dirty = new Set<string>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(sql: Sql, opts: RateCountersOptions) {
    this.#sql = sql;
    this.windowMs = opts.windowMs;
    this.#flushMs = opts.flushMs ?? 0;
    this.#log = opts.log ?? noLog;
  }

  /** The key's window of `kind`, rolled to `now` (read from SQLite the first time). Do not change it: use add(). */
  window(keyId: string, kind: RateKind, now: number): Readonly<RateWindow> {
    return roll(this.#entry(keyId, kind, now), now, this.windowMs);
  }

  /** Counts `n` (a request, or a response's tokens) in the key's current window. */
  add(keyId: string, kind: RateKind, n: number, now: number): void {
    if (n <= 0) return;
    const slot = `${keyId}\n${kind}`;
    const w = this.#entry(keyId, kind, now);
    roll(w, now, this.windowMs);
    w.current += n;
    if (this.#flushMs <= 0) return this.#write(w);
    this.#dirty.add(slot);
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.#flushSafely(), this.#flushMs);
      (this.#timer as { unref?: () => void }).unref?.();
    }
  }

  /** Writes every changed window in one transaction. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#dirty.size === 0) return;
    const slots = [...this.#dirty];
    atomically(this.#sql, () => {
      for (const slot of slots) {
        const w = this.#mirror.get(slot);
        if (w) this.#write(w);
      }
    });
    this.#dirty.clear();
  }

  #flushSafely(): void {
    try {
      this.flush();
    } catch (err) {
      this.#log(`writing rate windows failed, will retry: ${String(err)}`);
      this.#timer = setTimeout(() => this.#flushSafely(), this.#flushMs);
      (this.#timer as { unref?: () => void }).unref?.();
    }
  }

  #write(w: RateWindow & { keyId: string; kind: RateKind }): void {
    this.#sql.run(UPSERT, w.keyId, w.kind, w.start, w.current, w.previous);
  }

  #entry(keyId: string, kind: RateKind, now: number): RateWindow & { keyId: string; kind: RateKind } {
    const slot = `${keyId}\n${kind}`;
    let w = this.#mirror.get(slot);
    if (w) return w;
    const row = this.#sql.all<{ start: number; current: number; previous: number }>(
      'SELECT start, current, previous FROM rate_windows WHERE key_id = ? AND kind = ?',
      keyId, kind,
    )[0];
    w = { keyId, kind, start: row?.start ?? now - (now % this.windowMs), current: row?.current ?? 0, previous: row?.previous ?? 0 };
    if (this.#mirror.size >= MIRROR_MAX) this.#evictOne();
    this.#mirror.set(slot, w);
    return w;
  }

  #evictOne(): void {
    const oldest = this.#mirror.keys().next().value!;
    if (this.#dirty.has(oldest)) {
      this.#write(this.#mirror.get(oldest)!);
      this.#dirty.delete(oldest);
    }
    this.#mirror.delete(oldest);
  }
}
