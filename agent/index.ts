// The agent: what cli/, bench/ and test/ use of it.
// Face of agent/: code outside the folder imports only this file (test/import-rules.test.ts).
export { startAgent } from './agent';
export type { RunningAgent } from './agent';
export { ConfigError, loadAgentConfig } from './config';
export { runAgentDaemon } from './daemon';
export { DRAIN_GRACE_MS } from './defaults';
export { loggerSink } from './log';
export { AgentMetrics } from './metrics';
export { MAX_NUM_SEQS, Supervisor, VLLM_COMMAND, VLLM_PORT, buildVllmArgs, resolveOnPath, systemdUnit, upstreamUrl } from './supervisor/index';
export type { ReadinessProgress, SupervisorOptions, SupervisorOutcome, VllmArgsInput } from './supervisor/index';
