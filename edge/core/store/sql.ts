// The one storage interface of the edge core: synchronous SQL that better-sqlite3
// (Node) and a Durable Object's `ctx.storage.sql.exec(query, ...bindings)` both implement.

export type SqlValue = string | number | null;

export interface Sql {
  /** Runs one statement and returns its rows. */
  all<T = Record<string, unknown>>(query: string, ...params: SqlValue[]): T[];
  /** Runs one statement for its effect. */
  run(query: string, ...params: SqlValue[]): void;
  /**
   * Runs fn atomically where the host can (better-sqlite3 `db.transaction`,
   * Durable Object `ctx.storage.transactionSync`; DO SQL rejects a literal BEGIN).
   */
  transaction?<T>(fn: () => T): T;
}

/** Runs fn in a transaction when the host offers one, else as is. */
export function atomically<T>(sql: Sql, fn: () => T): T {
  return sql.transaction ? sql.transaction(fn) : fn();
}
