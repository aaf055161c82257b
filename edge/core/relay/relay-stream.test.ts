import { describe, expect, it, vi } from 'vitest';
import { FrameType, INITIAL_STREAM_WINDOW, MAX_DATA_CHUNK } from '../../../protocol/index';
import { HttpError } from '../errors';
import { Hub } from '../hub/index';
import { concat, FakeAgent, testHubOptions, testRequest } from '../../../test/support/fake-agent';

const decoder = new TextDecoder();
const tick = () => new Promise((r) => setTimeout(r, 5));

async function setup(opts = {}) {
  const hub = new Hub(testHubOptions(opts));
  const agent = await new FakeAgent().join(hub);
  return { hub, agent };
}

describe('relaying a request', () => {
  it('sends request, body and end, then streams the response body in order', async () => {
    const { hub, agent } = await setup();
    const onUsage = vi.fn();
    const onDone = vi.fn();
    const pending = hub.relay(testRequest({ requestId: 'r-42', events: { usage: onUsage, done: onDone } }));
    const req = await agent.nextControl('request');
    expect(req).toMatchObject({ stream: 1, method: 'POST', path: '/v1/chat/completions', requestId: 'r-42', model: 'm' });
    expect(JSON.parse(await agent.upload(1))).toEqual({ model: 'm', stream: true });

    agent.respond(1, { 'content-type': 'text/event-stream', connection: 'keep-alive', 'content-length': '99', 'transfer-encoding': 'chunked' });
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('r-42');
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    for (const h of ['connection', 'content-length', 'transfer-encoding']) expect(res.headers.has(h)).toBe(false);

    for (let i = 0; i < 50; i++) agent.data(1, `data: ${i}\n\n`);
    agent.control('end', 1, { usage: { prompt_tokens: 3, completion_tokens: 50 } });
    const text = await res.text();
    expect(text).toBe(Array.from({ length: 50 }, (_, i) => `data: ${i}\n\n`).join(''));
    expect(onUsage).toHaveBeenCalledWith({ prompt_tokens: 3, completion_tokens: 50 });
    expect(onDone).toHaveBeenCalledTimes(1);
    expect(hub.agents()[0]?.inflight).toBe(0);
  });

  it('uploads a large body in chunks no bigger than allowed, pausing until the agent grants credit', async () => {
    const { hub, agent } = await setup();
    const body = new Uint8Array(INITIAL_STREAM_WINDOW * 2 + 1000).map((_, i) => i % 251);
    void hub.relay(testRequest({ body }));
    await agent.next('request');
    await tick();
    const first = agent.sent('data', 1);
    expect(first.reduce((n, f) => n + f.payload.byteLength, 0)).toBe(INITIAL_STREAM_WINDOW);
    expect(first.every((f) => f.payload.byteLength <= MAX_DATA_CHUNK)).toBe(true);
    expect(agent.sent('end', 1)).toHaveLength(0);
    agent.control('window', 1, { bytes: INITIAL_STREAM_WINDOW * 2 });
    await agent.next('end', 1);
    const uploaded = concat(agent.sent('data', 1).map((f) => f.payload));
    expect(uploaded.byteLength).toBe(body.byteLength);
    expect(uploaded.every((byte, i) => byte === body[i])).toBe(true); // toEqual on 500 KiB takes seconds
  });

  it('never mixes two concurrent streams', async () => {
    const { hub, agent } = await setup();
    const a = hub.relay(testRequest({ requestId: 'a' }));
    const b = hub.relay(testRequest({ requestId: 'b' }));
    const ra = await agent.nextControl('request');
    const rb = await agent.nextControl('request');
    expect([ra.requestId, rb.requestId]).toEqual(['a', 'b']);
    expect(ra.stream).not.toBe(rb.stream);
    agent.respond(rb.stream);
    agent.respond(ra.stream);
    for (let i = 0; i < 20; i++) {
      // Interleaved in one message, as a coalescing agent sends them.
      const enc = new TextEncoder();
      agent.send(
        { type: FrameType.data, stream: ra.stream, payload: enc.encode(`a${i} `) },
        { type: FrameType.data, stream: rb.stream, payload: enc.encode(`b${i} `) },
      );
    }
    agent.control('end', ra.stream, {});
    agent.control('end', rb.stream, {});
    const [ta, tb] = await Promise.all([(await a).text(), (await b).text()]);
    expect(ta).toBe(Array.from({ length: 20 }, (_, i) => `a${i} `).join(''));
    expect(tb).toBe(Array.from({ length: 20 }, (_, i) => `b${i} `).join(''));
  });

  it('answers with the agent error status when the agent fails before responding', async () => {
    const { hub, agent } = await setup();
    const onDone = vi.fn();
    const pending = hub.relay(testRequest({ events: { done: onDone } }));
    const req = await agent.nextControl('request');
    agent.control('error', req.stream, { code: 'upstream_unavailable', message: 'vLLM is restarting', status: 503 });
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({ status: 503, code: 'upstream_unavailable', message: 'vLLM is restarting' });
    expect(onDone).toHaveBeenCalledTimes(1);
  });

  it('fails only that stream with 502 when the agent sends body bytes before a response', async () => {
    const { hub, agent } = await setup();
    const bad = hub.relay(testRequest({ requestId: 'bad' }));
    const good = hub.relay(testRequest({ requestId: 'good' }));
    const rb = await agent.nextControl('request');
    const rg = await agent.nextControl('request');
    agent.data(rb.stream, 'too early');
    await expect(bad).rejects.toMatchObject({ status: 502, code: 'bad_gateway' });
    await agent.nextControl('cancel', rb.stream);
    agent.respond(rg.stream);
    agent.control('end', rg.stream, {});
    expect((await good).status).toBe(200);
    expect(agent.closedWith).toBeUndefined();
  });

  it.each([
    ['a control character in a value', { 'x-evil': 'a\u0001b' }],
    ['a name that is no token', { 'bad name': 'x' }],
  ])('fails only that stream with 502 when the agent sends %s in a header', async (_what, headers) => {
    const { hub, agent } = await setup();
    const bad = hub.relay(testRequest());
    const req = await agent.nextControl('request');
    agent.respond(req.stream, headers);
    await expect(bad).rejects.toMatchObject({ status: 502, code: 'bad_gateway' });
    await agent.nextControl('cancel', req.stream);
    expect(agent.closedWith).toBeUndefined();
  });

  it('relays a non-2xx agent response with its body', async () => {
    const { hub, agent } = await setup();
    const pending = hub.relay(testRequest());
    const req = await agent.nextControl('request');
    agent.respond(req.stream, { 'content-type': 'application/json' }, 400);
    agent.data(req.stream, '{"error":{"message":"bad"}}');
    agent.control('end', req.stream, {});
    const res = await pending;
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { message: 'bad' } });
  });
});

describe('flow control', () => {
  it('grants no more than the client consumed, and a slow reader holds at most one window while another stream flows', async () => {
    const { hub, agent } = await setup();
    const slow = hub.relay(testRequest({ requestId: 'slow' }));
    const fast = hub.relay(testRequest({ requestId: 'fast' }));
    const rs = await agent.nextControl('request');
    const rf = await agent.nextControl('request');
    agent.respond(rs.stream, { 'content-type': 'application/octet-stream' });
    agent.respond(rf.stream, { 'content-type': 'application/octet-stream' });
    const slowReader = (await slow).body!.getReader();
    const fastRes = await fast;

    // The agent spends the slow stream's whole window; nobody reads it.
    const chunk = new Uint8Array(16 * 1024).fill(7);
    for (let sent = 0; sent < INITIAL_STREAM_WINDOW; sent += chunk.byteLength) agent.data(rs.stream, chunk);

    // Meanwhile the fast stream moves several windows' worth, paced by grants.
    let fastSent = 0;
    const fastTotal = INITIAL_STREAM_WINDOW * 3;
    const fastBody = fastRes.arrayBuffer();
    while (fastSent < fastTotal) {
      const credit = INITIAL_STREAM_WINDOW + agent.granted(rf.stream) - fastSent;
      if (credit >= chunk.byteLength) {
        agent.data(rf.stream, chunk);
        fastSent += chunk.byteLength;
      } else {
        await agent.next('window', rf.stream);
      }
    }
    agent.control('end', rf.stream, {});
    expect((await fastBody).byteLength).toBe(fastTotal);
    expect(agent.granted(rf.stream)).toBeLessThanOrEqual(fastTotal);

    expect(agent.granted(rs.stream)).toBe(0);
    expect(agent.closedWith).toBeUndefined();
    expect(hub.streams()).toEqual([
      { agentId: 'gpu-1', stream: rs.stream, requestId: 'slow', model: 'm', phase: 'streaming', bufferedBytes: INITIAL_STREAM_WINDOW },
    ]);

    // The slow reader now reads; grants never exceed what it took.
    let read = 0;
    while (read < INITIAL_STREAM_WINDOW) {
      const { value } = await slowReader.read();
      read += value!.byteLength;
      await tick();
      expect(agent.granted(rs.stream)).toBeLessThanOrEqual(read);
    }
    expect(agent.granted(rs.stream)).toBe(INITIAL_STREAM_WINDOW);
  });

  it('hands a client that fell behind everything queued in one read', async () => {
    const { hub, agent } = await setup();
    const pending = hub.relay(testRequest());
    const req = await agent.nextControl('request');
    agent.respond(req.stream);
    const reader = (await pending).body!.getReader();
    for (let i = 0; i < 5; i++) agent.data(req.stream, `data: ${i}\n\n`);
    const { value } = await reader.read();
    expect(decoder.decode(value)).toBe('data: 0\n\ndata: 1\n\ndata: 2\n\ndata: 3\n\ndata: 4\n\n');
  });

  it('closes with 1008 when the agent sends more data than its credit', async () => {
    const { hub, agent } = await setup();
    const onDone = vi.fn();
    const pending = hub.relay(testRequest({ events: { done: onDone } }));
    const req = await agent.nextControl('request');
    agent.respond(req.stream);
    const res = await pending;
    agent.data(req.stream, new Uint8Array(INITIAL_STREAM_WINDOW));
    agent.data(req.stream, new Uint8Array(1));
    expect((await agent.whenClosed()).code).toBe(1008);
    expect(await res.text()).toContain('"code":"agent_disconnected"');
    expect(onDone).toHaveBeenCalledTimes(1);
  });
});

describe('cancellation', () => {
  it('sends cancel once and frees the slot when the client cancels the body', async () => {
    const { hub, agent } = await setup();
    const onDone = vi.fn();
    const pending = hub.relay(testRequest({ events: { done: onDone } }));
    const req = await agent.nextControl('request');
    agent.respond(req.stream);
    agent.data(req.stream, 'data: 1\n\n');
    const res = await pending;
    await res.body!.cancel('bye');
    const cancel = await agent.nextControl('cancel', req.stream);
    expect(cancel.reason).toBeTruthy();
    agent.data(req.stream, 'data: late\n\n'); // in flight already: ignored
    await tick();
    expect(agent.sent('cancel', req.stream)).toHaveLength(1);
    expect(agent.closedWith).toBeUndefined();
    expect(hub.agents()[0]?.inflight).toBe(0);
    expect(onDone).toHaveBeenCalledTimes(1);
  });

  it('sends cancel when the request signal aborts mid-stream', async () => {
    const { hub, agent } = await setup();
    const abort = new AbortController();
    const onDone = vi.fn();
    const pending = hub.relay(testRequest({ signal: abort.signal, events: { done: onDone } }));
    const req = await agent.nextControl('request');
    agent.respond(req.stream);
    const reader = (await pending).body!.getReader();
    abort.abort();
    await agent.nextControl('cancel', req.stream);
    await expect(reader.read()).rejects.toMatchObject({ code: 'client_closed' });
    expect(onDone).toHaveBeenCalledTimes(1);
    expect(hub.agents()[0]?.inflight).toBe(0);
  });

  it('sends cancel and rejects when the signal aborts before the response', async () => {
    const { hub, agent } = await setup();
    const abort = new AbortController();
    const pending = hub.relay(testRequest({ signal: abort.signal }));
    const req = await agent.nextControl('request');
    abort.abort();
    await expect(pending).rejects.toMatchObject({ status: 499 });
    await agent.nextControl('cancel', req.stream);
    agent.respond(req.stream); // crossed the cancel: ignored
    await tick();
    expect(agent.closedWith).toBeUndefined();
  });
});

describe('failures mid-stream', () => {
  it('ends an SSE body with an OpenAI error event when the agent disconnects mid-stream', async () => {
    const { hub, agent } = await setup();
    const onDone = vi.fn();
    const pending = hub.relay(testRequest({ events: { done: onDone } }));
    const req = await agent.nextControl('request');
    agent.respond(req.stream);
    agent.data(req.stream, 'data: {"x":1}\n\n');
    const res = await pending;
    agent.drop(1006);
    const text = await res.text();
    const events = text.split('\n\n').filter(Boolean);
    expect(events[0]).toBe('data: {"x":1}');
    const last = JSON.parse(events[1]!.slice('data: '.length));
    expect(last).toEqual({ error: { message: expect.stringContaining('disconnected'), type: 'api_error', param: null, code: 'agent_disconnected' } });
    expect(onDone).toHaveBeenCalledTimes(1);
  });

  it('ends an SSE body with the agent error as an event', async () => {
    const { hub, agent } = await setup();
    const pending = hub.relay(testRequest());
    const req = await agent.nextControl('request');
    agent.respond(req.stream);
    const res = await pending;
    agent.control('error', req.stream, { code: 'upstream_reset', message: 'vLLM closed the connection' });
    expect(await res.text()).toBe(
      'data: {"error":{"message":"vLLM closed the connection","type":"api_error","param":null,"code":"upstream_reset"}}\n\n',
    );
  });

  it('errors a non-SSE body when the agent fails mid-stream', async () => {
    const { hub, agent } = await setup();
    const pending = hub.relay(testRequest());
    const req = await agent.nextControl('request');
    agent.respond(req.stream, { 'content-type': 'application/json' });
    agent.data(req.stream, '{"partial":');
    const reader = (await pending).body!.getReader();
    expect(decoder.decode((await reader.read()).value)).toBe('{"partial":');
    agent.control('cancel', req.stream, { reason: 'upstream died' });
    await expect(reader.read()).rejects.toBeInstanceOf(HttpError);
  });
});
