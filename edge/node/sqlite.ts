// The edge's Sql interface over better-sqlite3: one file per Node edge, WAL mode.
import Database from 'better-sqlite3';
import type { Sql, SqlValue } from '../core/store/index';

export interface SqliteSql extends Sql {
  close(): void;
}

/**
 * Opens (creating) a database file, or `:memory:`. Prepared statements are
 * cached by query text: the store runs the same few queries for every request.
 */
export function openSqlite(file: string): SqliteSql {
  const db = new Database(file);
  // WAL: readers never block the writer and commits are one fsync of the log (sqlite.org/wal.html).
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  const statements = new Map<string, Database.Statement>();
  const prepare = (query: string): Database.Statement => {
    let statement = statements.get(query);
    if (!statement) {
      statement = db.prepare(query);
      statements.set(query, statement);
    }
    return statement;
  };
  return {
    all<T = Record<string, unknown>>(query: string, ...params: SqlValue[]): T[] {
      return prepare(query).all(...params) as T[];
    },
    run(query: string, ...params: SqlValue[]): void {
      prepare(query).run(...params);
    },
    transaction<T>(fn: () => T): T {
      return db.transaction(fn)();
    },
    close(): void {
      statements.clear();
      db.close();
    },
  };
}
