// Waits for a vLLM server to be ready: `/health` answers 200 (the engine is up),
// then `/v1/models` lists at least one model (the API server routes requests).
import { setTimeout as sleep } from 'node:timers/promises';
import { READINESS_POLL_MS, READINESS_PROBE_TIMEOUT_MS } from './defaults';

export interface ReadinessProgress {
  /** Which probe is being waited for. */
  phase: 'health' | 'models';
  elapsedMs: number;
  /** Why the last probe failed, e.g. "connection refused" or "HTTP 503". */
  lastError?: string;
}

export interface WaitForReadyOptions {
  signal?: AbortSignal;
  onProgress?: (p: ReadinessProgress) => void;
  intervalMs?: number;
  probeTimeoutMs?: number;
}

/** Short reason for a failed probe; undici wraps the socket error in `cause`. */
function probeError(err: unknown): string {
  const cause = (err as { cause?: { code?: string } }).cause;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused';
  if (cause?.code) return cause.code;
  if ((err as Error).name === 'TimeoutError') return 'timed out';
  return (err as Error).message;
}

/** One GET with a timeout: the parsed body on a 2xx, else a short reason ("HTTP 503", "timed out"). */
export async function probe(url: string, signal: AbortSignal | undefined, timeoutMs: number): Promise<{ ok: true; body: unknown } | { ok: false; error: string }> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(url, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    if (!res.ok) {
      await res.body?.cancel();
      return { ok: false, error: `HTTP ${res.status}` };
    }
    const text = await res.text();
    try {
      return { ok: true, body: text ? JSON.parse(text) : null };
    } catch {
      return { ok: true, body: null };
    }
  } catch (err) {
    signal?.throwIfAborted();
    return { ok: false, error: probeError(err) };
  }
}

function modelIds(body: unknown): string[] {
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return [];
  return data.map((m) => (m as { id?: unknown }).id).filter((id): id is string => typeof id === 'string' && id.length > 0);
}

/**
 * Polls until vLLM is ready and returns the model ids it serves. There is no
 * overall timeout: loading a big model (or downloading its weights) can take
 * many minutes, and the caller stops waiting through `signal` (vLLM exited, or
 * the agent is shutting down), which rejects with the signal's reason.
 */
export async function waitForReady(url: string, opts: WaitForReadyOptions = {}): Promise<string[]> {
  const base = url.replace(/\/+$/, '');
  const interval = opts.intervalMs ?? READINESS_POLL_MS;
  const timeout = opts.probeTimeoutMs ?? READINESS_PROBE_TIMEOUT_MS;
  const started = Date.now();
  let phase: ReadinessProgress['phase'] = 'health';
  for (;;) {
    opts.signal?.throwIfAborted();
    const res = await probe(`${base}${phase === 'health' ? '/health' : '/v1/models'}`, opts.signal, timeout);
    if (res.ok && phase === 'health') {
      phase = 'models';
      continue;
    }
    if (res.ok) {
      const ids = modelIds(res.body);
      if (ids.length > 0) return ids;
    }
    opts.onProgress?.({ phase, elapsedMs: Date.now() - started, lastError: res.ok ? 'no models listed yet' : res.error });
    try {
      await sleep(interval, undefined, { signal: opts.signal });
    } catch (err) {
      opts.signal?.throwIfAborted();
      throw err;
    }
  }
}
