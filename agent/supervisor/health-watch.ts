// Watches a ready vLLM for a hang: a process that is alive but wedged never
// exits, so only its /health going unanswered shows it is down.
import { setTimeout as sleep } from 'node:timers/promises';
import { probe } from './readiness';
import { HEALTH_FAILURES, HEALTH_POLL_MS, HEALTH_PROBE_TIMEOUT_MS } from './defaults';

export interface HealthWatchOptions {
  /** Ends the watch (vLLM exited, or the agent is stopping); the promise rejects with it. */
  signal: AbortSignal;
  intervalMs?: number;
  probeTimeoutMs?: number;
  /** Failed probes in a row that mean down. */
  failures?: number;
}

/** Polls `/health`; resolves with why once `failures` probes in a row failed (timeouts, 5xx, refused). */
export async function watchHealth(url: string, opts: HealthWatchOptions): Promise<string> {
  const health = `${url.replace(/\/+$/, '')}/health`;
  const failures = opts.failures ?? HEALTH_FAILURES;
  let failed = 0;
  for (;;) {
    await sleep(opts.intervalMs ?? HEALTH_POLL_MS, undefined, { signal: opts.signal });
    const res = await probe(health, opts.signal, opts.probeTimeoutMs ?? HEALTH_PROBE_TIMEOUT_MS);
    if (res.ok) {
      failed = 0;
      continue;
    }
    if (++failed >= failures) return `${failed} probes in a row failed, last: ${res.error}`;
  }
}
