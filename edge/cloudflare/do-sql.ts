// The edge core's Sql interface over a Durable Object's SQLite storage
// (`ctx.storage.sql.exec`, synchronous like better-sqlite3), so the Cloudflare
// host runs the same schema and TenantStore as the Node host.
import type { Sql, SqlValue } from '../core/store/index';

export function doSql(storage: DurableObjectStorage): Sql {
  return {
    all<T = Record<string, unknown>>(query: string, ...params: SqlValue[]): T[] {
      return storage.sql.exec(query, ...params).toArray() as T[];
    },
    run(query: string, ...params: SqlValue[]): void {
      // Drained so a statement's errors surface here, whether or not exec() runs it eagerly.
      storage.sql.exec(query, ...params).toArray();
    },
    // DO SQL rejects a literal BEGIN; transactionSync is its atomic block (rolls back on throw).
    transaction<T>(fn: () => T): T {
      return storage.transactionSync(fn);
    },
  };
}

/** Whether this object's storage holds the edge schema yet (read-only: an unknown tenant writes nothing). */
export function hasSchema(sql: Sql): boolean {
  return sql.all("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").length > 0;
}
