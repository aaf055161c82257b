// Starts the Cloudflare edge for tests: a real `wrangler dev` (workerd, local
// Durable Objects with SQLite) on a free loopback port, the twin of the Node
// host's `startNodeEdge`. Kills its whole process group on close: no orphan workerd.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface WorkersEdgeOptions {
  /** 0 or unset picks a free port. */
  port?: number;
  host?: string;
  /** Where wrangler keeps the Durable Objects' storage (`--persist-to`); a fresh temp dir, removed on close, when unset. */
  dataDir?: string;
  /** The ADMIN_TOKEN variable; a random one when unset. */
  adminToken?: string;
  /** QUEUE_TIMEOUT_MS: how long a request waits for an agent before 503. */
  queueTimeoutMs?: number;
  /** Enables the /__test/* hooks (VLLAMA_TEST_HOOKS=1); default true. */
  testHooks?: boolean;
  /** How long to wait for GET /healthz; wrangler dev usually needs 10–20 s. */
  startupTimeoutMs?: number;
}

export interface WorkersEdge {
  url: string;
  port: number;
  adminToken: string;
  close(): Promise<void>;
}

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const wranglerBin = join(repoRoot, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
const STARTUP_TIMEOUT_MS = 60_000;
/** After SIGTERM, how long wrangler gets to stop workerd before the group is killed. */
const STOP_GRACE_MS = 3_000;
/** Port races (a free port taken before wrangler binds it) are retried this often. */
const START_ATTEMPTS = 3;
const PORT_TAKEN = 'port taken';

const live = new Set<ChildProcess>();
/** Temp storage dirs this module made and has not removed yet. */
const ownDirs = new Set<string>();
let guarded = false;

/**
 * A test process that ends without closing its edges (an exception, `timeout`'s
 * SIGTERM, Ctrl-C) still takes their process groups down: a wrangler killed
 * alone leaves workerd running, holding its port and storage.
 */
function guardExit(): void {
  if (guarded) return;
  guarded = true;
  const killAll = () => {
    for (const child of live) killGroup(child, 'SIGKILL');
    live.clear();
    for (const dir of ownDirs) rmSync(dir, { recursive: true, force: true });
    ownDirs.clear();
  };
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll();
      process.kill(process.pid, signal); // this listener is gone: the default action ends the process
    });
  }
}

export async function startWorkersEdge(opts: WorkersEdgeOptions = {}): Promise<WorkersEdge> {
  guardExit();
  const adminToken = opts.adminToken ?? `adm-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'vllama-workers-')));
  if (ownDir) ownDirs.add(dataDir);
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    try {
      return await startOnce({ ...opts, adminToken, dataDir }, ownDir);
    } catch (err) {
      lastError = err as Error;
      // Only a free port taken under us is worth another try; anything else would fail the same way.
      if (opts.port || !lastError.message.includes(PORT_TAKEN)) break;
    }
  }
  if (ownDir) await removeDir(dataDir);
  throw lastError;
}

async function startOnce(opts: WorkersEdgeOptions & { adminToken: string; dataDir: string }, ownDir: boolean): Promise<WorkersEdge> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port || (await freePort(host));
  const args = [
    wranglerBin, 'dev',
    '--config', join(repoRoot, 'wrangler.toml'),
    '--ip', host,
    '--port', String(port),
    // The inspector's default 9229 would collide between edges started side by side.
    '--inspector-port', String(await freePort(host)),
    '--local',
    '--persist-to', opts.dataDir,
    '--show-interactive-dev-session=false',
    '--log-level', 'info',
    '--var', `ADMIN_TOKEN:${opts.adminToken}`,
  ];
  if (opts.queueTimeoutMs !== undefined) args.push('--var', `QUEUE_TIMEOUT_MS:${opts.queueTimeoutMs}`);
  if (opts.testHooks !== false) args.push('--var', 'VLLAMA_TEST_HOOKS:1');

  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    // Own process group, so close() can signal wrangler and both workerd processes at once.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: 'false',
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      NO_COLOR: '1',
      FORCE_COLOR: '0',
      // wrangler dev's DevTools proxy turns on the inspector's Network domain, which reports every
      // chunk of every streamed response to wrangler's Node process: 50 streams × 200 chunks took
      // 33 s with it and 4.6 s without, measured here. The CLI has no flag to turn it off; wrangler
      // skips its inspector proxy inside a VS Code debug terminal, which it detects by this variable
      // (without NODE_OPTIONS' js-debug bootloader nothing else reads it). Logs are unaffected.
      VSCODE_INSPECTOR_OPTIONS: '{}',
    },
  });
  live.add(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    live.delete(child);
    if (child.exitCode === null && child.signalCode === null) {
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    // wrangler may leave workerd running past its own exit; nothing of the group may outlive close().
    killGroup(child, 'SIGKILL');
  };

  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  try {
    await waitForReady(url, child, () => output, opts.startupTimeoutMs ?? STARTUP_TIMEOUT_MS);
  } catch (err) {
    await stop();
    throw new Error(`wrangler dev did not become healthy at ${url}: ${(err as Error).message}\n--- wrangler output ---\n${output}`);
  }

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await stop();
      if (ownDir) await removeDir(opts.dataDir);
    })());
  return { url, port, adminToken: opts.adminToken, close };
}

/** Waits for wrangler's "Ready on URL" (on our port, not one it moved to) and then for GET /healthz. */
async function waitForReady(url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no "Ready on" line yet';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`wrangler exited (${child.exitCode ?? child.signalCode})`);
    const ready = /Ready on (http:\/\/\S+)/.exec(output())?.[1];
    if (ready) {
      // Given a busy port, wrangler serves on the next free one; a server answering on ours is someone else's.
      if (new URL(ready).port !== new URL(url).port) throw new Error(`${PORT_TAKEN}: wrangler is on ${ready} instead`);
      try {
        const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
        if (res.ok) return;
        last = `GET /healthz answered ${res.status}`;
      } catch (err) {
        last = (err as Error).message;
      }
    }
    if (/address already in use|EADDRINUSE/i.test(output())) throw new Error(`${PORT_TAKEN}: address already in use`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms (${last})`);
}

async function removeDir(dir: string): Promise<void> {
  ownDirs.delete(dir);
  await rm(dir, { recursive: true, force: true });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
