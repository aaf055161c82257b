// The x-ratelimit-* response headers of a key with limits, on successes and on 429s.
import type { RateSnapshot } from '../store/index';

/**
 * The x-ratelimit-* headers OpenAI sends and its SDKs expose: limit, remaining
 * and reset (a duration like `1s`, `6m0s`, `20ms`) for requests and for tokens.
 */
export function rateLimitHeaders(snap: RateSnapshot): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [kind, state] of [['requests', snap.requests], ['tokens', snap.tokens]] as const) {
    if (!state) continue;
    headers[`x-ratelimit-limit-${kind}`] = String(state.limit);
    headers[`x-ratelimit-remaining-${kind}`] = String(state.remaining);
    headers[`x-ratelimit-reset-${kind}`] = formatReset(state.resetMs);
  }
  return headers;
}

/** OpenAI's reset format: `20ms` under a second, else `1s`, `6m0s`, `1h2m3s` (seconds rounded up). */
export function formatReset(ms: number): string {
  if (ms <= 0) return '0s';
  if (ms < 1000) return `${Math.ceil(ms)}ms`;
  const total = Math.ceil(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
