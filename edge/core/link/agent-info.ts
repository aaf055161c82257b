// An agent as the admin API and the status page show it: its hello, and what
// the link knows beside it.
import type { Hello } from '../../../protocol/index';
import type { AgentInfo } from '../hub/index';

export function agentInfo(hello: Hello, link: { inflight: number; draining: boolean; connectedAt: number }): AgentInfo {
  return {
    agentId: hello.agentId,
    models: [...hello.models],
    inflight: link.inflight,
    maxInflight: hello.maxInflight,
    ready: hello.ready,
    draining: link.draining,
    connectedAt: link.connectedAt,
    gpus: hello.gpus,
    version: hello.version,
  };
}
