// The Node host of the edge: @hono/node-server for HTTP, ws for agent sockets,
// one SQLite file for tenants, keys and usage, one Hub per tenant in memory.
import { mkdirSync } from 'node:fs';
import type { IncomingMessage, Server } from 'node:http';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { WebSocketServer } from 'ws';
import { collectDefaultMetrics } from 'prom-client';
import { edgeApp, AuthThrottle, requestIdFrom, statusRoutes, adminRoutes } from '../core/http/index';
import {
  AGENT_MAX_PAYLOAD,
  AGENT_MISSED_PONGS,
  AGENT_PING_INTERVAL_MS,
  BODY_TIMEOUT_MS,
  HEADERS_TIMEOUT_MS,
  HUB_RETRY_AFTER_S,
  USAGE_FLUSH_MS,
} from '../core/defaults';
import { errorResponse, HttpError } from '../core/errors';
import { lineLog, type EdgeLogger } from '../core/log';
import { teeMetrics, FigureBook } from '../core/metrics/index';
import { migrate, TenantStore } from '../core/store/index';
import { agentUpgradeHandler } from './agent-upgrade';
import { answerClientError } from './client-errors';
import { InflightRequests } from './inflight';
import { Heartbeat } from './heartbeat';
import { directBodyFetch } from './direct-body';
import { openSqlite } from './sqlite';
import { metricsRoute, type MetricsText } from './metrics-http';
import { PromEdgeMetrics } from './metrics';
import { uplotAssets } from './status-assets';
import { TenantHubs } from './tenant-hubs';

export interface NodeEdgeOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  /** Directory of `vllama.db`; created if missing. */
  dataDir: string;
  adminToken: string;
  /** How long a request waits for an agent before 503; the Hub's default when unset. */
  queueTimeoutMs?: number;
  /** How long a request body may take to arrive before 408 (defaults.ts BODY_TIMEOUT_MS). */
  bodyTimeoutMs?: number;
  /** How long the request line and headers may take before 408 (defaults.ts HEADERS_TIMEOUT_MS). */
  headersTimeoutMs?: number;
  /** Heartbeat interval on agent sockets (defaults.ts AGENT_PING_INTERVAL_MS); tests of stalled links shorten it. */
  heartbeatMs?: number;
  /** How long an agent socket may stay over its send high-water mark before 1008 (defaults.ts AGENT_DRAIN_TIMEOUT_MS). */
  drainTimeoutMs?: number;
  /** SSE keep-alive interval for waiting streamed requests (defaults.ts KEEP_ALIVE_MS). */
  keepAliveMs?: number;
  /** Length of the per-minute rate windows (defaults.ts RATE_WINDOW_MS); a test knob. */
  rateWindowMs?: number;
  log?: (line: string) => void;
  /** Structured logs (a pino logger): one line per request; `log` lines go to it at warn unless `log` is given. */
  logger?: EdgeLogger;
  /** A read-only token that opens the status page (beside the admin token). */
  statusToken?: string;
}

export interface NodeEdge {
  url: string;
  port: number;
  /** The Prometheus text (for a listener of its own, cli/metrics-listener.ts). */
  metrics: MetricsText;
  /**
   * Stops the edge. With `graceMs`, first drains: no new connections, 503 to new
   * requests, and in-flight requests (streams included) get up to `graceMs` to finish.
   * A call without `graceMs` during a drain ends the drain at once.
   */
  close(opts?: { graceMs?: number }): Promise<void>;
}

export async function startNodeEdge(opts: NodeEdgeOptions): Promise<NodeEdge> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? (opts.logger ? lineLog(opts.logger) : (line: string) => process.stderr.write(`${line}\n`));
  mkdirSync(opts.dataDir, { recursive: true });
  const sql = openSqlite(join(opts.dataDir, 'vllama.db'));
  migrate(sql);
  const store = new TenantStore(sql, { usageFlushMs: USAGE_FLUSH_MS, rateWindowMs: opts.rateWindowMs, log });
  const bodyTimeoutMs = opts.bodyTimeoutMs ?? BODY_TIMEOUT_MS;
  const headersTimeoutMs = opts.headersTimeoutMs ?? HEADERS_TIMEOUT_MS;
  const figures = new FigureBook();
  // The view is read at scrape time, after `tenants` exists.
  const prom = new PromEdgeMetrics({ hubs: () => tenants.hubs() });
  collectDefaultMetrics({ register: prom.registry, prefix: 'vllama_edge_' });
  const metrics = teeMetrics(prom, figures);
  const tenants = new TenantHubs({
    store,
    queueTimeoutMs: opts.queueTimeoutMs,
    bodyTimeoutMs,
    heartbeatMs: opts.heartbeatMs,
    drainTimeoutMs: opts.drainTimeoutMs,
    keepAliveMs: opts.keepAliveMs,
    log,
    metrics,
    logger: opts.logger,
  });
  const hubFor = (t: string) => {
    const hub = tenants.peek(t);
    return { agents: () => hub?.agents() ?? [], streams: () => hub?.streams() ?? [], metrics: () => figures.of(t).toJSON() };
  };
  const admin = adminRoutes({ adminToken: opts.adminToken, store, hubFor, log });
  const status = statusRoutes({
    adminToken: opts.adminToken,
    statusToken: opts.statusToken,
    source: { listTenants: () => store.listTenants(), usage: (t) => store.usage(t), agents: (t) => hubFor(t).agents(), figures: (t) => figures.of(t).toJSON() },
    assets: uplotAssets(),
    log,
  });
  const clientAddress = (_req: Request, env: unknown) => (env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket.remoteAddress;
  const throttle = new AuthThrottle();
  const app = edgeApp({
    admin,
    tenantApp: (t) => tenants.get(t)?.app,
    status,
    metrics: metricsRoute(prom, opts.adminToken),
    clientAddress,
    throttle,
    log,
  });
  const inflight = new InflightRequests();
  const relayed = directBodyFetch(app);
  const shuttingDown = new HttpError(503, 'edge_shutting_down', 'The edge is shutting down; retry on a new connection.', {
    headers: { connection: 'close', 'retry-after': String(HUB_RETRY_AFTER_S) },
  });

  // Agent frames are binary; compressing them would cost CPU per message for little gain on token chunks.
  const wss = new WebSocketServer({ noServer: true, maxPayload: AGENT_MAX_PAYLOAD, perMessageDeflate: false });
  wss.on('error', (err) => log(`agent websocket server error: ${err.message}`));
  const heartbeat = new Heartbeat(opts.heartbeatMs ?? AGENT_PING_INTERVAL_MS, AGENT_MISSED_PONGS);

  // No `websocket` option here: the upgrade is ours (see agent-upgrade.ts), so hono's adapter adds no listener.
  const server = createAdaptorServer({
    fetch: (req, env) => (inflight.draining ? errorResponse(shuttingDown, requestIdFrom(req.headers.get('x-request-id'))) : relayed(req, env)),
    hostname: host,
    serverOptions: {
      // Slowloris: the line and headers within headersTimeout; the whole request (the body has its
      // own 408 at bodyTimeoutMs in the app) within requestTimeout. Node checks both every
      // connectionsCheckingInterval (30 s by default, too coarse for a 10 s bound).
      headersTimeout: headersTimeoutMs,
      requestTimeout: headersTimeoutMs + bodyTimeoutMs + 10_000,
      connectionsCheckingInterval: Math.max(250, Math.min(5_000, Math.floor(headersTimeoutMs / 4))),
    },
  }) as Server;
  server.on('request', inflight.track);
  // Parser refusals (431, 414, 408, 400) get OpenAI's error body, not Node's empty one.
  server.on('clientError', answerClientError);
  server.on('upgrade', agentUpgradeHandler({ store, tenants, wss, heartbeat, throttle, log }));

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    heartbeat.close();
    sql.close();
    throw err;
  }
  server.on('error', (err) => log(`edge server error: ${err.message}`));

  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | undefined;
  // Once: a second server.close() would wait for a 'close' event that has already gone by.
  let stopped: Promise<void> | undefined;
  const stopListening = () => (stopped ??= new Promise<void>((resolve) => server.close(() => resolve())));
  const close = ({ graceMs = 0 }: { graceMs?: number } = {}): Promise<void> => {
    if (graceMs === 0) inflight.cut(); // a close without grace during a drain ends the drain
    return (closing ??= (async () => {
      if (graceMs > 0) {
        // No new connections; Node closes idle keep-alive ones. Agents stay: their streams are in flight.
        void stopListening();
        if (inflight.open > 0) log(`edge draining: ${inflight.open} requests in flight, up to ${graceMs / 1000} s`);
        const left = await inflight.drain(graceMs);
        if (left > 0) log(`edge drained with ${left} requests still in flight after ${graceMs / 1000} s: cutting them`);
      }
      heartbeat.close();
      tenants.close();
      await closeAgentSockets(wss);
      wss.close();
      const closed = stopListening();
      server.closeAllConnections();
      await closed;
      store.flushUsage();
      sql.close();
    })());
  };

  return { url, port, metrics: prom, close };
}

/** Closes agent sockets with 1001 so agents redial at once; terminates any still open after a grace period. */
async function closeAgentSockets(wss: WebSocketServer, graceMs = 1000): Promise<void> {
  const closed = [...wss.clients].map(
    (ws) =>
      new Promise<void>((resolve) => {
        if (ws.readyState === ws.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.close(1001, 'edge shutting down');
      }),
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([Promise.all(closed), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
  clearTimeout(timer);
  for (const ws of wss.clients) ws.terminate();
}
