// The edge core's Sql interface over an in-memory SQLite database, for the core's
// own tests: the same engine as both hosts, without importing either host.
import Database from 'better-sqlite3';
import type { Sql, SqlValue } from '../../edge/core/store/index';

export interface MemorySql extends Sql {
  close(): void;
}

export function openMemorySql(): MemorySql {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  return {
    all<T = Record<string, unknown>>(query: string, ...params: SqlValue[]): T[] {
      return db.prepare(query).all(...params) as T[];
    },
    run(query: string, ...params: SqlValue[]): void {
      db.prepare(query).run(...params);
    },
    transaction<T>(fn: () => T): T {
      return db.transaction(fn)();
    },
    close(): void {
      db.close();
    },
  };
}
