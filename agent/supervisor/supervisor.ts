// Runs vLLM as a child process in its own process group: spawns it through
// execa, prefixes its output in the agent's log, waits for readiness, watches
// /health, restarts it with backoff when it exits or hangs, gives up on a crash
// loop, and stops its whole group with SIGTERM then SIGKILL.
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type Result, type ResultPromise } from 'execa';
import { watchHealth } from './health-watch';
import { ProcessGroup } from './process-group';
import { waitForReady, type ReadinessProgress } from './readiness';
import { LOG_TAIL_LINES, VLLM_KILL_AFTER_MS, VLLM_LOG_PREFIX } from './defaults';
import { RestartPolicy, type RestartPolicyOptions } from './restarts';

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
  /** vLLM exited on its own or stopped answering /health; a restart follows unless onGiveUp does. */
  onDown?: (reason: string) => void;
  /** No more restarts: a crash loop, or vLLM cannot be started at all. */
  onGiveUp?: (message: string) => void;
  restart?: RestartPolicyOptions;
  /** SIGTERM → SIGKILL delay for vLLM's process group. */
  killAfterMs?: number;
  readinessIntervalMs?: number;
  /** `/health` poll interval once ready (supervisor-defaults.ts HEALTH_POLL_MS). */
  healthIntervalMs?: number;
  /** Timeout of one `/health` probe once ready (HEALTH_PROBE_TIMEOUT_MS). */
  healthTimeoutMs?: number;
}

export type SupervisorState = 'idle' | 'starting' | 'ready' | 'restarting' | 'stopping' | 'stopped' | 'failed';

export interface SupervisorOutcome {
  state: 'stopped' | 'failed';
  /** Why it gave up, when it did. */
  message?: string;
}

/** A process that cannot be spawned at all will not get better by retrying. */
const FATAL_SPAWN_CODES = new Set(['ENOENT', 'EACCES', 'ENOEXEC']);

/** What one run of vLLM came to, beyond its exit. */
interface Run {
  wasReady: boolean;
  /** Set when the supervisor took it down for not answering /health (onDown already called). */
  hung?: string;
}

export class Supervisor {
  #o: SupervisorOptions;
  #state: SupervisorState = 'idle';
  #child: ResultPromise | undefined;
  #group: ProcessGroup | undefined;
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
   * vLLM that exits or hangs during the drain is not started again.
   */
  stopRestarting(): void {
    this.#final.abort(new Error('supervisor shutting down'));
  }

  /** SIGTERM to vLLM's group, SIGKILL after `killAfterMs`; resolves once it has exited and no restart will follow. */
  async stop(): Promise<void> {
    this.#final.abort(new Error('supervisor stopping'));
    this.#stop.abort(new Error('supervisor stopping'));
    if (this.#state === 'idle') this.#state = 'stopped';
    if (this.#state === 'stopped' || this.#state === 'failed') return;
    this.#state = 'stopping';
    this.#group?.terminate(this.#killAfterMs);
    await this.#done;
  }

  async #run(): Promise<SupervisorOutcome> {
    const policy = new RestartPolicy(this.#o.restart);
    while (!this.#final.signal.aborted) {
      const { result, run } = await this.#runOnce();
      if (this.#final.signal.aborted) {
        this.#log(`vLLM stopped (${result.signal ?? `exit code ${result.exitCode ?? '?'}`})`);
        break;
      }
      const reason = run.hung ?? this.#describeExit(result);
      this.#state = 'restarting';
      if (!run.hung) this.#o.onDown?.(reason);
      const decision = FATAL_SPAWN_CODES.has(result.code ?? '')
        ? { giveUp: true as const, reason }
        : policy.exited(Date.now(), run.wasReady);
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

  async #runOnce(): Promise<{ result: Result; run: Run }> {
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
      // Its own process group (setsid): a terminal's Ctrl-C reaches only the
      // agent, which drains in-flight streams before it stops vLLM. execa's
      // `cleanup` and `forceKillAfterDelay` act on the leader alone (and cleanup
      // not at all when detached, execa lib/terminate/cleanup.js), so
      // ProcessGroup does both for the whole group. systemd's KillMode=mixed
      // still SIGKILLs every process of the unit's cgroup at the end.
      detached: true,
      cleanup: false,
      forceKillAfterDelay: false,
    });
    const group = child.pid === undefined ? undefined : new ProcessGroup(child.pid);
    child.once('exit', () => group?.leaderExited());
    this.#child = child;
    this.#group = group;
    const pumped = Promise.all([this.#pump(child.stdout), this.#pump(child.stderr)]);
    const exited = new AbortController();
    const run: Run = { wasReady: false };
    const until = AbortSignal.any([exited.signal, this.#stop.signal]);
    this.#follow(child, run, until).catch((err: unknown) => {
      // Aborted: vLLM exited or we are stopping, and the exit path reports it.
      if (!until.aborted) this.#log(`internal error while watching vLLM: ${err instanceof Error ? err.stack : String(err)}`);
    });
    const result = await child;
    exited.abort(new Error('vLLM exited'));
    await pumped;
    this.#child = undefined;
    this.#group = undefined;
    return { result, run };
  }

  /** Waits for readiness, then watches /health; takes a vLLM that stops answering down. */
  async #follow(child: ResultPromise, run: Run, signal: AbortSignal): Promise<void> {
    const models = await waitForReady(this.#o.url, { signal, onProgress: this.#o.onProgress, intervalMs: this.#o.readinessIntervalMs });
    signal.throwIfAborted(); // stopped while the last probe was answered
    run.wasReady = true;
    this.#models = models;
    this.#state = 'ready';
    this.#log(`vLLM is ready (pid ${child.pid}), serving ${models.join(', ')}`);
    this.#o.onReady?.(models);
    const why = await watchHealth(this.#o.url, { signal, intervalMs: this.#o.healthIntervalMs, probeTimeoutMs: this.#o.healthTimeoutMs });
    // During a drain too: streams on a hung vLLM would only wait out the grace period.
    this.#log(`vLLM stopped answering /health; ${this.#final.signal.aborted ? 'stopping it' : 'restarting'} (${why})`);
    run.hung = `vLLM stopped answering /health (${why})`;
    this.#state = 'restarting';
    this.#o.onDown?.(run.hung);
    this.#group?.terminate(this.#killAfterMs);
  }

  get #killAfterMs(): number {
    return this.#o.killAfterMs ?? VLLM_KILL_AFTER_MS;
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
