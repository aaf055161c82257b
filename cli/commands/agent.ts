// `vllama agent`: connects this GPU host to an edge and relays its requests to
// vLLM, which it starts and supervises (--model) or finds running (--upstream).
import { ConfigError, loadAgentConfig, runAgentDaemon, DRAIN_GRACE_MS, MAX_NUM_SEQS, VLLM_COMMAND, VLLM_PORT, systemdUnit, loggerSink, AgentMetrics } from '../../agent/index';
import { intFlag, stringFlag, UsageError, type Command } from '../command';
import { LOG_FLAGS, loggerFromFlags } from '../logger';
import { listenMetrics } from '../metrics-listener';

/** A bad setting is a usage error (one line, exit 2); startAgent names a bad option in a TypeError. */
function asUsageError(err: unknown): unknown {
  return err instanceof ConfigError || err instanceof TypeError ? new UsageError((err as Error).message) : err;
}

export const agent: Command = {
  name: 'agent',
  summary: 'Run vLLM on this GPU host and serve it through an edge (or relay to a running server)',
  passthrough: true,
  // No `default` on these flags: an unset flag must let env and the config file
  // speak (flags > env > file > defaults); the defaults are named in the text.
  flags: {
    edge: { type: 'string', value: 'URL', description: 'Edge base URL, e.g. https://vllama.example.com (env VLLAMA_EDGE)' },
    token: { type: 'string', value: 'TOKEN', description: 'Agent token from the edge (env VLLAMA_TOKEN; keeps it out of `ps`)' },
    model: { type: 'string', value: 'NAME', description: 'Run `vllm serve NAME` with tuned flags and supervise it; more vLLM flags go after -- (env VLLAMA_MODEL)' },
    upstream: { type: 'string', value: 'URL', description: 'Instead of --model: relay to a running server, e.g. http://127.0.0.1:8000 (env VLLAMA_UPSTREAM)' },
    vllm: { type: 'string', value: 'PATH', description: `The vllm executable (env VLLAMA_VLLM; default: ${VLLM_COMMAND} on PATH)` },
    port: { type: 'string', value: 'N', description: `Loopback port for vLLM (env VLLAMA_PORT; default ${VLLM_PORT})` },
    'max-num-seqs': { type: 'string', value: 'N', description: `vLLM --max-num-seqs, also the capacity advertised (env VLLAMA_MAX_NUM_SEQS; default ${MAX_NUM_SEQS})` },
    'max-inflight': { type: 'string', value: 'N', description: 'Streams served at once (env VLLAMA_MAX_INFLIGHT; default: --max-num-seqs)' },
    'agent-id': { type: 'string', value: 'ID', description: 'Name of this agent at the edge (env VLLAMA_AGENT_ID; default: hostname:port)' },
    grace: { type: 'string', value: 'S', description: `Seconds in-flight streams get to finish on SIGINT/SIGTERM (env VLLAMA_GRACE; default ${DRAIN_GRACE_MS / 1000})` },
    config: { type: 'string', value: 'FILE', description: 'JSON file with any of these settings, e.g. {"model": …} (env VLLAMA_CONFIG)' },
    'print-systemd': { type: 'boolean', description: 'Print a systemd unit running this command (token from an EnvironmentFile) and exit' },
    'metrics-port': { type: 'string', value: 'N', description: 'Serve Prometheus metrics at GET /metrics on this port (0 = any free port; default: none)' },
    'metrics-host': { type: 'string', value: 'ADDR', description: 'Address of the --metrics-port listener', default: '127.0.0.1' },
    ...LOG_FLAGS,
  },
  async run(ctx) {
    const flag = (name: string) => (typeof ctx.flags[name] === 'string' && ctx.flags[name] !== '' ? (ctx.flags[name] as string) : undefined);
    let config;
    try {
      config = await loadAgentConfig({
        flags: {
          edge: flag('edge'),
          token: flag('token'),
          model: flag('model'),
          upstream: flag('upstream'),
          vllm: flag('vllm'),
          port: flag('port'),
          maxNumSeqs: flag('max-num-seqs'),
          maxInflight: flag('max-inflight'),
          agentId: flag('agent-id'),
          grace: flag('grace'),
          vllmArgs: ctx.rest.length > 0 ? ctx.rest : undefined,
          config: flag('config'),
        },
        env: process.env,
      });
    } catch (err) {
      throw asUsageError(err);
    }
    if (ctx.flags['print-systemd']) {
      process.stdout.write(systemdUnit(config));
      return 0;
    }
    const metricsPort = intFlag(ctx, 'metrics-port');
    if (metricsPort !== undefined && (metricsPort < 0 || metricsPort > 65535)) throw new UsageError(`--metrics-port must be 0–65535, got ${metricsPort}`);
    const logger = loggerFromFlags(ctx, 'agent');
    const metrics = new AgentMetrics({ logger });
    const listener = metricsPort === undefined ? undefined : await listenMetrics(metrics, stringFlag(ctx, 'metrics-host') ?? '127.0.0.1', metricsPort);
    if (listener) logger.info({ event: 'metrics', url: listener.url }, `agent: metrics at ${listener.url}`);
    try {
      return await runAgentDaemon(config, { stderr: loggerSink({ info: (line) => logger.info(line) }, process.stderr), metrics });
    } catch (err) {
      throw asUsageError(err);
    } finally {
      await listener?.close();
    }
  },
};
