// Starts the Cloudflare edge for tests: a real `wrangler dev` (workerd, local
// Durable Objects with SQLite) on a free loopback port, the twin of the Node
// host's `startNodeEdge`. Kills its whole process group on close: no orphan workerd.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { groupPids } from '../../bench/proc-stat';

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
  /** BODY_TIMEOUT_MS: how long a request body may take to arrive before 408. */
  bodyTimeoutMs?: number;
  /** STATUS_TOKEN: a read-only token for /status. */
  statusToken?: string;
  /** More variables (`--var NAME:VALUE`), e.g. KEEP_ALIVE_MS, RATE_WINDOW_MS. */
  vars?: Record<string, string>;
  /**
   * Runs the test entry (edge/cloudflare/testing/test-worker.ts: the Worker plus the
   * /__test/* hooks) instead of wrangler.toml's `main`; default true.
   */
  testHooks?: boolean;
  /** How long to wait for GET /healthz; wrangler dev usually needs 10–20 s. */
  startupTimeoutMs?: number;
  /**
   * Print the Worker's console lines (wrangler's `--log-level log`), so output() holds its
   * log records; off by default: wrangler receives them either way, printing them is noise.
   */
  consoleLines?: boolean;
}

export interface WorkersEdge {
  /** wrangler's port: its ProxyWorker, which forwards every request to the Worker's own workerd. */
  url: string;
  port: number;
  adminToken: string;
  /**
   * The Worker's own workerd socket, past wrangler's ProxyWorker (Linux: found in /proc).
   * The ProxyWorker reaches it over a kj connection pool whose idle connections both
   * ends close after 5 s; a request sent on one as it closes fails with a 503 "Your
   * worker restarted mid-request" though nothing restarted (workers-sdk#14641, and
   * #14593 for the message). Load that may idle ~5 s between bursts goes here.
   */
  workerUrl(): Promise<string>;
  /** wrangler and both workerd processes (its process group), for CPU probes and pinning. */
  pids(): number[];
  /** What wrangler has printed so far (the Worker's console lines among it), the last 100–200 KB. */
  output(): string;
  close(): Promise<void>;
}

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const wranglerBin = join(repoRoot, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
/** The Worker with test hooks; wrangler.toml's `main` (what `wrangler deploy` ships) has none. */
const testEntry = join(repoRoot, 'edge', 'cloudflare', 'testing', 'test-worker.ts');
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
    ...(opts.testHooks !== false ? [testEntry] : []),
    '--config', join(repoRoot, 'wrangler.toml'),
    '--ip', host,
    '--port', String(port),
    // The inspector's default 9229 would collide between edges started side by side.
    '--inspector-port', String(await freePort(host)),
    '--local',
    '--persist-to', opts.dataDir,
    '--show-interactive-dev-session=false',
    '--log-level', opts.consoleLines ? 'log' : 'info',
    '--var', `ADMIN_TOKEN:${opts.adminToken}`,
  ];
  if (opts.queueTimeoutMs !== undefined) args.push('--var', `QUEUE_TIMEOUT_MS:${opts.queueTimeoutMs}`);
  if (opts.bodyTimeoutMs !== undefined) args.push('--var', `BODY_TIMEOUT_MS:${opts.bodyTimeoutMs}`);
  if (opts.statusToken !== undefined) args.push('--var', `STATUS_TOKEN:${opts.statusToken}`);
  for (const [name, value] of Object.entries(opts.vars ?? {})) args.push('--var', `${name}:${value}`);

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
  let workerUrl: Promise<string> | undefined;
  const pgid = child.pid!;
  return {
    url, port, adminToken: opts.adminToken, close,
    pids: () => groupPids(pgid),
    output: () => output,
    workerUrl: () =>
      (workerUrl ??= findWorkerUrl(pgid, port).catch((err: Error) => {
        workerUrl = undefined;
        throw err;
      })),
  };
}

/**
 * The user worker's entry socket: of the sockets wrangler's group listens on, the
 * one of a process other than the ProxyWorker's (which holds `proxyPort`) that
 * answers GET /healthz as the edge does. The others are the inspector and debug
 * ports. wrangler 4.86 binds it to 127.0.0.1 on a free port, whatever `--ip` says.
 */
async function findWorkerUrl(pgid: number, proxyPort: number): Promise<string> {
  const byPid = listeningPortsByPid(pgid);
  const candidates = [...byPid.values()].filter((ports) => !ports.includes(proxyPort)).flat();
  for (const port of candidates) {
    const url = `http://127.0.0.1:${port}`;
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      const body = await res.text();
      if (res.ok && /"ok":\s*true/.test(body)) return url;
    } catch {
      // the debug port does not speak HTTP
    }
  }
  throw new Error(`no socket of wrangler's workerd answers /healthz (listening: ${JSON.stringify([...byPid])})`);
}

/** The TCP ports each process of group `pgid` listens on (from /proc; Linux only). */
export function listeningPortsByPid(pgid: number): Map<number, number[]> {
  const ports = new Map<number, number[]>();
  const socketOwner = new Map<string, number>();
  for (const pid of groupPids(pgid)) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      // exited meanwhile
    }
    for (const fd of fds) {
      try {
        const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
        if (inode) socketOwner.set(inode, pid);
      } catch {
        // closed between readdir and readlink
      }
    }
  }
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st … inode(9); st 0A is LISTEN
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A') continue;
      const pid = socketOwner.get(f[9]);
      if (pid !== undefined) ports.set(pid, [...(ports.get(pid) ?? []), parseInt(f[1].split(':')[1], 16)]);
    }
  }
  return ports;
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
