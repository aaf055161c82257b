import { afterEach, describe, expect, it, vi } from 'vitest';
import { controlFrame, FrameType } from '../protocol/index';
import { startAgent, type AgentOptions, type RunningAgent } from './agent';
import { startFakeEdge, type FakeEdge } from '../test/support/fake-edge';
import { MODEL, startTestUpstream, type TestUpstream } from '../test/support/test-upstream';

let edge: FakeEdge | undefined;
let upstream: TestUpstream | undefined;
let agent: RunningAgent | undefined;
let logs: string[] = [];

afterEach(async () => {
  await agent?.close();
  await edge?.close();
  await upstream?.close();
  agent = edge = upstream = undefined;
  logs = [];
});

async function setup(opts: { edge?: Parameters<typeof startFakeEdge>[0]; agent?: Partial<AgentOptions> } = {}) {
  upstream = await startTestUpstream();
  edge = await startFakeEdge(opts.edge);
  agent = await startAgent({ edge: edge.url, token: edge.token, upstream: upstream.url, log: (line) => logs.push(line), ...opts.agent });
  return { edge, upstream, agent };
}


describe('agent', () => {
  it('dials with its token and says hello with the upstream models and its capacity', async () => {
    const { edge, agent } = await setup({ agent: { agentId: 'gpu-1', maxInflight: 64, gpus: [{ name: 'NVIDIA H200', memoryMiB: 143771 }] } });
    const conn = await edge.connection();
    await agent.ready;
    expect(conn.request.headers.authorization).toBe(`Bearer ${edge.token}`);
    expect(await conn.hello()).toMatchObject({ protocol: [1], agentId: 'gpu-1', models: [MODEL], maxInflight: 64, ready: true, gpus: [{ name: 'NVIDIA H200', memoryMiB: 143771 }] });
    expect(agent.connected).toBe(true);
    expect(logs.some((l) => l.includes(`connected to ${edge.url} as gpu-1, serving ${MODEL} (capacity 64)`))).toBe(true);
  });

  it('advertises ready:false while the upstream cannot list models, then ready:true once it can', async () => {
    upstream = await startTestUpstream();
    upstream.modelsStatus = 503;
    edge = await startFakeEdge();
    agent = await startAgent({ edge: edge.url, token: edge.token, upstream: upstream.url, log: (line) => logs.push(line) });
    const conn = await edge.connection();
    expect(await conn.hello(1)).toMatchObject({ models: [], ready: false });
    upstream.modelsStatus = 200;
    expect(await conn.hello(2)).toMatchObject({ models: [MODEL], ready: true });
  });

  it('re-sends hello on setReady, for the supervisor around vLLM restarts', async () => {
    const { edge, agent } = await setup();
    const conn = await edge.connection();
    await agent.ready;
    agent.setReady(false);
    expect(await conn.hello(2)).toMatchObject({ ready: false });
    agent.setReady(true, ['other/model']);
    expect(await conn.hello(3)).toMatchObject({ ready: true, models: ['other/model'] });
  });

  it('reconnects after the edge closes the socket', async () => {
    const { edge, agent } = await setup();
    const first = await edge.connection();
    first.ws.close(1001, 'deploy');
    const second = await edge.connection(2);
    expect(await second.hello()).toMatchObject({ models: [MODEL] });
    await vi.waitUntil(() => agent.connected, { timeout: 3000, interval: 10 });
    expect(logs.some((l) => /edge connection closed \(1001 deploy\), reconnecting in \d\.\d s/.test(l))).toBe(true);
  });

  it('closes with 1002 on garbage from the edge and redials without crashing', async () => {
    const { edge } = await setup();
    const first = await edge.connection();
    first.ws.send(Buffer.from([0, 0, 0, 9, 99, 0, 0, 0, 1, 1, 2, 3, 4]));
    expect((await first.closed).code).toBe(1002);
    await edge.connection(2);
    expect(logs.some((l) => l.includes('ERR_FRAME_TYPE'))).toBe(true);
  });

  it('fails only that stream, with a 400 error frame, on a request frame it cannot read, and keeps the link', async () => {
    const { edge } = await setup();
    const conn = await edge.connection();
    conn.send({ type: FrameType.request, stream: 1, payload: Buffer.from('{not json') });
    conn.send(controlFrame('request', 2, { method: 'POST', path: `/v1/chat/completions?q=${'x'.repeat(2100)}`, headers: {}, requestId: 'r2' }));
    conn.send(controlFrame('end', 2, {}));
    await vi.waitUntil(() => conn.frames.filter((f) => f.type === FrameType.error).length >= 2, { timeout: 3000, interval: 10 });
    const errors = conn.frames.filter((f) => f.type === FrameType.error);
    expect(errors.map((f) => f.stream)).toEqual([1, 2]);
    expect(errors.map((f) => JSON.parse(Buffer.from(f.payload).toString()).status)).toEqual([400, 400]);
    expect(conn.ws.readyState).toBe(conn.ws.OPEN);
  });

  it('closes with 1003 on a text message from the edge that is not a heartbeat', async () => {
    const { edge } = await setup();
    const first = await edge.connection();
    first.ws.send('surprise');
    expect((await first.closed).code).toBe(1003);
    await edge.connection(2);
  });

  it('still closes with 1002 on a frame for a stream that was never opened', async () => {
    const { edge } = await setup();
    const first = await edge.connection();
    first.send(controlFrame('end', 9, {}));
    expect((await first.closed).code).toBe(1002);
    await edge.connection(2);
  });

  it('sends text pings at the welcome interval and answers a text ping with pong', async () => {
    const { edge } = await setup({ edge: { welcome: { heartbeatMs: 50 } } });
    const conn = await edge.connection();
    await vi.waitUntil(() => conn.texts.filter((t) => t === 'ping').length >= 2, { timeout: 3000, interval: 10 });
    const pong = new Promise((resolve) => conn.ws.on('message', (data, binary) => !binary && data.toString() === 'pong' && resolve('pong')));
    conn.ws.send('ping');
    await pong;
  });

  it('answers a ping frame with a pong frame carrying the same t', async () => {
    const { edge } = await setup();
    const conn = await edge.connection();
    conn.send(controlFrame('ping', 0, { t: 1234 }));
    await vi.waitUntil(() => conn.frames.some((f) => f.type === FrameType.pong), { timeout: 3000, interval: 10 });
    const pong = conn.frames.find((f) => f.type === FrameType.pong)!;
    expect(JSON.parse(Buffer.from(pong.payload).toString())).toEqual({ t: 1234 });
  });

  it('terminates an edge silent for 3 heartbeats and redials', async () => {
    const { edge } = await setup({ edge: { welcome: { heartbeatMs: 50 } } });
    const first = await edge.connection();
    first.autoPong = false;
    await first.closed;
    await edge.connection(2);
    expect(logs.some((l) => l.includes('edge silent for 3 heartbeats'))).toBe(true);
  });

  it('logs that the edge rejected the agent token and keeps retrying', async () => {
    upstream = await startTestUpstream();
    edge = await startFakeEdge();
    agent = await startAgent({ edge: edge.url, token: 'wrong', upstream: upstream.url, log: (line) => logs.push(line) });
    await vi.waitUntil(() => logs.some((l) => l.includes('edge rejected the agent token (HTTP 401), retrying in')), { timeout: 3000, interval: 10 });
    expect(agent.connected).toBe(false);
  });

  it('logs each attempt while the edge is unreachable, with the delay', async () => {
    edge = await startFakeEdge();
    const url = edge.url;
    await edge.close();
    upstream = await startTestUpstream();
    agent = await startAgent({ edge: url, token: 'agent-token-1', upstream: upstream.url, log: (line) => logs.push(line) });
    await vi.waitUntil(() => logs.some((l) => /edge unreachable \(.*\), retrying in \d\.\d s/.test(l)), { timeout: 3000, interval: 10 });
  });

  it('drains: sends drain, lets the in-flight stream finish, then closes', async () => {
    const { edge, agent } = await setup();
    const conn = await edge.connection();
    await agent.ready;
    const body = JSON.stringify({ model: MODEL, messages: [{ content: 'd' }], stream: true, max_tokens: 10, delay_ms: 30 });
    const id = conn.open({}, body);
    await vi.waitUntil(() => conn.received(id) > 0, { timeout: 3000, interval: 10 });
    const drained = agent.drain(5000);
    await vi.waitUntil(() => conn.frames.some((f) => f.type === FrameType.drain), { timeout: 3000, interval: 10 });
    const result = await conn.result(id);
    expect(result.body.toString()).toContain('d-9');
    await drained;
    expect((await conn.closed).code).toBe(1001);
    expect(edge.connections).toHaveLength(1);
  });

  it('rejects a bad option up front, naming it', async () => {
    await expect(startAgent({ edge: 'not a url', token: 't', upstream: 'http://127.0.0.1:1' })).rejects.toThrow(/edge/);
  });
});
