// The records the tenant store hands out and takes in (store.ts), apart from
// the code that reads and writes them.

/** Per-key limits; null means unlimited (rpm, maxConcurrent, tpm, dailyTokens), any model (models) or never (expiresAt). */
export interface KeyLimits {
  rpm: number | null;
  maxConcurrent: number | null;
  /** Tokens (prompt + completion) per minute. */
  tpm: number | null;
  /** Tokens (prompt + completion) per UTC day. */
  dailyTokens: number | null;
  models: readonly string[] | null;
  maxBodyBytes: number;
  /** When the key stops working (ms since epoch); past it the key gets 401. */
  expiresAt: number | null;
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

/** A key as the admin API lists it (never its secret or hash). */
export interface KeyInfo {
  id: string;
  createdAt: number;
  revokedAt: number | null;
  limits: KeyLimits;
}

export interface TenantRecord {
  name: string;
  createdAt: number;
}

export interface UsageRow {
  keyId: string;
  day: string;
  /** Only in usage by model. */
  model?: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
}

export interface TokenCounts {
  prompt_tokens: number;
  completion_tokens: number;
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
  /** Length of the per-minute windows (rpm, tpm); defaults.ts RATE_WINDOW_MS. Tests shorten it. */
  rateWindowMs?: number;
}
