// Per-key admission before a request starts: requests per minute, tokens per
// minute and a daily token budget, counted in SQLite (TenantStore's counters),
// so a restart or a hibernation forgets nothing. Concurrency is the gate's
// (concurrency-gate.ts); models and body size are checked by the routes.
import { HttpError } from '../errors';
import { rateLimitHeaders } from '../http/index';
import { emptyMs, estimate, waitMs } from './rate-window';
import type { RateCounters } from './rate-counters';
import type { KeyLimits } from './store';

export interface LimitedKey {
  id: string;
  limits: Pick<KeyLimits, 'rpm' | 'tpm' | 'dailyTokens'>;
}

/** What the limiter reads: TenantStore is one. */
export interface LimitCounts {
  readonly counters: RateCounters;
  tokensToday(keyId: string): number;
  now(): number;
}

/** One limit's state, for the x-ratelimit-* headers (rate-headers.ts). */
export interface LimitState {
  limit: number;
  remaining: number;
  /** ms until the count is back to zero. */
  resetMs: number;
}

/** The key's request and token limits after admission (absent: the key has no such limit). */
export interface RateSnapshot {
  requests?: LimitState;
  tokens?: LimitState;
}

const DAY_MS = 86_400_000;

export class KeyLimiter {
  readonly #counts: LimitCounts;

  constructor(counts: LimitCounts) {
    this.#counts = counts;
  }

  /**
   * Admits one request for the key and counts it, or throws a 429 HttpError with
   * Retry-After and the x-ratelimit-* headers. Tokens are known only when a
   * response ends (TenantStore.recordUsage counts them), so a request that
   * starts under a token limit may take the key past it; the next one waits.
   */
  admit(key: LimitedKey): RateSnapshot {
    const { rpm, tpm, dailyTokens } = key.limits;
    const counters = this.#counts.counters;
    const W = counters.windowMs;
    const now = this.#counts.now();
    const snap: RateSnapshot = {};

    if (rpm !== null) {
      const w = counters.window(key.id, 'requests', now);
      const used = estimate(w, now, W);
      snap.requests = { limit: rpm, remaining: Math.max(0, Math.floor(rpm - used)), resetMs: emptyMs(w, now, W) };
      // The request itself counts: admit only if the window stays within rpm with it.
      if (used + 1 > rpm) {
        throw limited('rate_limit_exceeded', `Rate limit reached: ${rpm} requests per minute for this key.`, waitMs(w, rpm - 1, now, W), snap);
      }
    }
    if (tpm !== null) {
      const w = counters.window(key.id, 'tokens', now);
      const used = estimate(w, now, W);
      snap.tokens = { limit: tpm, remaining: Math.max(0, Math.floor(tpm - used)), resetMs: emptyMs(w, now, W) };
      if (used >= tpm) {
        throw limited('tokens_limit_exceeded', `Rate limit reached: ${tpm} tokens per minute for this key.`, waitMs(w, tpm - 1, now, W), snap);
      }
    }
    if (dailyTokens !== null) {
      const used = this.#counts.tokensToday(key.id);
      const toMidnight = DAY_MS - (now % DAY_MS);
      const daily = { limit: dailyTokens, remaining: Math.max(0, dailyTokens - used), resetMs: toMidnight };
      // The tokens headers show whichever token limit has less left.
      if (!snap.tokens || daily.remaining < snap.tokens.remaining) snap.tokens = daily;
      if (used >= dailyTokens) {
        throw limited('daily_budget_exceeded', `Daily token budget reached: ${dailyTokens} tokens per day (UTC) for this key.`, toMidnight, snap);
      }
    }
    if (rpm !== null) {
      counters.add(key.id, 'requests', 1, now);
      snap.requests!.remaining = Math.max(0, snap.requests!.remaining - 1);
      snap.requests!.resetMs = emptyMs(counters.window(key.id, 'requests', now), now, W);
    }
    return snap;
  }
}

function limited(code: string, message: string, retryMs: number, snap: RateSnapshot): HttpError {
  const retryAfter = Math.max(1, Math.ceil(retryMs / 1000));
  return new HttpError(429, code, `${message} Try again in ${retryAfter}s.`, {
    headers: { 'retry-after': String(retryAfter), ...rateLimitHeaders(snap) },
  });
}
