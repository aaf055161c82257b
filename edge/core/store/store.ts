// Tenants, API keys, agent tokens and usage over the shared Sql interface.
// A key's first check reads storage; later checks hit a memo of live keys that
// every revocation empties, so revocation is still immediate.
import { noLog } from '../log';
import { RATE_WINDOW_MS } from '../defaults';
import { KEY_COLUMNS, limitsOf, unexpired, type KeyRow } from './key-rows';
import { HttpError } from '../errors';
import { isTenantName, newAgentToken, newAgentTokenId, newApiKey, newKeyId, secretHash, sha256Hex, TENANT_NAME } from './keys';
import { RateCounters } from './rate-counters';
import { atomically, type Sql } from './sql';
import { UsageLedger } from './usage-ledger';

export type { KeyLimits, KeyLimitsInput, ApiKeyRecord, CreatedTenant, KeyInfo, TenantRecord, UsageRow, TokenCounts, TenantStoreOptions } from './store-types';
import type { KeyLimits, KeyLimitsInput, ApiKeyRecord, CreatedTenant, KeyInfo, TenantRecord, UsageRow, TokenCounts, TenantStoreOptions } from './store-types';

/** Live keys remembered per store; beyond this the oldest is dropped (and read again when used). */
const LIVE_KEYS_MAX = 10_000;
const DAY_MS = 86_400_000;

export class TenantStore {
  readonly #sql: Sql;
  readonly #now: () => number;
  /** Usage rows, written at once or batched (usageFlushMs). */
  readonly #ledger: UsageLedger;
  /**
   * Live keys by tenant and hash. The SQLite lookup was ~10 % of the Node
   * edge's CPU per request. Only keys found live are kept (a flood of wrong
   * keys cannot grow it), and `revokeKey` empties it. Exact because this store
   * is its database's only writer: the Node edge's one process, or the
   * tenant's Durable Object on Workers.
   */
  #liveKeys = new Map<string, ApiKeyRecord>();
  /** Start (ms, UTC) and name of the day recordUsage last counted on. */
  #dayStart = Number.NEGATIVE_INFINITY;
  #dayName = '';
  /** Tokens of today per key (SQLite's row plus what is pending), for daily budgets; reset each day. */
  #today = new Map<string, number>();
  #todayName = '';
  /** Requests and tokens per key and window, in SQLite (rate_windows). */
  readonly counters: RateCounters;

  constructor(sql: Sql, opts: TenantStoreOptions = {}) {
    this.#sql = sql;
    this.#now = opts.now ?? Date.now;
    const flushMs = opts.usageFlushMs ?? 0;
    const log = opts.log ?? noLog;
    this.#ledger = new UsageLedger(sql, { flushMs, log });
    this.counters = new RateCounters(sql, { windowMs: opts.rateWindowMs ?? RATE_WINDOW_MS, flushMs, log });
  }

  now(): number {
    return this.#now();
  }

  /** Creates a tenant with its first API key and agent token; 409 when it exists. */
  async createTenant(name: string): Promise<CreatedTenant> {
    if (!isTenantName(name)) {
      throw new HttpError(400, 'invalid_tenant_name', `Tenant name must match ${TENANT_NAME}.`, { param: 'name' });
    }
    const apiKey = newApiKey(name);
    const agentToken = newAgentToken(name);
    const [keyHash, tokenHash] = await Promise.all([sha256Hex(apiKey), sha256Hex(agentToken)]);
    const keyId = newKeyId();
    const now = this.#now();
    atomically(this.#sql, () => {
      if (this.hasTenant(name)) throw new HttpError(409, 'tenant_exists', `Tenant "${name}" already exists.`, { param: 'name' });
      this.#sql.run('INSERT INTO tenants (name, created_at) VALUES (?, ?)', name, now);
      this.#insertKey(keyId, name, keyHash, now, {});
      this.#sql.run(
        'INSERT INTO agent_tokens (id, tenant, hash, created_at) VALUES (?, ?, ?, ?)',
        newAgentTokenId(), name, tokenHash, now,
      );
    });
    return { tenant: name, apiKey, keyId, agentToken };
  }

  hasTenant(name: string): boolean {
    return this.#sql.all('SELECT 1 FROM tenants WHERE name = ?', name).length > 0;
  }

  listTenants(): TenantRecord[] {
    return this.#sql
      .all<{ name: string; created_at: number }>('SELECT name, created_at FROM tenants ORDER BY name')
      .map((r) => ({ name: r.name, createdAt: r.created_at }));
  }

  /** Adds an API key to a tenant; 404 when the tenant is unknown. */
  async createKey(tenant: string, limits: KeyLimitsInput = {}): Promise<{ apiKey: string; id: string }> {
    this.#requireTenant(tenant);
    const apiKey = newApiKey(tenant);
    const id = newKeyId();
    this.#insertKey(id, tenant, await sha256Hex(apiKey), this.#now(), limits);
    return { apiKey, id };
  }

  /** Revokes a key at once; 404 when the tenant has no such key. Revoking twice is fine. */
  revokeKey(tenant: string, id: string): void {
    const rows = this.#sql.all<{ revoked_at: number | null }>('SELECT revoked_at FROM api_keys WHERE id = ? AND tenant = ?', id, tenant);
    if (rows.length === 0) throw new HttpError(404, 'key_not_found', `No key "${id}" for tenant "${tenant}".`);
    if (rows[0].revoked_at === null) this.#sql.run('UPDATE api_keys SET revoked_at = ? WHERE id = ?', this.#now(), id);
    this.#liveKeys.clear();
  }

  /** The tenant's keys, revoked ones included, oldest first. */
  listKeys(tenant: string): KeyInfo[] {
    this.#requireTenant(tenant);
    return this.#sql
      .all<KeyRow & { revoked_at: number | null }>(`SELECT ${KEY_COLUMNS}, revoked_at FROM api_keys WHERE tenant = ? ORDER BY created_at, rowid`, tenant)
      .map((row) => ({ id: row.id, createdAt: row.created_at, revokedAt: row.revoked_at, limits: limitsOf(row) }));
  }

  /**
   * A new secret for a live key: same id, limits, usage and rate counts; the old
   * secret fails from the next request on. 404 for an unknown key, 409 for a revoked one.
   */
  async rotateKey(tenant: string, id: string): Promise<{ apiKey: string; id: string }> {
    const rows = this.#sql.all<{ revoked_at: number | null }>('SELECT revoked_at FROM api_keys WHERE id = ? AND tenant = ?', id, tenant);
    if (rows.length === 0) throw new HttpError(404, 'key_not_found', `No key "${id}" for tenant "${tenant}".`);
    if (rows[0].revoked_at !== null) throw new HttpError(409, 'key_revoked', `Key "${id}" is revoked; create a new one.`);
    const apiKey = newApiKey(tenant);
    this.#sql.run('UPDATE api_keys SET hash = ? WHERE id = ?', await sha256Hex(apiKey), id);
    this.#liveKeys.clear();
    return { apiKey, id };
  }

  /** The live key record for a whole API key, or null (unknown, revoked, expired, other tenant). */
  async verifyKey(tenant: string, key: string): Promise<ApiKeyRecord | null> {
    const hash = await secretHash(key);
    const slot = `${tenant}\n${hash}`;
    const known = this.#liveKeys.get(slot);
    if (known) return unexpired(known, this.#now());
    const row = this.#sql.all<KeyRow>(
      `SELECT ${KEY_COLUMNS} FROM api_keys WHERE hash = ? AND tenant = ? AND revoked_at IS NULL`,
      hash, tenant,
    )[0];
    if (!row) return null;
    // Shared by every request with this key: frozen, so no caller can change another's limits.
    const record: ApiKeyRecord = Object.freeze({ id: row.id, tenant: row.tenant, createdAt: row.created_at, limits: limitsOf(row) });
    if (this.#liveKeys.size >= LIVE_KEYS_MAX) this.#liveKeys.delete(this.#liveKeys.keys().next().value!);
    this.#liveKeys.set(slot, record);
    return unexpired(record, this.#now());
  }

  /** Tokens (prompt + completion) the key used today (UTC), pending counts included. */
  tokensToday(keyId: string): number {
    const day = this.#day(this.#now());
    if (this.#todayName !== day) {
      this.#today.clear();
      this.#todayName = day;
    }
    let tokens = this.#today.get(keyId);
    if (tokens === undefined) {
      const row = this.#sql.all<{ tokens: number }>(
        'SELECT prompt_tokens + completion_tokens AS tokens FROM usage WHERE key_id = ? AND day = ?', keyId, day,
      )[0];
      tokens = row?.tokens ?? 0;
      tokens += this.#ledger.pendingTokens(keyId, day);
      if (this.#today.size >= LIVE_KEYS_MAX) this.#today.clear();
      this.#today.set(keyId, tokens);
    }
    return tokens;
  }

  async verifyAgentToken(tenant: string, token: string): Promise<boolean> {
    const hash = await secretHash(token);
    return this.#sql.all('SELECT 1 FROM agent_tokens WHERE hash = ? AND tenant = ? AND revoked_at IS NULL', hash, tenant).length > 0;
  }

  /**
   * Counts one finished request and its tokens for the key (and model), on today's (UTC)
   * row, and its tokens in the key's tokens-per-minute window.
   */
  recordUsage(keyId: string, usage: TokenCounts, model = ''): void {
    const now = this.#now();
    const day = this.#day(now);
    const tokens = usage.prompt_tokens + usage.completion_tokens;
    this.counters.add(keyId, 'tokens', tokens, now);
    if (this.#todayName === day && this.#today.has(keyId)) this.#today.set(keyId, this.#today.get(keyId)! + tokens);
    this.#ledger.add(keyId, day, model, usage);
  }

  /** The UTC date of `ms` as YYYY-MM-DD, formatted once per day rather than per request. */
  #day(ms: number): string {
    if (ms < this.#dayStart || ms >= this.#dayStart + DAY_MS) {
      this.#dayStart = ms - (ms % DAY_MS);
      this.#dayName = new Date(this.#dayStart).toISOString().slice(0, 10);
    }
    return this.#dayName;
  }

  /** Writes the usage and rate counts held in memory. */
  flushUsage(): void {
    this.counters.flush();
    this.#ledger.flush();
  }

  /**
   * Usage of every key of a tenant (revoked ones included), by key and day, or with
   * `byModel` by key, day and model (counted since schema 2); 404 when the tenant is unknown.
   */
  usage(tenant: string, byModel = false): UsageRow[] {
    this.#requireTenant(tenant);
    this.flushUsage();
    const table = byModel ? 'model_usage' : 'usage';
    return this.#sql
      .all<{ key_id: string; day: string; model?: string; requests: number; prompt_tokens: number; completion_tokens: number }>(
        `SELECT u.key_id, u.day, ${byModel ? 'u.model, ' : ''}u.requests, u.prompt_tokens, u.completion_tokens
           FROM ${table} u JOIN api_keys k ON k.id = u.key_id
          WHERE k.tenant = ? ORDER BY u.day, u.key_id${byModel ? ', u.model' : ''}`,
        tenant,
      )
      .map((r) => ({
        keyId: r.key_id,
        day: r.day,
        ...(byModel ? { model: r.model } : {}),
        requests: r.requests,
        promptTokens: r.prompt_tokens,
        completionTokens: r.completion_tokens,
      }));
  }

  #requireTenant(name: string): void {
    if (!this.hasTenant(name)) throw new HttpError(404, 'tenant_not_found', `No tenant "${name}".`);
  }

  #insertKey(id: string, tenant: string, hash: string, now: number, limits: KeyLimitsInput): void {
    this.#sql.run(
      `INSERT INTO api_keys (id, tenant, hash, created_at, rpm, max_concurrent, models, max_body_bytes, tpm, daily_tokens, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      id, tenant, hash, now,
      limits.rpm ?? null,
      limits.maxConcurrent ?? null,
      limits.models ? JSON.stringify(limits.models) : null,
      limits.maxBodyBytes ?? null,
      limits.tpm ?? null,
      limits.dailyTokens ?? null,
      limits.expiresAt ?? null,
    );
  }
}
