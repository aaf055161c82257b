// vLLM's argv, process group, readiness, restarts, systemd unit and GPU facts.
// Face of agent/supervisor/: code outside the folder imports only this file (test/import-rules.test.ts).
export { MAX_NUM_SEQS, VLLM_COMMAND, VLLM_PORT } from './defaults';
export { resolveOnPath } from './executable-path';
export { queryGpus } from './gpu';
export type { GpuInfo } from './gpu';
export type { ReadinessProgress } from './readiness';
export { ProgressLog } from './readiness-progress';
export type { LogSink } from './readiness-progress';
export { Supervisor } from './supervisor';
export type { SupervisorOptions, SupervisorOutcome } from './supervisor';
export { systemdUnit } from './systemd';
export { VllmArgsError, buildVllmArgs, upstreamUrl } from './vllm-args';
export type { VllmArgs, VllmArgsInput } from './vllm-args';
