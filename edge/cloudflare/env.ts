// The bindings and variables wrangler.toml gives the Worker and its Durable Objects.
import type { RegistryDO } from './registry-do';
import type { TenantDO } from './tenant-do';
import { LOG_LEVELS, type LogLevel } from './log';

export interface Env {
  /** One Durable Object per tenant, addressed by `idFromName(tenant)`. */
  TENANT: DurableObjectNamespace<TenantDO>;
  /** The one registry of tenant names, addressed by `idFromName(REGISTRY_NAME)`. */
  REGISTRY: DurableObjectNamespace<RegistryDO>;
  /** Secret (`wrangler secret put ADMIN_TOKEN`); the admin API answers 401 to everyone while it is unset. */
  ADMIN_TOKEN?: string;
  /** Optional secret: a read-only token that opens /status (the admin token always does). */
  STATUS_TOKEN?: string;
  /** Milliseconds a request waits for an agent before 503; the Hub's default when unset. */
  QUEUE_TIMEOUT_MS?: string;
  /** Milliseconds a request body may take to arrive before 408; edge/core/defaults.ts BODY_TIMEOUT_MS when unset. */
  BODY_TIMEOUT_MS?: string;
  /** Milliseconds between SSE keep-alive comments for waiting streamed requests (defaults.ts KEEP_ALIVE_MS). */
  KEEP_ALIVE_MS?: string;
  /** Length of the per-minute rate windows in ms (defaults.ts RATE_WINDOW_MS); a test knob. */
  RATE_WINDOW_MS?: string;
  /** The least level logged: trace, debug, info (the default: a line per request), warn or error. */
  LOG_LEVEL?: string;
}

/** LOG_LEVEL as one of pino's level names; info when unset, an error naming it when bad. */
export function logLevel(env: Env): LogLevel {
  const raw = env.LOG_LEVEL?.trim().toLowerCase();
  if (!raw) return 'info';
  if (!Object.hasOwn(LOG_LEVELS, raw)) throw new TypeError(`LOG_LEVEL must be one of ${Object.keys(LOG_LEVELS).join(', ')}, got "${env.LOG_LEVEL}"`);
  return raw as LogLevel;
}

/** The registry's Durable Object name: a singleton. */
export const REGISTRY_NAME = 'registry';

/** QUEUE_TIMEOUT_MS as a number; undefined when unset. A bad value is an error naming it, not a silent default. */
export function queueTimeoutMs(env: Env): number | undefined {
  return msVar(env, 'QUEUE_TIMEOUT_MS');
}

/** BODY_TIMEOUT_MS as a number; undefined when unset. */
export function bodyTimeoutMs(env: Env): number | undefined {
  return msVar(env, 'BODY_TIMEOUT_MS');
}

/** A variable of positive whole milliseconds; undefined when unset, an error naming it when bad. */
export function msVar(env: Env, name: 'QUEUE_TIMEOUT_MS' | 'BODY_TIMEOUT_MS' | 'KEEP_ALIVE_MS' | 'RATE_WINDOW_MS'): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms <= 0) throw new TypeError(`${name} must be a positive whole number of milliseconds, got "${raw}"`);
  return ms;
}
