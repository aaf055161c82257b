// Tenants, API keys, agent tokens and usage over the shared Sql interface.
// A key's first check reads storage; later checks hit a memo of live keys that
// every revocation empties, so revocation is still immediate.
import { noLog } from './log';
import { DEFAULT_MAX_BODY_BYTES } from './defaults';
import { HttpError } from './errors';
import { isTenantName, newAgentToken, newAgentTokenId, newApiKey, newKeyId, secretHash, sha256Hex, TENANT_NAME } from './keys';
import { atomically, type Sql } from './sql';

/** Per-key limits; null means unlimited (rpm, maxConcurrent) or any model (models). */
export interface KeyLimits {
  rpm: number | null;
  maxConcurrent: number | null;
  models: readonly string[] | null;
  maxBodyBytes: number;
}

export type KeyLimitsInput = Partial<Omit<KeyLimits, 'maxBodyBytes'> & { maxBodyBytes: number | null }>;

export interface ApiKeyRecord {
  id: string;
  tenant: string;
  createdAt: number;
  limits: KeyLimits;
}

export interface CreatedTenant {
  tenant: string;
  apiKey: string;
  keyId: string;
  agentToken: string;
}

export interface TenantRecord {
  name: string;
  createdAt: number;
}

export interface UsageRow {
  keyId: string;
  day: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
}

export interface TokenCounts {
  prompt_tokens: number;
  completion_tokens: number;
}

interface KeyRow {
  id: string;
  tenant: string;
  created_at: number;
  rpm: number | null;
  max_concurrent: number | null;
  models: string | null;
  max_body_bytes: number | null;
}

export interface TenantStoreOptions {
  now?: () => number;
  /**
   * Usage counts are summed in memory per (key, day) and written in one
   * transaction at most this often; 0 writes each request at once. An
   * auto-commit UPSERT per request was 7 % of the Node edge's CPU per request.
   * `usage()` and `flushUsage()` write what is pending first; a crash loses at
   * most this long of counts (never keys or revocations).
   */
  usageFlushMs?: number;
  /** Where a failed flush is reported (the counts are kept for the next one). */
  log?: (line: string) => void;
}

interface PendingUsage {
  keyId: string;
  day: string;
  requests: number;
  prompt: number;
  completion: number;
}

const UPSERT_USAGE = `INSERT INTO usage (key_id, day, requests, prompt_tokens, completion_tokens) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (key_id, day) DO UPDATE SET
    requests = requests + excluded.requests,
    prompt_tokens = prompt_tokens + excluded.prompt_tokens,
    completion_tokens = completion_tokens + excluded.completion_tokens`;

/** Live keys remembered per store; beyond this the oldest is dropped (and read again when used). */
const LIVE_KEYS_MAX = 10_000;
const DAY_MS = 86_400_000;

export class TenantStore {
  readonly #sql: Sql;
  readonly #now: () => number;
  readonly #flushMs: number;
  readonly #log: (line: string) => void;
  #pending = new Map<string, PendingUsage>();
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
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

  constructor(sql: Sql, opts: TenantStoreOptions = {}) {
    this.#sql = sql;
    this.#now = opts.now ?? Date.now;
    this.#flushMs = opts.usageFlushMs ?? 0;
    this.#log = opts.log ?? noLog;
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

  /** The live key record for a whole API key, or null (unknown, revoked, other tenant). */
  async verifyKey(tenant: string, key: string): Promise<ApiKeyRecord | null> {
    const hash = await secretHash(key);
    const slot = `${tenant}\n${hash}`;
    const known = this.#liveKeys.get(slot);
    if (known) return known;
    const row = this.#sql.all<KeyRow>(
      `SELECT id, tenant, created_at, rpm, max_concurrent, models, max_body_bytes
         FROM api_keys WHERE hash = ? AND tenant = ? AND revoked_at IS NULL`,
      hash, tenant,
    )[0];
    if (!row) return null;
    // Shared by every request with this key: frozen, so no caller can change another's limits.
    const record: ApiKeyRecord = Object.freeze({
      id: row.id,
      tenant: row.tenant,
      createdAt: row.created_at,
      limits: Object.freeze({
        rpm: row.rpm,
        maxConcurrent: row.max_concurrent,
        models: row.models === null ? null : Object.freeze(JSON.parse(row.models) as string[]),
        maxBodyBytes: row.max_body_bytes ?? DEFAULT_MAX_BODY_BYTES,
      }),
    });
    if (this.#liveKeys.size >= LIVE_KEYS_MAX) this.#liveKeys.delete(this.#liveKeys.keys().next().value!);
    this.#liveKeys.set(slot, record);
    return record;
  }

  async verifyAgentToken(tenant: string, token: string): Promise<boolean> {
    const hash = await secretHash(token);
    return this.#sql.all('SELECT 1 FROM agent_tokens WHERE hash = ? AND tenant = ? AND revoked_at IS NULL', hash, tenant).length > 0;
  }

  /** Counts one finished request and its tokens for the key, on today's (UTC) row. */
  recordUsage(keyId: string, usage: TokenCounts): void {
    const day = this.#day(this.#now());
    if (this.#flushMs <= 0) {
      this.#sql.run(UPSERT_USAGE, keyId, day, 1, usage.prompt_tokens, usage.completion_tokens);
      return;
    }
    const slot = `${keyId}\n${day}`;
    let pending = this.#pending.get(slot);
    if (!pending) {
      pending = { keyId, day, requests: 0, prompt: 0, completion: 0 };
      this.#pending.set(slot, pending);
    }
    pending.requests += 1;
    pending.prompt += usage.prompt_tokens;
    pending.completion += usage.completion_tokens;
    this.#scheduleFlush();
  }

  /** The UTC date of `ms` as YYYY-MM-DD, formatted once per day rather than per request. */
  #day(ms: number): string {
    if (ms < this.#dayStart || ms >= this.#dayStart + DAY_MS) {
      this.#dayStart = ms - (ms % DAY_MS);
      this.#dayName = new Date(this.#dayStart).toISOString().slice(0, 10);
    }
    return this.#dayName;
  }

  /** Writes the usage counted in memory, in one transaction. */
  flushUsage(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#pending.size === 0) return;
    const rows = [...this.#pending.values()];
    atomically(this.#sql, () => {
      for (const r of rows) this.#sql.run(UPSERT_USAGE, r.keyId, r.day, r.requests, r.prompt, r.completion);
    });
    this.#pending.clear();
  }

  #flushSafely(): void {
    try {
      this.flushUsage();
    } catch (err) {
      this.#log(`writing usage failed, will retry: ${String(err)}`);
      this.#scheduleFlush();
    }
  }

  #scheduleFlush(): void {
    if (this.#flushTimer !== undefined) return;
    this.#flushTimer = setTimeout(() => this.#flushSafely(), this.#flushMs);
    // The timer must not hold a Node process open (Workers timers have no unref).
    (this.#flushTimer as { unref?: () => void }).unref?.();
  }

  /** Usage of every key of a tenant (revoked ones included), by key and day; 404 when the tenant is unknown. */
  usage(tenant: string): UsageRow[] {
    this.#requireTenant(tenant);
    this.flushUsage();
    return this.#sql
      .all<{ key_id: string; day: string; requests: number; prompt_tokens: number; completion_tokens: number }>(
        `SELECT u.key_id, u.day, u.requests, u.prompt_tokens, u.completion_tokens
           FROM usage u JOIN api_keys k ON k.id = u.key_id
          WHERE k.tenant = ? ORDER BY u.day, u.key_id`,
        tenant,
      )
      .map((r) => ({
        keyId: r.key_id,
        day: r.day,
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
      `INSERT INTO api_keys (id, tenant, hash, created_at, rpm, max_concurrent, models, max_body_bytes)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      id, tenant, hash, now,
      limits.rpm ?? null,
      limits.maxConcurrent ?? null,
      limits.models ? JSON.stringify(limits.models) : null,
      limits.maxBodyBytes ?? null,
    );
  }
}
