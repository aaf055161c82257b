// The load generator: streamed requests over an undici Pool with one
// connection per concurrent stream, counted with a byte search (sse-count.ts)
// through undici's raw dispatch handler, so no Readable or JSON parse per chunk.
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import { SseTally } from './sse-count';

export interface RequestSpec {
  /** Origin, e.g. http://127.0.0.1:8000 */
  url: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  tokenPattern?: string;
}

export interface LoadSpec extends RequestSpec {
  /** Requests in flight at once. */
  concurrency: number;
  /** Requests in all. */
  total: number;
}

export interface RequestSample {
  ok: boolean;
  status: number;
  ttftMs: number;
  e2eMs: number;
  tokens: number;
  bytes: number;
  chunks: number;
  error?: string;
}

export interface LoadResult {
  wallMs: number;
  requests: number;
  ok: number;
  failed: number;
  /** First few failures, for the report. */
  errors: string[];
  tokens: number;
  bytes: number;
  /** Response body chunks received (socket reads that carried body bytes). */
  chunks: number;
  ttftMs: number[];
  e2eMs: number[];
  /** This process's CPU time over the run's wall time (1 = one core busy). */
  cpuBusy: number;
}

const pools = new Map<string, Pool>();

/** One pool per origin, grown (replaced) when a run needs more connections. */
function poolFor(url: string, connections: number): Pool {
  const key = new URL(url).origin;
  const have = pools.get(key) as (Pool & { bench?: number }) | undefined;
  if (have && (have.bench ?? 0) >= connections) return have;
  void have?.close();
  const pool = new Pool(key, {
    connections,
    pipelining: 1,
    // Streams wait in queues and hold for minutes in the memory workload.
    headersTimeout: 0,
    bodyTimeout: 0,
    // For servers that send no Keep-Alive hint (workerd): an idle connection must close on
    // our side well before theirs. workerd drops one 5 s after its last response, and a
    // request written to it late in that window is lost (ECONNRESET, "other side closed"):
    // as the window closes, or when the server is too busy to read it before then. With
    // 60 s, 3–50 % of a 256- or 1,000-stream burst sent 3–5 s after the last one failed so.
    // Node's servers say timeout=5, which undici turns into 3 s by itself.
    keepAliveTimeout: 1_000,
  }) as Pool & { bench?: number };
  pool.bench = connections;
  pools.set(key, pool);
  return pool;
}

export async function closePools(): Promise<void> {
  await Promise.all([...pools.values()].map((p) => p.close()));
  pools.clear();
}

export interface StreamControl {
  /** Resolves when the response has ended, failed or been aborted. */
  done: Promise<RequestSample>;
  /** Resolves once the status line and headers have arrived. */
  started: Promise<void>;
  abort(): void;
}

/** Sends one request; `pauseOnStart` stops reading right after the headers (a stalled client). */
export function sendRequest(spec: RequestSpec, pool: Dispatcher, pauseOnStart = false): StreamControl {
  const tally = new SseTally(spec.tokenPattern);
  const t0 = performance.now();
  let controller: Dispatcher.DispatchController | undefined;
  let aborted = false;
  let status = 0;
  let errorBody = '';
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  let finish!: (s: RequestSample) => void;
  const done = new Promise<RequestSample>((resolve) => (finish = resolve));
  const sample = (ok: boolean, error?: string): RequestSample => ({
    ok, status, ttftMs: tally.firstTokenAt - t0, e2eMs: performance.now() - t0,
    tokens: tally.tokens, bytes: tally.bytes, chunks: tally.chunks, error,
  });
  const handler: Dispatcher.DispatchHandler = {
    onRequestStart(c) {
      controller = c;
      if (aborted) c.abort(new Error('aborted by the benchmark'));
    },
    onResponseStart(c, statusCode) {
      status = statusCode;
      markStarted();
      if (pauseOnStart) c.pause();
    },
    onResponseData(_c, chunk) {
      if (status !== 200) {
        if (errorBody.length < 300) errorBody += chunk.toString('utf8');
        return;
      }
      tally.add(chunk, performance.now());
    },
    onResponseEnd() {
      finish(status === 200 ? sample(true) : sample(false, `HTTP ${status}: ${errorBody.slice(0, 300)}`));
    },
    onResponseError(_c, err) {
      markStarted();
      finish(sample(false, aborted ? 'aborted' : `${err.name}: ${err.message}`));
    },
  };
  const headers = { 'content-type': 'application/json', ...spec.headers };
  pool.dispatch({ method: 'POST', path: spec.path, headers, body: spec.body }, handler);
  return {
    done,
    started,
    abort() {
      aborted = true;
      controller?.abort(new Error('aborted by the benchmark'));
    },
  };
}

/** Runs `total` requests with `concurrency` in flight; wall time runs from the first send to the last end. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const pool = poolFor(spec.url, spec.concurrency);
  const samples: RequestSample[] = [];
  let issued = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (issued < spec.total) {
      issued++;
      samples.push(await sendRequest(spec, pool).done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(spec.concurrency, spec.total) }, worker));
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const ok = samples.filter((s) => s.ok);
  return {
    wallMs,
    requests: samples.length,
    ok: ok.length,
    failed: samples.length - ok.length,
    errors: [...new Set(samples.filter((s) => !s.ok).map((s) => s.error ?? 'unknown'))].slice(0, 5),
    tokens: ok.reduce((a, s) => a + s.tokens, 0),
    bytes: ok.reduce((a, s) => a + s.bytes, 0),
    chunks: ok.reduce((a, s) => a + s.chunks, 0),
    ttftMs: ok.map((s) => s.ttftMs),
    e2eMs: ok.map((s) => s.e2eMs),
    cpuBusy: (cpu.user + cpu.system) / 1000 / wallMs,
  };
}

/** Streams held open with their readers paused (the memory workload), released together. */
export interface HeldStreams {
  opened: number;
  failed: number;
  errors: string[];
  release(): Promise<{ aborted: number }>;
}

export async function holdStreams(spec: RequestSpec, count: number, openTimeoutMs: number): Promise<HeldStreams> {
  // A pool of its own: held streams keep their connections, so a second set must not queue behind the first.
  const pool = new Pool(new URL(spec.url).origin, { connections: count, pipelining: 1, headersTimeout: 0, bodyTimeout: 0 });
  const started = new Set<number>();
  const streams = Array.from({ length: count }, (_, i) => {
    const s = sendRequest(spec, pool, true);
    void s.started.then(() => started.add(i));
    return s;
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, openTimeoutMs)));
  await Promise.race([Promise.all(streams.map((s) => s.started)), timeout]);
  clearTimeout(timer);
  // A stream counts as open if its headers came and it has not ended since.
  const ended = await Promise.all(streams.map((s) => Promise.race([s.done, Promise.resolve(undefined)])));
  const failures = ended.filter((s): s is RequestSample => s !== undefined);
  const waiting = count - started.size;
  return {
    opened: streams.filter((_, i) => started.has(i) && ended[i] === undefined).length,
    failed: failures.filter((s) => !s.ok).length + waiting,
    errors: [
      ...new Set(failures.map((s) => s.error ?? `ended early (${s.tokens} tokens)`)),
      ...(waiting > 0 ? [`${waiting} streams got no response headers within ${openTimeoutMs} ms`] : []),
    ].slice(0, 5),
    async release() {
      for (const s of streams) s.abort();
      const results = await Promise.all(streams.map((s) => s.done));
      await pool.destroy();
      return { aborted: results.filter((r) => !r.ok).length };
    },
  };
}
