// Defaults of the vLLM supervisor (spawn, readiness, restart, stop); each says
// where its number comes from. The relay's own defaults live in defaults.ts.

/** `--max-num-seqs` as tuned in ARCHITECTURE.md: also the agent's advertised capacity and pool size. */
export const MAX_NUM_SEQS = 256;

/**
 * The tuned `vllm serve` flags from ARCHITECTURE.md, in the order they are
 * passed. `true` is a boolean flag (`--enable-prefix-caching`); a string is a
 * flag with a value. Chunked prefill with a 16k token budget keeps long prompts
 * from stalling decode steps; prefix caching reuses shared system prompts;
 * 0.3 of GPU memory leaves room for other processes on a shared card.
 */
export const TUNED_VLLM_FLAGS: ReadonlyArray<readonly [flag: string, value: string | true]> = [
  ['--max-num-batched-tokens', '16384'],
  ['--enable-chunked-prefill', true],
  ['--enable-prefix-caching', true],
  ['--max-num-seqs', String(MAX_NUM_SEQS)],
  ['--gpu-memory-utilization', '0.3'],
];

/** vLLM's own default port for `vllm serve`; the agent binds it to loopback only. */
export const VLLM_PORT = 8000;

/** vLLM is reachable only through the agent, so it listens on loopback. */
export const VLLM_HOST = '127.0.0.1';

/** The executable looked up on PATH when `--vllm` is not given (vLLM's CLI entry point). */
export const VLLM_COMMAND = 'vllm';

/** First restart delay after vLLM exits: long enough not to spin, short enough to be back fast. */
export const RESTART_BASE_MS = 1_000;

/** Longest restart delay: 1 s doubling reaches it after five exits. */
export const RESTART_CAP_MS = 30_000;

/**
 * A crash loop is this many exits within CRASH_WINDOW_MS, or this many exits
 * in a row without ever becoming ready (a big model may take longer than the
 * window to load, so loading failures are counted on their own).
 */
export const CRASH_LOOP_EXITS = 5;

/** Window for counting exits; 5 exits in 10 minutes is not a transient fault. */
export const CRASH_WINDOW_MS = 10 * 60_000;

/**
 * Time between SIGTERM and SIGKILL to vLLM's process group (as execa's `forceKillAfterDelay`).
 * vLLM frees GPU memory and stops its engine process on SIGTERM; a few seconds
 * are usually enough, 15 s covers a busy host. systemd's TimeoutStopSec in the
 * generated unit is larger than grace + this.
 */
export const VLLM_KILL_AFTER_MS = 15_000;

/** Poll interval of `/health` and `/v1/models` while vLLM loads. */
export const READINESS_POLL_MS = 500;

/** Timeout of one readiness probe; a loopback answer takes milliseconds. */
export const READINESS_PROBE_TIMEOUT_MS = 2_000;

/**
 * Poll interval of `/health` once vLLM is ready, to catch a vLLM that hangs
 * without exiting. 10 s and HEALTH_FAILURES = 3 are Kubernetes' liveness-probe
 * defaults (periodSeconds, failureThreshold): a hang is found within about
 * 30-45 s, and the probe is one cheap loopback GET.
 */
export const HEALTH_POLL_MS = 10_000;

/** Failed `/health` probes in a row (timeouts, 5xx, refused) after which vLLM counts as down and is restarted. */
export const HEALTH_FAILURES = 3;

/**
 * Timeout of one `/health` probe while serving. Longer than the readiness
 * probe's: vLLM's API server answers it from the same event loop that streams
 * a full batch's tokens, so a busy server may be slow to answer without being hung.
 */
export const HEALTH_PROBE_TIMEOUT_MS = 5_000;

/** How often the one status line on a TTY is redrawn while vLLM loads. */
export const PROGRESS_TTY_MS = 1_000;

/** How often a plain progress line is logged while vLLM loads when stderr is not a TTY. */
export const PROGRESS_LOG_MS = 10_000;

/** vLLM output lines kept to explain an exit ("vLLM exited with code 1: <last lines>"). */
export const LOG_TAIL_LINES = 20;

/** Prefix of vLLM's output lines in the agent's log. */
export const VLLM_LOG_PREFIX = 'vllm| ';
