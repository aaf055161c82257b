import { describe, expect, it } from 'vitest';
import { AgentMetrics } from './metrics';

const value = (text: string, series: string) => Number(text.split('\n').find((l) => l.startsWith(`${series} `))?.split(' ').at(-1));

describe('AgentMetrics', () => {
  it('counts a stream once however many times it is ended, with its status, tokens and error', async () => {
    const m = new AgentMetrics();
    const ok = m.stream('/v1/chat/completions');
    ok.response(200);
    ok.firstData();
    ok.firstData();
    ok.usage({ prompt_tokens: 3, completion_tokens: 8 });
    ok.done();
    ok.done();
    const bad = m.stream('/v1/chat/completions');
    bad.fail('upstream_unreachable', 502);
    bad.done();
    const text = await m.text();
    expect(value(text, 'vllama_agent_requests_total{route="/v1/chat/completions",status="200"}')).toBe(1);
    expect(value(text, 'vllama_agent_requests_total{route="/v1/chat/completions",status="502"}')).toBe(1);
    expect(value(text, 'vllama_agent_prompt_tokens_total')).toBe(3);
    expect(value(text, 'vllama_agent_completion_tokens_total')).toBe(8);
    expect(value(text, 'vllama_agent_errors_total{code="upstream_unreachable"}')).toBe(1);
    expect(value(text, 'vllama_agent_time_to_first_token_seconds_count')).toBe(1);
  });

  it('tells a reconnect from the first connection and logs each lifecycle event as a structured line', async () => {
    const events: Record<string, unknown>[] = [];
    const m = new AgentMetrics({ logger: { info: (fields) => void events.push(fields) } });
    m.connected({ agentId: 'a' });
    m.disconnected({ agentId: 'a' });
    m.connected({ agentId: 'a' });
    m.event('vllm_ready', { models: ['m'] });
    const text = await m.text();
    expect(value(text, 'vllama_agent_connections_total')).toBe(2);
    expect(value(text, 'vllama_agent_reconnects_total')).toBe(1);
    expect(value(text, 'vllama_agent_connected')).toBe(1);
    expect(value(text, 'vllama_agent_vllm_up')).toBe(1);
    expect(events.map((e) => e.event)).toEqual(['connect', 'disconnect', 'reconnect', 'vllm_ready']);
  });

  it('adds what came between scrapes once: a second scrape adds nothing, a later stream and message add theirs', async () => {
    const m = new AgentMetrics();
    const run = () => {
      const s = m.stream('/v1/completions');
      s.response(200);
      s.usage({ prompt_tokens: 2, completion_tokens: 4 });
      s.done();
    };
    run();
    m.tunnel('out', 3, 100);
    await m.text();
    let text = await m.text();
    expect(value(text, 'vllama_agent_requests_total{route="/v1/completions",status="200"}')).toBe(1);
    expect(value(text, 'vllama_agent_completion_tokens_total')).toBe(4);
    expect(value(text, 'vllama_agent_tunnel_frames_total{direction="out"}')).toBe(3);
    expect(value(text, 'vllama_agent_tunnel_frames_total{direction="in"}')).toBe(0);
    run();
    m.tunnel('out', 1, 50);
    text = await m.text();
    expect(value(text, 'vllama_agent_requests_total{route="/v1/completions",status="200"}')).toBe(2);
    expect(value(text, 'vllama_agent_prompt_tokens_total')).toBe(4);
    expect(value(text, 'vllama_agent_tunnel_bytes_total{direction="out"}')).toBe(150);
    expect(value(text, 'vllama_agent_tunnel_messages_total{direction="out"}')).toBe(2);
  });
});
