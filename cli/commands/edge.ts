// `vllama edge`: the Node edge — OpenAI-compatible /v1 for clients, /agent/v1/connect
// for agents, /admin/v1 for tenants and keys — until SIGINT/SIGTERM.
import { join } from 'node:path';
import { loadOrCreateAdminTokenFile } from '../../edge/node/admin-token';
import { startNodeEdge } from '../../edge/node/server';
import { intFlag, numberFlag, stringFlag, UsageError, type Command, type CommandContext } from '../command';

/** A positive number of seconds as whole milliseconds; undefined when the flag is absent. */
function secondsFlag(ctx: CommandContext, name: string): number | undefined {
  const s = numberFlag(ctx, name);
  if (s === undefined) return undefined;
  if (s <= 0) throw new UsageError(`--${name} must be positive, got ${s}`);
  return Math.max(1, Math.round(s * 1000));
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
  },
  async run(ctx) {
    if (ctx.positionals.length) throw new UsageError(`unexpected argument "${ctx.positionals[0]}"`);
    const port = intFlag(ctx, 'port') ?? 8787;
    if (port < 0 || port > 65535) throw new UsageError(`--port must be 0–65535, got ${port}`);
    const host = stringFlag(ctx, 'host') ?? '127.0.0.1';
    const dataDir = stringFlag(ctx, 'data') ?? '.vllama/edge';
    const queueTimeout = numberFlag(ctx, 'queue-timeout');
    if (queueTimeout !== undefined && queueTimeout <= 0) throw new UsageError(`--queue-timeout must be positive, got ${queueTimeout}`);
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

    const log = (line: string) => process.stderr.write(`${line}\n`);
    const server = await startNodeEdge({
      port,
      host,
      dataDir,
      adminToken,
      queueTimeoutMs: queueTimeout === undefined ? undefined : Math.max(1, Math.round(queueTimeout * 1000)),
      keepAliveMs: keepAlive,
      rateWindowMs: rateWindow,
      log,
    });
    process.stdout.write(
      `vllama edge listening on ${server.url}\n` +
        `  OpenAI API : ${server.url}/v1\n` +
        `  agents     : ${server.url.replace(/^http/, 'ws')}/agent/v1/connect\n` +
        `  admin      : ${server.url}/admin/v1\n` +
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
    log(`vllama edge: ${signal}, shutting down (send it again to force)`);
    await server.close();
    log('vllama edge: stopped');
    return 0;
  },
};
