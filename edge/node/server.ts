// The Node host of the edge: @hono/node-server for HTTP, ws for agent sockets,
// one SQLite file for tenants, keys and usage, one Hub per tenant in memory.
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { WebSocketServer } from 'ws';
import { edgeApp } from '../core/app';
import { AGENT_MAX_PAYLOAD, AGENT_MISSED_PONGS, AGENT_PING_INTERVAL_MS, USAGE_FLUSH_MS } from '../core/defaults';
import { adminRoutes } from '../core/routes-admin';
import { migrate } from '../core/schema';
import { TenantStore } from '../core/store';
import { agentUpgradeHandler } from './agent-upgrade';
import { Heartbeat } from './heartbeat';
import { directBodyFetch } from './direct-body';
import { openSqlite } from './sqlite';
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
  /** SSE keep-alive interval for waiting streamed requests (defaults.ts KEEP_ALIVE_MS). */
  keepAliveMs?: number;
  /** Length of the per-minute rate windows (defaults.ts RATE_WINDOW_MS); a test knob. */
  rateWindowMs?: number;
  log?: (line: string) => void;
}

export interface NodeEdge {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startNodeEdge(opts: NodeEdgeOptions): Promise<NodeEdge> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? ((line: string) => console.error(line));
  mkdirSync(opts.dataDir, { recursive: true });
  const sql = openSqlite(join(opts.dataDir, 'vllama.db'));
  migrate(sql);
  const store = new TenantStore(sql, { usageFlushMs: USAGE_FLUSH_MS, rateWindowMs: opts.rateWindowMs, log });
  const tenants = new TenantHubs({ store, queueTimeoutMs: opts.queueTimeoutMs, keepAliveMs: opts.keepAliveMs, log });
  const admin = adminRoutes({ adminToken: opts.adminToken, store, hubFor: (t) => tenants.peek(t), log });
  const app = edgeApp({ admin, tenantApp: (t) => tenants.get(t)?.app, log });

  // Agent frames are binary; compressing them would cost CPU per message for little gain on token chunks.
  const wss = new WebSocketServer({ noServer: true, maxPayload: AGENT_MAX_PAYLOAD, perMessageDeflate: false });
  wss.on('error', (err) => log(`agent websocket server error: ${err.message}`));
  const heartbeat = new Heartbeat(AGENT_PING_INTERVAL_MS, AGENT_MISSED_PONGS);

  // No `websocket` option here: the upgrade is ours (see agent-upgrade.ts), so hono's adapter adds no listener.
  const server = createAdaptorServer({ fetch: directBodyFetch(app), hostname: host }) as Server;
  server.on('upgrade', agentUpgradeHandler({ store, tenants, wss, heartbeat, log }));

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
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      heartbeat.close();
      tenants.close();
      await closeAgentSockets(wss);
      wss.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      store.flushUsage();
      sql.close();
    })());

  return { url, port, close };
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
