// The edge's SQL schema as an ordered list of migrations, shared by the Node host
// (one SQLite file) and the Cloudflare host (a Durable Object's SQLite per tenant).
import { atomically, type Sql } from './sql';

/**
 * Each entry is one schema version: single statements only, since better-sqlite3
 * prepares one statement at a time. Append new versions; never edit old ones.
 */
export const migrations: readonly (readonly string[])[] = [
  [
    `CREATE TABLE tenants (
       name TEXT PRIMARY KEY,
       created_at INTEGER NOT NULL
     )`,
    `CREATE TABLE api_keys (
       id TEXT PRIMARY KEY,
       tenant TEXT NOT NULL REFERENCES tenants(name),
       hash TEXT NOT NULL UNIQUE,
       created_at INTEGER NOT NULL,
       revoked_at INTEGER,
       rpm INTEGER,
       max_concurrent INTEGER,
       models TEXT,
       max_body_bytes INTEGER
     )`,
    `CREATE INDEX api_keys_tenant ON api_keys (tenant)`,
    `CREATE TABLE agent_tokens (
       id TEXT PRIMARY KEY,
       tenant TEXT NOT NULL REFERENCES tenants(name),
       hash TEXT NOT NULL UNIQUE,
       created_at INTEGER NOT NULL,
       revoked_at INTEGER
     )`,
    `CREATE TABLE usage (
       key_id TEXT NOT NULL,
       day TEXT NOT NULL,
       requests INTEGER NOT NULL DEFAULT 0,
       prompt_tokens INTEGER NOT NULL DEFAULT 0,
       completion_tokens INTEGER NOT NULL DEFAULT 0,
       PRIMARY KEY (key_id, day)
     )`,
  ],
  // 2: tokens per minute, a daily token budget and an expiry per key; rate windows
  // kept in SQLite (so a restart or a hibernation forgets no count); usage by model.
  [
    `ALTER TABLE api_keys ADD COLUMN tpm INTEGER`,
    `ALTER TABLE api_keys ADD COLUMN daily_tokens INTEGER`,
    `ALTER TABLE api_keys ADD COLUMN expires_at INTEGER`,
    `CREATE TABLE rate_windows (
       key_id TEXT NOT NULL,
       kind TEXT NOT NULL,
       start INTEGER NOT NULL,
       current INTEGER NOT NULL,
       previous INTEGER NOT NULL,
       PRIMARY KEY (key_id, kind)
     )`,
    `CREATE TABLE model_usage (
       key_id TEXT NOT NULL,
       day TEXT NOT NULL,
       model TEXT NOT NULL,
       requests INTEGER NOT NULL DEFAULT 0,
       prompt_tokens INTEGER NOT NULL DEFAULT 0,
       completion_tokens INTEGER NOT NULL DEFAULT 0,
       PRIMARY KEY (key_id, day, model)
     )`,
  ],
];

export const SCHEMA_VERSION = migrations.length;

/** Brings the database up to SCHEMA_VERSION; returns the version it found. */
export function migrate(sql: Sql): number {
  sql.run('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const found = sql.all<{ version: number | null }>('SELECT MAX(version) AS version FROM schema_version')[0]?.version ?? 0;
  if (found > SCHEMA_VERSION) throw new Error(`database schema version ${found} is newer than this build's ${SCHEMA_VERSION}`);
  for (let version = found + 1; version <= SCHEMA_VERSION; version++) {
    atomically(sql, () => {
      for (const statement of migrations[version - 1]) sql.run(statement);
      sql.run('INSERT INTO schema_version (version) VALUES (?)', version);
    });
  }
  return found;
}
