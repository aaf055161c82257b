// The one registry of tenant names, so the admin API can list tenants: each
// tenant's keys, tokens and usage live in its own TenantDO, which cannot be enumerated.
// Only admin calls reach it; client and agent traffic never does.
import { DurableObject } from 'cloudflare:workers';
import type { TenantRecord } from '../core/store/index';
import type { Env } from './env';

export class RegistryDO extends DurableObject<Env> {
  readonly #sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#sql.exec('CREATE TABLE IF NOT EXISTS tenants (name TEXT PRIMARY KEY, created_at INTEGER NOT NULL)');
  }

  /** Records a name; false when it was already there. */
  add(name: string, createdAt: number): boolean {
    return this.#sql.exec('INSERT OR IGNORE INTO tenants (name, created_at) VALUES (?, ?)', name, createdAt).rowsWritten > 0;
  }

  remove(name: string): void {
    this.#sql.exec('DELETE FROM tenants WHERE name = ?', name);
  }

  list(): TenantRecord[] {
    return this.#sql
      .exec<{ name: string; created_at: number }>('SELECT name, created_at FROM tenants ORDER BY name')
      .toArray()
      .map((r) => ({ name: r.name, createdAt: r.created_at }));
  }
}
