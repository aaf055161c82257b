// Benchmark child: one agent (one WebSocket to the edge) in its own process, probed for CPU and memory.
// With metrics, as `vllama agent` always runs (its counters cost what a user's agent pays).
import { AgentMetrics, startAgent } from '../agent/index';
import { serveChild } from './child-harness';

interface AgentChildOptions {
  edge: string;
  token: string;
  upstream: string;
  maxInflight: number;
}

await serveChild(async (raw) => {
  const opts = raw as unknown as AgentChildOptions;
  const agent = await startAgent({ edge: opts.edge, token: opts.token, upstream: opts.upstream, maxInflight: opts.maxInflight, metrics: new AgentMetrics() });
  await agent.ready;
  return { info: {}, close: () => agent.close() };
});
