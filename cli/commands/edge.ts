// `vllama edge`: the Node edge — OpenAI-compatible /v1 for clients, /agent/v1/connect
// for agents, /admin/v1 for tenants and keys — until SIGINT/SIGTERM.
import { join } from 'node:path';
import { loadOrCreateAdminTokenFile } from '../../edge/node/admin-token';
import { SHUTDOWN_GRACE_MS } from '../../edge/core/defaults';
import { startNodeEdge } from '../../edge/node/server';
import { LOG_FLAGS, loggerFromFlags } from '../logger';
import { listenMetrics } from '../metrics-listener';
import { intFlag, numberFlag, stringFlag, UsageError, type Command, type CommandContext } from '../command';

/** A positive (or, with `zero`, non-negative) number of seconds as whole milliseconds; undefined when the flag is absent. */
function secondsFlag(ctx: CommandContext, name: string, zero = false): number | undefined {
  const s = numberFlag(ctx, name);
  if (s === undefined) return undefined;
  if (zero ? !(s >= 0) : !(s > 0)) throw new UsageError(`--${name} must be ${zero ? '0 or more' : 'positive'}, got ${s}`);
  return s === 0 ? 0 : Math.max(1, Math.round(s * 1000));
}

export const edge: Command = {
  name: 'edge',
  summary: 'Run the edge on Node: public OpenAI-compatible API, agents dial in over WebSocket',
  flags: {
    port: { type: 'string', value: 'N', description: 'Port to listen on (0 = any free port)', default: '8787' },
    host: { type: 'string', value: 'ADDR', description: 'Address to bind', default: '127.0.0.1' },
    data: { type: 'string', value: 'DIR', description: 'Directory of the SQLite database and admin token', default: '.vllama/edge' },
    'admin-token': {
      type: 'string',
      value: 'T',
      description: 'Admin API token (default: $VLLAMA_ADMIN_TOKEN, else generated once into DIR/admin-token)',
    },
    'queue-timeout': {
      type: 'string',
      value: 'SECONDS',
      description: 'How long a request waits for an agent (or a concurrency slot of its key) before 503/429 (default: 30)',
    },
    'keep-alive': {
      type: 'string',
      value: 'SECONDS',
      description: 'SSE keep-alive comment interval for streamed requests that wait (default: 5)',
    },
    'rate-window': {
      type: 'string',
      value: 'SECONDS',
      description: 'Length of the per-minute rate windows (rpm, tpm); a knob for tests (default: 60)',
    },
    grace: {
      type: 'string',
      value: 'SECONDS',
      description: 'On SIGINT/SIGTERM, how long in-flight streams may take to finish; new requests get 503 (default: 30)',
    },
    'body-timeout': { type: 'string', value: 'SECONDS', description: 'How long a request body may take to arrive before 408 (default: 60)' },
    'headers-timeout': { type: 'string', value: 'SECONDS', description: 'How long request headers may take to arrive before 408 (default: 10)' },
    'drain-timeout': {
      type: 'string',
      value: 'SECONDS',
      description: 'How long an agent socket may hold over 4 MiB of unsent data before it is closed 1008 (default: 20)',
    },
    heartbeat: {
      type: 'string',
      value: 'SECONDS',
      description: 'Heartbeat interval on agent sockets; a link silent for ~3 intervals is dropped (default: 15)',
    },
    'metrics-port': { type: 'string', value: 'N', description: 'Also serve GET /metrics without auth on this port (default: only /metrics behind the admin token)' },
    'metrics-host': { type: 'string', value: 'ADDR', description: 'Address of the --metrics-port listener', default: '127.0.0.1' },
    'status-token': { type: 'string', value: 'T', description: 'Read-only token for the /status page (default: $VLLAMA_STATUS_TOKEN; the admin token always works)' },
    ...LOG_FLAGS,
  },
  async run(ctx) {
    if (ctx.positionals.length) throw new UsageError(`unexpected argument "${ctx.positionals[0]}"`);
    const port = intFlag(ctx, 'port') ?? 8787;
    if (port < 0 || port > 65535) throw new UsageError(`--port must be 0–65535, got ${port}`);
    const host = stringFlag(ctx, 'host') ?? '127.0.0.1';
    const dataDir = stringFlag(ctx, 'data') ?? '.vllama/edge';
    const queueTimeout = numberFlag(ctx, 'queue-timeout');
    if (queueTimeout !== undefined && queueTimeout <= 0) throw new UsageError(`--queue-timeout must be positive, got ${queueTimeout}`);
    const graceMs = secondsFlag(ctx, 'grace', true) ?? SHUTDOWN_GRACE_MS;
    const bodyTimeoutMs = secondsFlag(ctx, 'body-timeout');
    const headersTimeoutMs = secondsFlag(ctx, 'headers-timeout');
    const heartbeatMs = secondsFlag(ctx, 'heartbeat');
    const drainTimeoutMs = secondsFlag(ctx, 'drain-timeout');
    const keepAlive = secondsFlag(ctx, 'keep-alive');
    const rateWindow = secondsFlag(ctx, 'rate-window');

    let adminToken = stringFlag(ctx, 'admin-token') ?? (process.env.VLLAMA_ADMIN_TOKEN || undefined);
    if (!adminToken) {
      const stored = await loadOrCreateAdminTokenFile(dataDir);
      adminToken = stored.token;
      process.stdout.write(
        stored.created
          ? `\nAdmin token (generated now and shown only this once; kept in ${stored.file}, mode 600):\n\n  ${stored.token}\n\n`
          : `Admin token: read from ${stored.file}\n`,
      );
    }

    const metricsPort = intFlag(ctx, 'metrics-port');
    if (metricsPort !== undefined && (metricsPort < 0 || metricsPort > 65535)) throw new UsageError(`--metrics-port must be 0–65535, got ${metricsPort}`);
    const logger = loggerFromFlags(ctx, 'edge');
    const log = (line: string) => logger.info(line);
    const server = await startNodeEdge({
      logger,
      statusToken: stringFlag(ctx, 'status-token') ?? (process.env.VLLAMA_STATUS_TOKEN || undefined),
      port,
      host,
      dataDir,
      adminToken,
      queueTimeoutMs: queueTimeout === undefined ? undefined : Math.max(1, Math.round(queueTimeout * 1000)),
      bodyTimeoutMs,
      headersTimeoutMs,
      heartbeatMs,
      drainTimeoutMs,
      keepAliveMs: keepAlive,
      rateWindowMs: rateWindow,
      log,
    });
    let metricsListener;
    try {
      metricsListener = metricsPort === undefined ? undefined : await listenMetrics(server.metrics, stringFlag(ctx, 'metrics-host') ?? '127.0.0.1', metricsPort);
    } catch (err) {
      await server.close(); // else the edge's own listener would keep the process up
      throw err;
    }
    process.stdout.write(
      `vllama edge listening on ${server.url}\n` +
        `  OpenAI API : ${server.url}/v1\n` +
        `  agents     : ${server.url.replace(/^http/, 'ws')}/agent/v1/connect\n` +
        `  admin      : ${server.url}/admin/v1\n` +
        `  status     : ${server.url}/status\n` +
        `  metrics    : ${metricsListener?.url ?? `${server.url}/metrics (admin token)`}\n` +
        `  database   : ${join(dataDir, 'vllama.db')}\n`,
    );

    // After the first signal neither handler stays, so a second one kills at once.
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      const stop = (sig: NodeJS.Signals) => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve(sig);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    log(`vllama edge: ${signal}, draining for up to ${graceMs / 1000} s (send it again to stop at once)`);
    // A second signal cuts the drain short: the handlers above are gone, so it would kill us;
    // this one closes instead, which still flushes usage and closes the database.
    const force = () => void server.close();
    process.once('SIGINT', force);
    process.once('SIGTERM', force);
    await metricsListener?.close();
    await server.close({ graceMs });
    log('vllama edge: stopped');
    return 0;
  },
};
