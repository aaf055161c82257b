// Real child processes for end-to-end tests: the `vllama` CLI run as a user
// would run it, with its output kept for failure messages.
import { execa, type ResultPromise } from 'execa';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const vllamaBin = fileURLToPath(new URL('../../bin/vllama.js', import.meta.url));

export const testEnv = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  NO_COLOR: '1',
};

/** A free loopback port (bound then released; good enough for tests on one machine). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface Child {
  proc: ResultPromise;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Runs `vllama ARGS` and waits until `ready` matches its output. */
export async function vllama(args: string[], ready: RegExp, opts: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<Child & { match: RegExpMatchArray }> {
  const proc = execa(process.execPath, [vllamaBin, ...args], {
    cwd: repoRoot,
    env: { ...testEnv, ...opts.env },
    reject: false,
    all: true,
    cleanup: true,
    forceKillAfterDelay: 3000,
  });
  let out = '';
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vllama ${args.join(' ')} not ready after ${opts.timeoutMs ?? 30_000} ms:\n${out}`)), opts.timeoutMs ?? 30_000);
    proc.all?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = out.match(ready);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    void proc.then((r) => {
      clearTimeout(timer);
      reject(new Error(`vllama ${args.join(' ')} exited (${r.exitCode ?? r.signal}) before ready:\n${out}`));
    });
  });
  return {
    proc,
    match,
    output: () => out,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (proc.exitCode === null && !proc.killed) proc.kill(signal);
      await proc;
    },
  };
}

/** Runs a short `vllama` command to completion. */
export async function vllamaOnce(args: string[], env: Record<string, string> = {}) {
  return execa(process.execPath, [vllamaBin, ...args], { cwd: repoRoot, env: { ...testEnv, ...env }, reject: false });
}

/** Polls `check` until it returns a value, or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
