import { afterEach, describe, expect, it, vi } from 'vitest';
import { controlFrame, FrameType } from '../../protocol/index';
import { startAgent, type RunningAgent } from '../agent';
import { startFakeEdge, type EdgeConnection, type FakeEdge } from '../../test/support/fake-edge';
import { startTestUpstream, type TestUpstream } from '../../test/support/test-upstream';

let edge: FakeEdge | undefined;
let upstream: TestUpstream | undefined;
let agent: RunningAgent | undefined;

afterEach(async () => {
  await agent?.close();
  await edge?.close();
  await upstream?.close();
  agent = edge = upstream = undefined;
});

async function setup(welcome: { initialWindow?: number } = {}): Promise<{ conn: EdgeConnection; upstream: TestUpstream }> {
  upstream = await startTestUpstream();
  edge = await startFakeEdge({ welcome });
  agent = await startAgent({ edge: edge.url, token: edge.token, upstream: upstream.url, log: () => {} });
  const conn = await edge.connection();
  await agent.ready;
  return { conn, upstream };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const chat = (tag: string, extra: object = {}) => JSON.stringify({ model: 'facebook/opt-125m', messages: [{ role: 'user', content: tag }], ...extra });

describe('relay', () => {
  it('relays 20 streams concurrently, each in order and unmixed', async () => {
    const { conn, upstream } = await setup();
    const ids = Array.from({ length: 20 }, (_, i) => conn.open({}, chat(`s${i}`, { stream: true, max_tokens: 20, delay_ms: 5, barrier: 20 })));
    const results = await Promise.all(ids.map((id) => conn.result(id)));

    // Overlap, not speed: all 20 upstream requests were in flight together,
    // so every one started before the first one ended.
    expect(upstream.maxInflight()).toBeGreaterThanOrEqual(20);
    const chats = upstream.seen.filter((r) => r.url === '/v1/chat/completions');
    const firstEnd = Math.min(...chats.map((r) => r.end!));
    expect(chats.every((r) => r.start <= firstEnd)).toBe(true);

    results.forEach((result, i) => {
      expect(result.status).toBe(200);
      const text = result.body.toString();
      const contents = [...text.matchAll(/"content":"([^"]*)"/g)].map((m) => m[1]);
      expect(contents).toEqual(Array.from({ length: 20 }, (_, t) => `s${i}-${t} `));
      expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    });
  });

  it('reports usage of a streamed request without adding the usage event the client did not ask for', async () => {
    const { conn, upstream } = await setup();
    const result = await conn.result(conn.open({}, chat('u', { stream: true, max_tokens: 3 })));
    expect(JSON.parse(upstream.seen.at(-1)!.body).stream_options).toEqual({ include_usage: true });
    expect(upstream.seen.at(-1)!.headers['x-request-id']).toBe('req-1');
    expect(result.body.toString()).not.toContain('"usage"');
    expect(result.usage).toEqual({ prompt_tokens: 7, completion_tokens: 3 });
  });

  it('forwards the usage event a client asked for and reports usage of non-streamed requests', async () => {
    const { conn } = await setup();
    const streamed = await conn.result(conn.open({}, chat('u', { stream: true, max_tokens: 2, stream_options: { include_usage: true } })));
    expect(streamed.body.toString()).toContain('"usage":{"prompt_tokens":7');
    expect(streamed.usage).toEqual({ prompt_tokens: 7, completion_tokens: 2 });
    const whole = await conn.result(conn.open({}, chat('w')));
    expect(JSON.parse(whole.body.toString()).usage.prompt_tokens).toBe(11);
    expect(whole.usage).toEqual({ prompt_tokens: 11, completion_tokens: 2 });
  });

  it('drops hop-by-hop headers both ways, keeps x-request-id and asks for an unencoded body', async () => {
    const { conn, upstream } = await setup();
    const headers = { 'content-type': 'application/json', connection: 'keep-alive, x-hop', 'x-hop': '1', 'keep-alive': 'timeout=5', authorization: 'Bearer vl-t-secret', 'x-request-id': 'req-42', 'accept-encoding': 'gzip' };
    const result = await conn.result(conn.open({ path: '/echo', headers }, '{}'));
    const seen = upstream.seen.at(-1)!.headers;
    expect(seen['x-request-id']).toBe('req-42');
    expect(seen['accept-encoding']).toBe('identity');
    for (const name of ['x-hop', 'keep-alive', 'authorization']) expect(seen[name]).toBeUndefined();
    expect(result.headers).toMatchObject({ 'content-type': 'application/json', 'x-upstream': 'yes' });
    expect(result.headers).not.toHaveProperty('connection');
    expect(result.headers).not.toHaveProperty('content-length');
  });

  it('takes a request body larger than its window, granting credit as it arrives', async () => {
    const { conn } = await setup({ initialWindow: 64 * 1024 });
    const body = Buffer.alloc(1024 * 1024, 'a');
    const result = await conn.result(conn.open({ path: '/echo' }, body));
    expect(JSON.parse(result.body.toString()).bytes).toBe(body.length);
  });

  it('never sends more response bytes than the window allows until a grant arrives', async () => {
    const window = 64 * 1024;
    const { conn } = await setup({ initialWindow: window });
    conn.autoGrant = false;
    const id = conn.open({ method: 'GET', path: '/big' });
    await vi.waitUntil(() => conn.received(id) >= window, { timeout: 5000, interval: 5 });
    await sleep(200);
    expect(conn.received(id)).toBe(window);
    conn.grant(id, 10_000);
    await vi.waitUntil(() => conn.received(id) >= window + 10_000, { timeout: 5000, interval: 5 });
    await sleep(200);
    expect(conn.received(id)).toBe(window + 10_000);
    conn.autoGrant = true;
    conn.grant(id, window);
    const result = await conn.result(id);
    expect(result.body.length).toBe(1024 * 1024);
    expect(result.body.every((byte, i) => byte === i % 251)).toBe(true);
  });

  it('aborts the upstream request at once when the edge cancels the stream', async () => {
    const { conn, upstream } = await setup();
    const id = conn.open({ method: 'GET', path: '/slow' });
    await vi.waitUntil(() => conn.received(id) > 0, { timeout: 5000, interval: 5 });
    conn.cancel(id);
    await vi.waitUntil(() => upstream.aborts() === 1, { timeout: 1000, interval: 5 });
    await sleep(100);
    // Nothing ends the stream after cancel: no end, no error.
    const ends = conn.frames.filter((f) => f.stream === id && (f.type === FrameType.end || f.type === FrameType.error));
    expect(ends).toHaveLength(0);
    expect(agent!.inflight()).toBe(0);
  });

  it('aborts every upstream request when the socket to the edge drops', async () => {
    const { conn, upstream } = await setup();
    const ids = [conn.open({ method: 'GET', path: '/slow' }), conn.open({ method: 'GET', path: '/slow' })];
    await vi.waitUntil(() => ids.every((id) => conn.received(id) > 0), { timeout: 5000, interval: 5 });
    conn.ws.terminate();
    await vi.waitUntil(() => upstream.aborts() === 2, { timeout: 1000, interval: 5 });
  });

  it('answers upstream_unreachable with status 502 when the upstream is down', async () => {
    const { conn, upstream } = await setup();
    await upstream.close();
    const result = await conn.result(conn.open({}, chat('x')));
    expect(result.error).toMatchObject({ code: 'upstream_unreachable', status: 502 });
    expect(result.status).toBeUndefined();
  });

  it('closes the connection with 1008 when the edge sends more body than its credit', async () => {
    const { conn } = await setup({ initialWindow: 1024 });
    conn.send(controlFrame('request', 50, { method: 'POST', path: '/echo', headers: {}, requestId: 'r' }));
    conn.send({ type: FrameType.data, stream: 50, payload: new Uint8Array(1025) });
    expect((await conn.closed).code).toBe(1008);
  });

  it('closes the connection with 1002 on a data frame for a stream never opened', async () => {
    const { conn } = await setup();
    conn.send({ type: FrameType.data, stream: 77, payload: new Uint8Array([1, 2, 3]) });
    expect((await conn.closed).code).toBe(1002);
  });
});
