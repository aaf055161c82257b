import { describe, expect, it } from 'vitest';
import type { AgentInfo } from '../core/hub/index';
import { PromEdgeMetrics } from './metrics';

const value = (text: string, series: string) => Number(text.split('\n').find((l) => l.startsWith(`${series} `))?.split(' ').at(-1));

const agent = (over: Partial<AgentInfo>): AgentInfo => ({
  agentId: 'a', models: ['m'], inflight: 0, maxInflight: 8, ready: true, draining: false, connectedAt: 0, ...over,
});

describe('PromEdgeMetrics', () => {
  it('reads queue length, agents and capacity from the Hubs at scrape time, leaving draining and unready agents out of capacity', async () => {
    const hubs = [{ tenant: 't', queued: 3, agents: () => [agent({ inflight: 2 }), agent({ agentId: 'b', ready: false }), agent({ agentId: 'c', draining: true })] }];
    const m = new PromEdgeMetrics({ hubs: () => hubs });
    const text = await m.text();
    expect(value(text, 'vllama_edge_queue_length{tenant="t"}')).toBe(3);
    expect(value(text, 'vllama_edge_agents_connected{tenant="t"}')).toBe(3);
    expect(value(text, 'vllama_edge_agent_capacity{tenant="t"}')).toBe(8);
    expect(value(text, 'vllama_edge_agent_streams_in_flight{tenant="t"}')).toBe(2);
    hubs.length = 0;
    expect(await m.text()).not.toContain('vllama_edge_queue_length{tenant="t"}');
  });

  it('counts a finished request by route and status, its tokens and its error code, and tunnel traffic per direction', async () => {
    const m = new PromEdgeMetrics({ hubs: () => [] });
    m.requestStarted('t');
    m.requestFinished({
      tenant: 't', requestId: 'r', keyId: 'k', method: 'POST', route: '/v1/chat/completions', model: 'm', status: 502,
      errorCode: 'agent_lost', promptTokens: 2, completionTokens: 0, durationSeconds: 1, endedAt: 0,
    });
    m.tunnel('t', 'in', 3, 300);
    m.tunnel('t', 'in', 1, 50);
    const text = await m.text();
    expect(value(text, 'vllama_edge_requests_total{tenant="t",route="/v1/chat/completions",status="502"}')).toBe(1);
    expect(value(text, 'vllama_edge_requests_in_flight{tenant="t"}')).toBe(0);
    expect(value(text, 'vllama_edge_prompt_tokens_total{tenant="t"}')).toBe(2);
    expect(value(text, 'vllama_edge_errors_total{tenant="t",code="agent_lost"}')).toBe(1);
    expect(value(text, 'vllama_edge_tunnel_frames_total{tenant="t",direction="in"}')).toBe(4);
    expect(value(text, 'vllama_edge_tunnel_bytes_total{tenant="t",direction="in"}')).toBe(350);
    expect(value(text, 'vllama_edge_tunnel_messages_total{tenant="t",direction="in"}')).toBe(2);
  });

  it('counts requests and tunnel traffic between scrapes once: a second scrape adds nothing, a later request adds one', async () => {
    const m = new PromEdgeMetrics({ hubs: () => [] });
    const finish = (status: number) => m.requestFinished({
      tenant: 't', requestId: 'r', keyId: 'k', method: 'POST', route: '/v1/chat/completions', model: 'm', status,
      errorCode: undefined, promptTokens: 5, completionTokens: 7, durationSeconds: 0.1, endedAt: 0,
    });
    const series = 'vllama_edge_requests_total{tenant="t",route="/v1/chat/completions",status="200"}';
    m.requestStarted('t');
    m.requestStarted('t');
    finish(200);
    m.tunnel('t', 'out', 2, 10);
    let text = await m.text();
    expect(value(text, series)).toBe(1);
    expect(value(text, 'vllama_edge_requests_in_flight{tenant="t"}')).toBe(1);
    text = await m.text();
    expect(value(text, series)).toBe(1);
    expect(value(text, 'vllama_edge_completion_tokens_total{tenant="t"}')).toBe(7);
    expect(value(text, 'vllama_edge_tunnel_frames_total{tenant="t",direction="out"}')).toBe(2);
    finish(200);
    m.tunnel('t', 'out', 1, 10);
    text = await m.text();
    expect(value(text, series)).toBe(2);
    expect(value(text, 'vllama_edge_requests_in_flight{tenant="t"}')).toBe(0);
    expect(value(text, 'vllama_edge_completion_tokens_total{tenant="t"}')).toBe(14);
    expect(value(text, 'vllama_edge_tunnel_frames_total{tenant="t",direction="out"}')).toBe(3);
    expect(value(text, 'vllama_edge_tunnel_bytes_total{tenant="t",direction="out"}')).toBe(20);
  });
});
