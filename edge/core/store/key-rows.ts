// API key rows of the SQL schema as the store reads them, and the limits they carry.
import { DEFAULT_MAX_BODY_BYTES } from '../defaults';
import type { ApiKeyRecord, KeyLimits } from './store';

export interface KeyRow {
  id: string;
  tenant: string;
  created_at: number;
  rpm: number | null;
  max_concurrent: number | null;
  models: string | null;
  max_body_bytes: number | null;
  tpm: number | null;
  daily_tokens: number | null;
  expires_at: number | null;
}

export const KEY_COLUMNS = 'id, tenant, created_at, rpm, max_concurrent, models, max_body_bytes, tpm, daily_tokens, expires_at';

export function limitsOf(row: KeyRow): KeyLimits {
  return Object.freeze({
    rpm: row.rpm,
    maxConcurrent: row.max_concurrent,
    tpm: row.tpm,
    dailyTokens: row.daily_tokens,
    models: row.models === null ? null : Object.freeze(JSON.parse(row.models) as string[]),
    maxBodyBytes: row.max_body_bytes ?? DEFAULT_MAX_BODY_BYTES,
    expiresAt: row.expires_at,
  });
}

/** An expired key is as good as unknown (401); it stays in the memo, since time only moves on. */
export function unexpired(record: ApiKeyRecord, now: number): ApiKeyRecord | null {
  return record.limits.expiresAt !== null && now >= record.limits.expiresAt ? null : record;
}
