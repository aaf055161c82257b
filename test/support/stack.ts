// A whole bridge for end-to-end tests: an edge host (Node CLI process or
// `wrangler dev`), the simulator and agents as real processes, and openai
// SDK clients pointed at the edge and directly at the simulator.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { freePort, vllama, vllamaOnce, waitFor, type Child } from './processes';

export type HostKind = 'node' | 'workers';

export interface EdgeUnderTest {
  kind: HostKind;
  url: string;
  adminToken: string;
  /** What the edge has printed so far: its log lines (Workers: wrangler's output, the Worker's console lines among it). */
  output(): string;
  close(): Promise<void>;
}

export interface Tenant {
  tenant: string;
  apiKey: string;
  agentToken: string;
}

export const MODEL = 'facebook/opt-125m';

let tenantSeq = 0;

export interface EdgeProcessOptions {
  queueTimeoutS?: number;
  /** 408 for a request body not all there after this long. */
  bodyTimeoutS?: number;
  /** Node only: 408 for request headers not all there after this long. */
  headersTimeoutS?: number;
  /** Node only: `--grace`. */
  graceS?: number;
  /** `--heartbeat`: seconds between the edge's pings to its agents. */
  heartbeatS?: number;
  /** Node only: `--drain-timeout`, how long an agent socket may stay congested before 1008. */
  drainTimeoutS?: number;
  /** A read-only token for /status (--status-token; STATUS_TOKEN on Workers). */
  statusToken?: string;
  /** SSE keep-alive interval (`--keep-alive`, KEEP_ALIVE_MS). */
  keepAliveS?: number;
  /** Length of the per-minute rate windows (`--rate-window`, RATE_WINDOW_MS): a test knob. */
  rateWindowS?: number;
  /** The least level logged (`--log-level`, LOG_LEVEL). */
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  /** Workers: have wrangler print the Worker's console lines, so output() holds its log records (Node always prints them). */
  consoleLines?: boolean;
}

/** A Node edge process; `restart()` stops it and starts a new one on the same port and data directory. */
export async function startNodeEdgeProcess(
  opts: EdgeProcessOptions = {},
): Promise<EdgeUnderTest & { readonly child: Child; restart(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'vllama-edge-'));
  const port = await freePort();
  const adminToken = `adm-${Math.random().toString(36).slice(2)}`;
  const args = ['edge', '--port', String(port), '--data', dir, '--admin-token', adminToken];
  if (opts.queueTimeoutS !== undefined) args.push('--queue-timeout', String(opts.queueTimeoutS));
  if (opts.bodyTimeoutS !== undefined) args.push('--body-timeout', String(opts.bodyTimeoutS));
  if (opts.headersTimeoutS !== undefined) args.push('--headers-timeout', String(opts.headersTimeoutS));
  if (opts.graceS !== undefined) args.push('--grace', String(opts.graceS));
  if (opts.heartbeatS !== undefined) args.push('--heartbeat', String(opts.heartbeatS));
  if (opts.drainTimeoutS !== undefined) args.push('--drain-timeout', String(opts.drainTimeoutS));
  if (opts.statusToken !== undefined) args.push('--status-token', opts.statusToken);
  if (opts.keepAliveS !== undefined) args.push('--keep-alive', String(opts.keepAliveS));
  if (opts.rateWindowS !== undefined) args.push('--rate-window', String(opts.rateWindowS));
  if (opts.logLevel !== undefined) args.push('--log-level', opts.logLevel);
  const url = `http://127.0.0.1:${port}`;
  const start = async () => {
    const child = await vllama(args, /listening on (http:\/\/\S+)/i);
    await waitFor(async () => (await fetch(`${url}/healthz`)).ok, 10_000, 'edge /healthz');
    return child;
  };
  let child = await start();
  return {
    kind: 'node',
    url,
    adminToken,
    get child() {
      return child;
    },
    output: () => child.output(),
    restart: async () => {
      await child.stop();
      child = await start();
    },
    close: async () => {
      await child.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function startEdge(kind: HostKind, opts: EdgeProcessOptions = {}): Promise<EdgeUnderTest> {
  if (kind === 'node') return startNodeEdgeProcess(opts);
  const { startWorkersEdge } = await import('../hosts/workers-host');
  const ms = (s: number | undefined) => (s !== undefined ? s * 1000 : undefined);
  const vars: Record<string, string> = {};
  if (opts.keepAliveS !== undefined) vars.KEEP_ALIVE_MS = String(Math.round(opts.keepAliveS * 1000));
  if (opts.rateWindowS !== undefined) vars.RATE_WINDOW_MS = String(Math.round(opts.rateWindowS * 1000));
  if (opts.logLevel !== undefined) vars.LOG_LEVEL = opts.logLevel;
  const edge = await startWorkersEdge({ queueTimeoutMs: ms(opts.queueTimeoutS), bodyTimeoutMs: ms(opts.bodyTimeoutS), statusToken: opts.statusToken, vars, consoleLines: opts.consoleLines });
  return { kind, ...edge };
}

export async function startSimProcess(extra: string[] = []): Promise<Child & { url: string }> {
  const port = await freePort();
  const child = await vllama(['sim', '--port', String(port), '--model', MODEL, ...extra], new RegExp(`127\\.0\\.0\\.1:${port}`));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/health`)).ok, 10_000, 'sim /health');
  return { ...child, url };
}

export async function createTenant(edge: EdgeUnderTest, prefix = 't'): Promise<Tenant> {
  const name = `${prefix}-${process.pid}-${++tenantSeq}`;
  const r = await vllamaOnce(['tenant', 'create', name, '--edge', edge.url, '--admin-token', edge.adminToken, '--json']);
  if (r.exitCode !== 0) throw new Error(`tenant create failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Tenant;
}

export async function startAgentProcess(edge: EdgeUnderTest, tenant: Tenant, upstream: string, extra: string[] = []): Promise<Child> {
  return vllama(['agent', '--edge', edge.url, '--token', tenant.agentToken, '--upstream', upstream, ...extra], /connected/i);
}

// wrangler dev's ProxyWorker answers this 503 for any network error on its own hop to the
// worker for a POST to a path other than "/" (it compares the worker's URL with the request's
// path against one without, so every such error reads as a restart): workers-sdk#14641, a stale
// pooled connection inside `wrangler dev`. Cloudflare's edge has no such hop.
const WRANGLER_DEV_RESTART = 'Your worker restarted mid-request.';

/**
 * fetch for clients of an edge under test. On the Workers host it sends a request again, once,
 * when the answer is wrangler dev's own "restarted mid-request" 503 (above) and the body can be
 * sent twice; the edge's own 503s, and everything on the Node host, pass through untouched.
 */
export function edgeFetch(kind: HostKind): typeof fetch {
  if (kind !== 'workers') return fetch;
  return async (input, init) => {
    const res = await fetch(input, init);
    if (res.status !== 503 || init?.body instanceof ReadableStream) return res;
    const text = await res.clone().text();
    if (!text.startsWith(WRANGLER_DEV_RESTART)) return res;
    console.warn(`[test] wrangler dev's proxy lost its connection to the worker (workers-sdk#14641); sending ${String(input)} again`);
    return fetch(input, init);
  };
}

export function clientFor(edge: EdgeUnderTest, tenant: Tenant): OpenAI {
  return new OpenAI({ baseURL: `${edge.url}/v1`, apiKey: tenant.apiKey, maxRetries: 0, timeout: 60_000, fetch: edgeFetch(edge.kind) });
}

export function directClient(simUrl: string): OpenAI {
  return new OpenAI({ baseURL: `${simUrl}/v1`, apiKey: 'direct', maxRetries: 0, timeout: 60_000 });
}

/** Waits until the tenant's edge lists `model` (its agent is connected and ready). */
export async function waitForModel(edge: EdgeUnderTest, tenant: Tenant, model = MODEL): Promise<void> {
  await waitFor(async () => {
    const r = await fetch(`${edge.url}/v1/models`, { headers: { authorization: `Bearer ${tenant.apiKey}` } });
    const body = (await r.json()) as { data?: { id: string }[] };
    return body.data?.some((m) => m.id === model) || undefined;
  }, 15_000, `model ${model} listed by the edge`);
}

/** Reads one counter of the simulator's Prometheus metrics, summed over matching label sets. */
export async function simMetric(simUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${simUrl}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** The simulator's finished-sequence counts by reason, for telling a cancel from a sequence run out. */
export async function simFinishes(simUrl: string): Promise<{ abort: number; length: number }> {
  const [abort, length] = await Promise.all(['abort', 'length'].map((r) => simMetric(simUrl, 'vllm:request_success_total', { finished_reason: r })));
  return { abort, length };
}

/**
 * Waits for the next sequence the simulator finishes after `before` and returns how it
 * ended: 'abort' when the client's cancel reached it, 'length' when it ran out unaborted
 * (the cancel was lost). A bound, not a speed check: speed is the bench's.
 */
export async function nextFinish(simUrl: string, before: { abort: number; length: number }, timeoutMs = 20_000): Promise<'abort' | 'length'> {
  return waitFor(async () => {
    const now = await simFinishes(simUrl);
    return now.abort > before.abort ? 'abort' : now.length > before.length ? 'length' : undefined;
  }, timeoutMs, 'the cancelled sequence to finish in the simulator');
}

export const hostKinds: HostKind[] = process.env.VLLAMA_TEST_HOSTS
  ? (process.env.VLLAMA_TEST_HOSTS.split(',') as HostKind[])
  : ['node', 'workers'];

/** Starts an edge and a simulator together; if either fails, stops the other before rethrowing. */
export async function startEdgeAndSim(kind: HostKind, edgeOpts: EdgeProcessOptions, simArgs: string[] = []): Promise<[EdgeUnderTest, Child & { url: string }]> {
  const edgeP = startEdge(kind, edgeOpts);
  const simP = startSimProcess(simArgs);
  try {
    return await Promise.all([edgeP, simP]);
  } catch (err) {
    await Promise.allSettled([edgeP.then((e) => e.close()), simP.then((s) => s.stop())]);
    throw err;
  }
}

/** An edge and a simulator with one tenant whose agent serves MODEL: what most end-to-end suites start first. */
export interface ServedStack {
  edge: EdgeUnderTest;
  sim: Child & { url: string };
  tenant: Tenant;
  agent: Child;
}

/** Starts a ServedStack; if any part fails to start, stops the others before rethrowing. */
export async function startServedStack(
  kind: HostKind,
  edgeOpts: EdgeProcessOptions = {},
  simArgs: string[] = [],
  opts: { tenantPrefix?: string; agentArgs?: string[] } = {},
): Promise<ServedStack> {
  const [edge, sim] = await startEdgeAndSim(kind, edgeOpts, simArgs);
  try {
    const tenant = await createTenant(edge, opts.tenantPrefix);
    const agent = await startAgentProcess(edge, tenant, sim.url, opts.agentArgs);
    await waitForModel(edge, tenant);
    return { edge, sim, tenant, agent };
  } catch (err) {
    await Promise.allSettled([edge.close(), sim.stop()]);
    throw err;
  }
}

/** Stops what a suite started, agent first (it would redial a closing edge); parts that never started are skipped. */
export async function stopStack(parts: Partial<Pick<ServedStack, 'edge' | 'sim' | 'agent'>>): Promise<void> {
  await parts.agent?.stop();
  await Promise.allSettled([parts.sim?.stop(), parts.edge?.close()]);
}
