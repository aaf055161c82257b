// Metrics after a load, on both edge hosts: the edge's (Prometheus text on Node,
// the admin API's JSON on Workers) and the agent's /metrics count exactly the
// requests the test sent and the tokens the simulator itself counted.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitFor, type Child } from './support/processes';
import {
  clientFor,
  hostKinds,
  MODEL,
  simMetric,
  startServedStack,
  stopStack,
  type EdgeUnderTest,
  type Tenant,
} from './support/stack';

const ROUTE = '/v1/chat/completions';
const messages = [{ role: 'user' as const, content: 'Count the requests, please' }];

/** One sample of Prometheus text, summed over the series whose labels include `labels`. */
function promValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

interface Figures {
  requests: { byRoute: Record<string, number>; byStatus: Record<string, number>; inFlight: number };
  tokens: { prompt: number; completion: number };
  tunnel: Record<'in' | 'out', { frames: number; bytes: number }>;
  agents: { connections: number };
}

/** The load: streamed and not, with and without include_usage; returns how many requests it sent. */
async function load(client: OpenAI): Promise<number> {
  const plain = Array.from({ length: 3 }, (_, i) => client.chat.completions.create({ model: MODEL, messages, max_tokens: 5 + i }));
  const streamed = Array.from({ length: 3 }, async (_, i) => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages,
      max_tokens: 6 + i,
      stream: true,
      ...(i < 2 ? { stream_options: { include_usage: true } } : {}),
    });
    for await (const _chunk of stream) {
      // read to the end
    }
  });
  await Promise.all([...plain, ...streamed]);
  return plain.length + streamed.length;
}

describe.each(hostKinds)('metrics on the %s edge', (kind) => {
  let edge: EdgeUnderTest;
  let sim: Child & { url: string };
  let tenant: Tenant;
  let agent: Child;
  let agentMetrics: string;
  let sent = 0;

  beforeAll(async () => {
    const port = await freePort();
    agentMetrics = `http://127.0.0.1:${port}/metrics`;
    ({ edge, sim, tenant, agent } = await startServedStack(kind, {}, [], { tenantPrefix: 'm', agentArgs: ['--metrics-port', String(port)] }));
    sent = await load(clientFor(edge, tenant));
  }, 120_000);

  afterAll(async () => {
    await stopStack({ agent, sim, edge });
  }, 60_000);

  const simTokens = async () => ({
    prompt: await simMetric(sim.url, 'vllm:prompt_tokens_total'),
    completion: await simMetric(sim.url, 'vllm:generation_tokens_total'),
  });

  it("counts on the agent's /metrics exactly the requests sent and the tokens the simulator counted", async () => {
    const expected = await simTokens();
    expect(expected.completion).toBeGreaterThan(0);
    const text = await waitFor(async () => {
      const t = await (await fetch(agentMetrics)).text();
      return promValue(t, 'vllama_agent_requests_total', { route: ROUTE, status: '200' }) === sent ? t : undefined;
    }, 15_000, 'agent request count');
    expect(promValue(text, 'vllama_agent_requests_total', { route: ROUTE, status: '200' })).toBe(sent);
    expect(promValue(text, 'vllama_agent_prompt_tokens_total')).toBe(expected.prompt);
    expect(promValue(text, 'vllama_agent_completion_tokens_total')).toBe(expected.completion);
    expect(promValue(text, 'vllama_agent_connected')).toBe(1);
    expect(promValue(text, 'vllama_agent_capacity')).toBeGreaterThan(0);
    expect(promValue(text, 'vllama_agent_time_to_first_token_seconds_count')).toBe(sent);
    expect(promValue(text, 'vllama_agent_tunnel_frames_total', { direction: 'out' })).toBeGreaterThan(sent * 3);
  });

  it('counts at the edge exactly the requests sent and the tokens the simulator counted', async () => {
    const expected = await simTokens();
    if (kind === 'node') {
      expect((await fetch(`${edge.url}/metrics`)).status).toBe(401);
      const auth = { headers: { authorization: `Bearer ${edge.adminToken}` } };
      const labels = { tenant: tenant.tenant, route: ROUTE, status: '200' };
      const text = await waitFor(async () => {
        const t = await (await fetch(`${edge.url}/metrics`, auth)).text();
        return promValue(t, 'vllama_edge_requests_total', labels) === sent ? t : undefined;
      }, 15_000, 'edge request count');
      const t = { tenant: tenant.tenant };
      expect(promValue(text, 'vllama_edge_requests_total', labels)).toBe(sent);
      expect(promValue(text, 'vllama_edge_prompt_tokens_total', t)).toBe(expected.prompt);
      expect(promValue(text, 'vllama_edge_completion_tokens_total', t)).toBe(expected.completion);
      expect(promValue(text, 'vllama_edge_requests_in_flight', t)).toBe(0);
      expect(promValue(text, 'vllama_edge_agents_connected', t)).toBe(1);
      expect(promValue(text, 'vllama_edge_agent_capacity', t)).toBeGreaterThan(0);
      expect(promValue(text, 'vllama_edge_time_to_first_token_seconds_count', t)).toBe(sent);
      expect(promValue(text, 'vllama_edge_queue_wait_seconds_count', t)).toBe(sent);
      expect(promValue(text, 'vllama_edge_tunnel_bytes_total', { ...t, direction: 'in' })).toBeGreaterThan(0);
    } else {
      const url = `${edge.url}/admin/v1/tenants/${tenant.tenant}/metrics`;
      expect((await fetch(url)).status).toBe(401);
      const figures = await waitFor(async () => {
        const body = (await (await fetch(url, { headers: { authorization: `Bearer ${edge.adminToken}` } })).json()) as { data: Figures | null };
        return body.data?.requests.byRoute[ROUTE] === sent && body.data.requests.inFlight === 0 ? body.data : undefined;
      }, 15_000, 'edge figures');
      expect(figures.requests.byRoute[ROUTE]).toBe(sent);
      expect(figures.requests.byStatus['200']).toBe(figures.requests.byRoute[ROUTE] + (figures.requests.byRoute['/v1/models'] ?? 0));
      expect(figures.tokens).toEqual(expected);
      expect(figures.agents.connections).toBe(1);
      expect(figures.tunnel.in.bytes).toBeGreaterThan(0);
    }
  });
});
