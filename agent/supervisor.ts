// Runs vLLM as a child process: spawns it through execa, prefixes its output in
// the agent's log, waits for readiness, restarts it with backoff when it exits,
// gives up on a crash loop, and stops it with SIGTERM then SIGKILL.
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type Result, type ResultPromise } from 'execa';
import { waitForReady, type ReadinessProgress } from './readiness';
import { LOG_TAIL_LINES, VLLM_KILL_AFTER_MS, VLLM_LOG_PREFIX } from './supervisor-defaults';
import { RestartPolicy, type RestartPolicyOptions } from './supervisor-restarts';

export interface SupervisorOptions {
  /** The vllm executable (a name on PATH or a path). */
  command: string;
  /** Everything after the executable, from buildVllmArgs. */
  args: string[];
  /** Where vLLM answers on loopback, e.g. http://127.0.0.1:8000. */
  url: string;
  /** Extra environment for vLLM, on top of the agent's own. */
  env?: Record<string, string>;
  /** The agent's log; vLLM's lines arrive prefixed with `vllm| `. */
  log?: (line: string) => void;
  /** Each raw vLLM output line (e.g. for a loading status). */
  onOutput?: (line: string) => void;
  onProgress?: (p: ReadinessProgress) => void;
  /** vLLM is healthy and lists these models (after every start, restarts included). */
  onReady?: (models: string[]) => void;
  /** vLLM exited on its own; a restart follows unless onGiveUp does. */
  onDown?: (reason: string) => void;
  /** No more restarts: a crash loop, or vLLM cannot be started at all. */
  onGiveUp?: (message: string) => void;
  restart?: RestartPolicyOptions;
  /** SIGTERM → SIGKILL delay (execa's forceKillAfterDelay). */
  killAfterMs?: number;
  readinessIntervalMs?: number;
}

export type SupervisorState = 'idle' | 'starting' | 'ready' | 'restarting' | 'stopping' | 'stopped' | 'failed';

export interface SupervisorOutcome {
  state: 'stopped' | 'failed';
  /** Why it gave up, when it did. */
  message?: string;
}

/** A process that cannot be spawned at all will not get better by retrying. */
const FATAL_SPAWN_CODES = new Set(['ENOENT', 'EACCES', 'ENOEXEC']);

export class Supervisor {
  #o: SupervisorOptions;
  #state: SupervisorState = 'idle';
  #child: ResultPromise | undefined;
  #models: string[] = [];
  #tail: string[] = [];
  #stop = new AbortController();
  /** Set by stopRestarting() and stop(): an exit from then on ends supervision. */
  #final = new AbortController();
  #done: Promise<SupervisorOutcome> | undefined;

  constructor(opts: SupervisorOptions) {
    this.#o = opts;
  }

  get state(): SupervisorState {
    return this.#state;
  }

  /** The running vLLM's pid, if one is running. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get models(): string[] {
    return this.#models;
  }

  /** Starts vLLM; the promise settles when supervision ends (after stop() or giving up). */
  start(): Promise<SupervisorOutcome> {
    this.#done ??= this.#run();
    return this.#done;
  }

  /**
   * No more restarts, but vLLM keeps serving: called when shutdown begins, so a
   * vLLM that exits during the drain (a terminal's Ctrl-C reaches it too) is
   * not started again.
   */
  stopRestarting(): void {
    this.#final.abort(new Error('supervisor shutting down'));
  }

  /** SIGTERM to vLLM, SIGKILL after `killAfterMs`; resolves once it has exited and no restart will follow. */
  async stop(): Promise<void> {
    this.#final.abort(new Error('supervisor stopping'));
    this.#stop.abort(new Error('supervisor stopping'));
    if (this.#state === 'idle') this.#state = 'stopped';
    if (this.#state === 'stopped' || this.#state === 'failed') return;
    this.#state = 'stopping';
    this.#child?.kill('SIGTERM');
    await this.#done;
  }

  async #run(): Promise<SupervisorOutcome> {
    const policy = new RestartPolicy(this.#o.restart);
    while (!this.#final.signal.aborted) {
      const { result, wasReady } = await this.#runOnce();
      if (this.#final.signal.aborted) {
        this.#log(`vLLM stopped (${result.signal ?? `exit code ${result.exitCode ?? '?'}`})`);
        break;
      }
      const reason = this.#describeExit(result);
      this.#state = 'restarting';
      this.#o.onDown?.(reason);
      const decision = FATAL_SPAWN_CODES.has(result.code ?? '')
        ? { giveUp: true as const, reason }
        : policy.exited(Date.now(), wasReady);
      if (decision.giveUp) {
        const message = decision.reason === reason ? reason : `${decision.reason}; giving up (last: ${reason})`;
        this.#state = 'failed';
        this.#o.onGiveUp?.(message);
        return { state: 'failed', message };
      }
      this.#log(`vLLM will be restarted in ${(decision.delayMs / 1000).toFixed(1)} s`);
      try {
        await sleep(decision.delayMs, undefined, { signal: this.#final.signal });
      } catch {
        break;
      }
    }
    this.#state = 'stopped';
    return { state: 'stopped' };
  }

  async #runOnce(): Promise<{ result: Result; wasReady: boolean }> {
    this.#state = 'starting';
    this.#tail = [];
    this.#log(`starting ${this.#o.command} ${this.#o.args.join(' ')}`);
    const child = execa(this.#o.command, this.#o.args, {
      reject: false,
      // Output goes to our log line by line; buffering it too would grow without bound.
      buffer: false,
      stdin: 'ignore',
      // Python buffers stdout into a pipe; unbuffered, vLLM's log lines arrive as written.
      env: { PYTHONUNBUFFERED: '1', ...this.#o.env },
      // No orphan vLLM: execa kills the child when the agent exits, even by an
      // uncaught exception or a signal. That hook only works for a non-detached
      // child (execa lib/terminate/cleanup.js), so vLLM stays in our process
      // group: a Ctrl-C in a terminal reaches it directly too (systemd's
      // KillMode=mixed, in the generated unit, signals only the agent).
      cleanup: true,
      detached: false,
      forceKillAfterDelay: this.#o.killAfterMs ?? VLLM_KILL_AFTER_MS,
    });
    this.#child = child;
    const pumped = Promise.all([this.#pump(child.stdout), this.#pump(child.stderr)]);
    const exited = new AbortController();
    let wasReady = false;
    waitForReady(this.#o.url, {
      signal: AbortSignal.any([exited.signal, this.#stop.signal]),
      onProgress: this.#o.onProgress,
      intervalMs: this.#o.readinessIntervalMs,
    }).then(
      (models) => {
        if (this.#stop.signal.aborted) return;
        wasReady = true;
        this.#models = models;
        this.#state = 'ready';
        this.#log(`vLLM is ready (pid ${child.pid}), serving ${models.join(', ')}`);
        this.#o.onReady?.(models);
      },
      () => {}, // vLLM exited or we are stopping: the exit path reports it.
    );
    const result = await child;
    exited.abort(new Error('vLLM exited'));
    await pumped;
    this.#child = undefined;
    return { result, wasReady };
  }

  async #pump(stream: Readable | null): Promise<void> {
    if (!stream) return;
    for await (const raw of createInterface({ input: stream, crlfDelay: Infinity })) {
      // Progress bars redraw with \r; only the latest state of the line is worth a log line.
      const line = raw.split('\r').filter((s) => s.trim()).pop();
      if (!line) continue;
      this.#tail.push(line);
      if (this.#tail.length > LOG_TAIL_LINES) this.#tail.shift();
      this.#o.log?.(`${VLLM_LOG_PREFIX}${line}`);
      this.#o.onOutput?.(line);
    }
  }

  #describeExit(result: Result): string {
    if (result.code && FATAL_SPAWN_CODES.has(result.code)) {
      const hint = result.code === 'ENOENT' ? 'not found; install vLLM or pass --vllm PATH' : result.code;
      return `cannot start vLLM: "${this.#o.command}" ${hint}`;
    }
    const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.exitCode ?? '?'}`;
    // vLLM's last ERROR line says why far better than its exit code.
    const why = [...this.#tail].reverse().find((l) => /\b(ERROR|CRITICAL|Error|Traceback)\b/.test(l)) ?? this.#tail.at(-1);
    return `vLLM ${how}${why ? `: ${why}` : ''}`;
  }

  #log(line: string): void {
    this.#o.log?.(`supervisor: ${line}`);
  }
}
