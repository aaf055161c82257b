// The parent side of benchmark processes: forks each component as its own
// Node process (from a bundle, like bin/vllama.js; --expose-gc), waits for `ready`, and calls it over
// IPC — probes of CPU and memory come from the child's own accounting.
import { fork, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { bundle } from '../bin/bundle.js';
import { pin } from './affinity';
import type { ProcessProbe } from './child-harness';

export interface ChildOptions {
  /** Used in logs and error messages. */
  name: string;
  /** bench/child-*.ts file name. */
  script: string;
  opts?: Record<string, unknown>;
  /** Directory for the child's stdout/stderr log (and CPU profiles). */
  logDir: string;
  /** Write a V8 CPU profile on exit (node --cpu-prof) into logDir. */
  cpuProf?: boolean;
  readyTimeoutMs?: number;
  /** Cores the process may run on (taskset list, e.g. "1"); unset: any. */
  cpus?: string;
  /** Extra node/V8 flags, e.g. a fixed young generation for memory figures. */
  nodeArgs?: string[];
}

export class BenchChild {
  readonly name: string;
  readonly info: Record<string, unknown>;
  readonly log: string;
  /** performance.now() when the child became ready. */
  readonly readyAt = performance.now();
  readonly #proc: ChildProcess;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #nextId = 1;

  constructor(name: string, proc: ChildProcess, info: Record<string, unknown>, log: string) {
    this.name = name;
    this.#proc = proc;
    this.info = info;
    this.log = log;
    proc.on('message', (msg: { id?: number; ok?: boolean; value?: unknown; error?: string }) => {
      if (msg.id === undefined) return;
      const p = this.#pending.get(msg.id);
      if (!p) return;
      this.#pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.value);
      else p.reject(new Error(`${name}: ${msg.error}`));
    });
    proc.on('exit', (code, signal) => {
      for (const p of this.#pending.values()) p.reject(new Error(`${name} exited (${signal ?? code}); log: ${log}`));
      this.#pending.clear();
    });
  }

  get pid(): number {
    return this.#proc.pid ?? 0;
  }

  call<T>(type: string, payload?: unknown): Promise<T> {
    if (this.#proc.exitCode !== null || !this.#proc.connected) return Promise.reject(new Error(`${this.name} is not running; log: ${this.log}`));
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#proc.send({ id, type, payload });
    });
  }

  probe(): Promise<ProcessProbe> {
    return this.call<ProcessProbe>('probe');
  }

  /** Runs the garbage collector, then probes (for memory figures). */
  gcProbe(): Promise<ProcessProbe> {
    return this.call<ProcessProbe>('gc');
  }

  /** Asks the component to close and waits for the process to exit (so --cpu-prof files are written). */
  async close(timeoutMs = 10_000): Promise<void> {
    if (this.#proc.exitCode !== null || this.#proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.#proc.once('exit', () => resolve()));
    this.call('close').catch(() => {});
    const timer = setTimeout(() => this.#proc.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }
}

export async function spawnChild(o: ChildOptions): Promise<BenchChild> {
  mkdirSync(o.logDir, { recursive: true });
  const log = join(o.logDir, `${o.name}.log`);
  const out = createWriteStream(log);
  // From a bundle, as bin/vllama.js runs the CLI: the figures are those of what users run.
  const script = await bundle(`bench/${o.script}`, `bench/${o.script.replace(/\.ts$/, '.mjs')}`);
  const execArgv = ['--enable-source-maps', '--expose-gc', ...(o.nodeArgs ?? [])];
  // One directory per child, so no child's profile can overwrite another's.
  if (o.cpuProf) execArgv.push('--cpu-prof', ...(process.env.PROF_INTERVAL ? [`--cpu-prof-interval=${process.env.PROF_INTERVAL}`] : []), `--cpu-prof-dir=${join(o.logDir, `prof-${o.name}`)}`);
  const proc = fork(script, [], {
    execArgv,
    env: { ...process.env, BENCH_CHILD_OPTS: JSON.stringify(o.opts ?? {}) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  // Pinned before it has loaded anything, so its worker threads inherit the affinity too.
  if (o.cpus) pin(proc.pid ?? 0, o.cpus);
  proc.stdout?.pipe(out);
  proc.stderr?.pipe(out);
  const info = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${o.name} did not become ready within ${o.readyTimeoutMs ?? 30_000} ms; log: ${log}`));
    }, o.readyTimeoutMs ?? 30_000);
    proc.on('message', function onMessage(msg: { type?: string; info?: Record<string, unknown>; error?: string }) {
      if (msg.type === 'ready') {
        clearTimeout(timer);
        proc.off('message', onMessage);
        resolve(msg.info ?? {});
      } else if (msg.type === 'failed') {
        clearTimeout(timer);
        reject(new Error(`${o.name} failed to start: ${msg.error}`));
      }
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${o.name} exited before ready (${signal ?? code}); log: ${log}`));
    });
  });
  return new BenchChild(o.name, proc, info, log);
}
