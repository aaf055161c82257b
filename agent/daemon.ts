// `vllama agent` as a daemon: runs vLLM under the Supervisor (or attaches to a
// running server), connects to the edge once vLLM is ready, follows restarts
// with setReady(false/true), and on SIGINT/SIGTERM drains, then stops vLLM.
// vLLM has a process group of its own, so a terminal's Ctrl-C reaches only us.
import { startAgent as startAgentDefault, type AgentOptions, type RunningAgent } from './agent';
import { ConfigError, parseAgentConfig, requireRunnable, type AgentConfig, type AgentConfigInput } from './config';
import { MAX_INFLIGHT } from './defaults';
import type { AgentMetrics } from './metrics';
import { queryGpus as queryGpusDefault, type GpuInfo, ProgressLog, type LogSink, Supervisor, type SupervisorOptions, VLLM_PORT, buildVllmArgs, upstreamUrl, VllmArgsError, type VllmArgs } from './supervisor/index';

type Signal = 'SIGINT' | 'SIGTERM';

export interface DaemonIo {
  /** Logs and the loading status (default process.stderr; a TTY gets one updating status line). */
  stderr?: LogSink;
  /** Or a line logger (no status line): used instead of `stderr` when given. */
  log?: (line: string) => void;
  /** Where SIGINT/SIGTERM come from (process). */
  signals?: { on(s: Signal, f: () => void): unknown; off(s: Signal, f: () => void): unknown };
  startAgent?: (opts: AgentOptions) => Promise<RunningAgent>;
  queryGpus?: () => Promise<GpuInfo[]>;
  /** Prometheus metrics and lifecycle events (vLLM start/ready/exit, edge connect/disconnect). */
  metrics?: AgentMetrics;
  /** Supervisor tuning (restart delays, kill delay, health polling); tests shorten them. */
  supervisor?: Partial<
    Pick<SupervisorOptions, 'restart' | 'killAfterMs' | 'readinessIntervalMs' | 'healthIntervalMs' | 'healthTimeoutMs' | 'env'>
  >;
}

/** Settles with the first shutdown signal; a second one calls `force` (stop at once). */
function shutdownSignals(io: DaemonIo, force: () => void): { received: Promise<Signal>; dispose(): void } {
  const source = io.signals ?? process;
  let count = 0;
  let resolve!: (s: Signal) => void;
  const received = new Promise<Signal>((r) => (resolve = r));
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((s) => {
    const f = () => (++count === 1 ? resolve(s) : force());
    source.on(s, f);
    return [s, f] as const;
  });
  return { received, dispose: () => handlers.forEach(([s, f]) => source.off(s, f)) };
}

function vllmArgs(config: AgentConfig): VllmArgs {
  const flags: Record<string, string> = {};
  if (config.port !== undefined) flags['--port'] = String(config.port);
  if (config.maxNumSeqs !== undefined) flags['--max-num-seqs'] = String(config.maxNumSeqs);
  try {
    return buildVllmArgs({ model: config.model!, port: VLLM_PORT, flags, extra: config.vllmArgs });
  } catch (err) {
    if (err instanceof VllmArgsError) throw new ConfigError(err.message, { cause: err });
    throw err;
  }
}

/** Runs until a shutdown signal (exit code 0) or a vLLM crash loop (1). Throws ConfigError on bad settings. */
export async function runAgentDaemon(input: AgentConfigInput, io: DaemonIo = {}): Promise<number> {
  const config = parseAgentConfig(input);
  requireRunnable(config);
  const lineLog = io.log;
  const out = new ProgressLog(lineLog ? { write: (chunk: string) => lineLog(chunk.replace(/\n$/, '')) } : (io.stderr ?? process.stderr));
  const log = out.log;
  const start = io.startAgent ?? startAgentDefault;
  const gpus = await (io.queryGpus ?? queryGpusDefault)();
  if (gpus.length > 0) log(`gpus: ${gpus.map((g) => `${g.name}${g.memoryMiB ? ` (${g.memoryMiB} MiB)` : ''}`).join(', ')}`);
  const graceMs = config.grace * 1000;
  const agentOptions = (upstream: string, maxInflight: number): AgentOptions => ({
    edge: config.edge,
    token: config.token,
    upstream,
    agentId: config.agentId,
    maxInflight,
    log,
    metrics: io.metrics,
    ...(gpus.length > 0 ? { gpus } : {}),
  });

  const held: RelayContext['held'] = {};
  const signals = shutdownSignals(io, () => {
    log('agent: second signal, stopping now');
    void held.agent?.close();
    // vLLM does not see the terminal's Ctrl-C (its own process group): stop it here, not after the drain.
    void held.supervisor?.stop();
  });
  const ctx: RelayContext = { log, out, signals, start, agentOptions, graceMs, held };
  try {
    if (config.upstream) {
      held.agent = await start(agentOptions(config.upstream, config.maxInflight ?? config.maxNumSeqs ?? MAX_INFLIGHT));
      const signal = await signals.received;
      log(`agent: ${signal}, draining (grace ${config.grace} s; send it again to stop at once)`);
      await held.agent.drain(graceMs);
      return 0;
    }
    return await superviseAndRelay(config as AgentConfig & { model: string }, io, ctx);
  } finally {
    signals.dispose();
    out.done();
  }
}

interface RelayContext {
  log: (line: string) => void;
  out: ProgressLog;
  signals: { received: Promise<Signal> };
  start: (opts: AgentOptions) => Promise<RunningAgent>;
  agentOptions: (upstream: string, maxInflight: number) => AgentOptions;
  graceMs: number;
  /** The agent and vLLM's supervisor once started, for a second signal to stop at once. */
  held: { agent?: RunningAgent; supervisor?: Supervisor };
}

async function superviseAndRelay(config: AgentConfig & { model: string }, io: DaemonIo, ctx: RelayContext): Promise<number> {
  const { log, out } = ctx;
  const built = vllmArgs(config);
  built.warnings.forEach((w) => log(`warning: ${w}`));
  const url = upstreamUrl(built.host, built.port);
  const { held } = ctx;
  let firstReady!: (models: string[]) => void;
  const ready = new Promise<string[]>((r) => (firstReady = r));
  let gaveUp!: (message: string) => void;
  const failed = new Promise<string>((r) => (gaveUp = r));

  const supervisor = new Supervisor({
    ...io.supervisor,
    command: config.vllm,
    args: built.args,
    url,
    log,
    onOutput: (line) => out.note(line),
    onProgress: (p) => out.progress(p),
    onReady: (models) => {
      io.metrics?.event('vllm_ready', { models, url });
      out.done();
      if (held.agent) held.agent.setReady(true, models);
      else firstReady(models);
    },
    onDown: (reason) => {
      io.metrics?.event('vllm_exit', { reason });
      // vLLM exited or stopped answering /health. In-flight streams fail in the
      // relay (the upstream connection drops as vLLM is killed); new ones stop coming.
      log(`supervisor: ${reason}; advertising no capacity until vLLM is back`);
      held.agent?.setReady(false);
      out.loading(config.model);
    },
    onGiveUp: (message) => {
      out.done();
      gaveUp(message);
    },
  });
  held.supervisor = supervisor;
  io.metrics?.event('vllm_start', { command: config.vllm, model: config.model, url });
  const supervised = supervisor.start();
  out.loading(config.model);

  // The agent dials the edge only once vLLM is ready: a connected agent attracts
  // requests, and one that is loading could only fail them, while the edge
  // itself holds requests for its queue timeout when no agent is connected.
  const first = await Promise.race([
    ready.then((models) => ({ kind: 'ready' as const, models })),
    failed.then((message) => ({ kind: 'failed' as const, message })),
    ctx.signals.received.then((signal) => ({ kind: 'signal' as const, signal })),
  ]);
  if (first.kind === 'failed') {
    log(`agent: error: ${first.message}`);
    return 1;
  }
  if (first.kind === 'signal') {
    out.done();
    log(`agent: ${first.signal} while vLLM was loading, stopping it`);
    await supervisor.stop();
    return 0;
  }

  const maxInflight = config.maxInflight ?? built.maxNumSeqs;
  log(`supervisor: vLLM ready at ${url}; connecting to ${config.edge} (capacity ${maxInflight})`);
  let agent: RunningAgent;
  try {
    agent = await ctx.start(ctx.agentOptions(url, maxInflight));
  } catch (err) {
    await supervisor.stop(); // bad agent options: leave no vLLM running
    throw err;
  }
  held.agent = agent;
  // vLLM may have gone down while the agent was being created.
  agent.setReady(supervisor.state === 'ready', supervisor.models);

  const next = await Promise.race([
    failed.then((message) => ({ kind: 'failed' as const, message })),
    ctx.signals.received.then((signal) => ({ kind: 'signal' as const, signal })),
  ]);
  if (next.kind === 'failed') {
    log(`agent: error: ${next.message}`);
    await agent.close();
    return 1;
  }
  supervisor.stopRestarting();
  log(`agent: ${next.signal}, draining (grace ${ctx.graceMs / 1000} s; send it again to stop at once), then stopping vLLM`);
  await agent.drain(ctx.graceMs);
  await supervisor.stop();
  await supervised;
  return 0;
}
