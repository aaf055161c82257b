import { describe, expect, it, vi } from 'vitest';
import { HttpError } from '../errors';
import { Hub } from './hub';
import { FakeAgent, testHubOptions, testRequest } from '../../../test/support/fake-agent';

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

/** Answers the next request on `agent` with a small JSON body. */
async function serveOne(agent: FakeAgent, body = '{"ok":true}'): Promise<number> {
  const req = await agent.nextControl('request');
  agent.respond(req.stream, { 'content-type': 'application/json' });
  agent.data(req.stream, body);
  agent.control('end', req.stream, {});
  return req.stream;
}

describe('routing', () => {
  it('answers 404 model_not_found at once when agents are connected and none serves the model', async () => {
    const hub = new Hub(testHubOptions());
    await new FakeAgent().join(hub, { models: ['llama'] });
    const err = await hub.relay(testRequest({ model: 'gpt-5' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({ status: 404, code: 'model_not_found', message: 'The model `gpt-5` does not exist or you do not have access to it.' });
  });

  it('waits for a model an agent served until a moment ago, and serves it when the agent is back', async () => {
    const hub = new Hub(testHubOptions());
    const other = await new FakeAgent('other').join(hub, { models: ['x'] });
    const first = await new FakeAgent('gpu').join(hub, { models: ['m'] });
    first.drop();
    const pending = hub.relay(testRequest());
    await tick();
    const back = await new FakeAgent('gpu').join(hub, { models: ['m'] });
    await serveOne(back);
    expect((await pending).status).toBe(200);
    expect(other.sent('request')).toHaveLength(0);
  });

  it('waits when no agent is connected, then is served by one that connects', async () => {
    const hub = new Hub(testHubOptions());
    const pending = hub.relay(testRequest());
    await tick();
    const agent = await new FakeAgent().join(hub);
    await serveOne(agent);
    expect(await (await pending).text()).toBe('{"ok":true}');
  });

  it('answers 503 no_agent when the queue timeout passes', async () => {
    const hub = new Hub(testHubOptions({ queueTimeoutMs: 50 }));
    const onDone = vi.fn();
    const err = await hub.relay(testRequest({ events: { done: onDone } })).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 503, code: 'no_agent', headers: { 'retry-after': '1' } });
    expect((err as Error).message).toMatch(/No agent is connected that serves model `m`; retried for/);
    expect(onDone).toHaveBeenCalledTimes(1);
  });

  it('answers 429 queue_full beyond maxQueue waiting requests', async () => {
    const hub = new Hub(testHubOptions({ maxQueue: 2 }));
    const waiting = [hub.relay(testRequest()), hub.relay(testRequest())];
    await expect(hub.relay(testRequest())).rejects.toMatchObject({ status: 429, code: 'queue_full' });
    hub.close();
    for (const w of waiting) await expect(w).rejects.toMatchObject({ status: 503 });
  });

  it('sends each request to the agent with the fewest in flight, within maxInflight, and wakes waiters as slots free', async () => {
    const hub = new Hub(testHubOptions());
    const a = await new FakeAgent('a').join(hub, { maxInflight: 2 });
    const b = await new FakeAgent('b').join(hub, { maxInflight: 1 });
    const pending = [1, 2, 3, 4].map((i) => hub.relay(testRequest({ requestId: `r${i}` })));
    await tick();
    expect(a.sent('request')).toHaveLength(2);
    expect(b.sent('request')).toHaveLength(1);
    expect(hub.agents().map((x) => x.inflight)).toEqual([2, 1]);
    await serveOne(b); // r2 went to b; its slot frees and r4 takes it
    const r4 = await b.nextControl('request');
    expect(r4.requestId).toBe('r4');
    await serveOne(a);
    await serveOne(a);
    b.respond(r4.stream);
    b.control('end', r4.stream, {});
    for (const p of pending) expect((await p).status).toBe(200);
  });

  it('retries on another agent when the first one disconnects before responding', async () => {
    const hub = new Hub(testHubOptions());
    const first = await new FakeAgent('first').join(hub);
    const onDone = vi.fn();
    const pending = hub.relay(testRequest({ events: { done: onDone } }));
    await first.nextControl('request');
    const second = await new FakeAgent('second').join(hub);
    first.drop(1006);
    const req = await second.nextControl('request');
    expect(JSON.parse(await second.upload(req.stream))).toEqual({ model: 'm', stream: true });
    second.respond(req.stream);
    second.data(req.stream, 'data: hi\n\n');
    second.control('end', req.stream, {});
    expect(await (await pending).text()).toBe('data: hi\n\n');
    expect(onDone).toHaveBeenCalledTimes(1);
  });

  it('keeps the body and headers for a retry until answered, then a held stream lets them go', async () => {
    const hub = new Hub(testHubOptions());
    const first = await new FakeAgent('first').join(hub);
    const req = testRequest();
    const pending = hub.relay(req);
    await first.nextControl('request');
    const second = await new FakeAgent('second').join(hub);
    first.drop(1006);
    const open = await second.nextControl('request');
    expect(open.headers).toEqual({ 'content-type': 'application/json' }); // resent whole
    expect(JSON.parse(await second.upload(open.stream))).toEqual({ model: 'm', stream: true });
    expect(req.body.byteLength).toBeGreaterThan(0);
    second.respond(open.stream);
    const res = await pending;
    expect([req.body.byteLength, req.headers]).toEqual([0, {}]);
    second.data(open.stream, 'data: hi\n\n');
    second.control('end', open.stream, {});
    expect(await res.text()).toBe('data: hi\n\n');
  });

  it('gives up with 502 agent_lost when agents keep vanishing before answering', async () => {
    const hub = new Hub(testHubOptions());
    const onDone = vi.fn();
    const pending = hub.relay(testRequest({ events: { done: onDone } }));
    for (let i = 0; i < 3; i++) {
      const agent = await new FakeAgent(`gpu-${i}`).join(hub);
      await agent.nextControl('request');
      agent.drop(1006);
    }
    await expect(pending).rejects.toMatchObject({ status: 502, code: 'agent_lost' });
    expect(onDone).toHaveBeenCalledTimes(1);
  });

  it('holds a request through a reconnect of the same agent (a deploy)', async () => {
    const hub = new Hub(testHubOptions());
    const before = await new FakeAgent('gpu').join(hub);
    const pending = hub.relay(testRequest());
    await before.nextControl('request');
    before.drop(1012);
    await tick(20);
    const after = await new FakeAgent('gpu').join(hub);
    await serveOne(after);
    expect((await pending).status).toBe(200);
  });

  it('drops a queued request whose client goes away, without sending anything', async () => {
    const hub = new Hub(testHubOptions());
    const abort = new AbortController();
    const onDone = vi.fn();
    const pending = hub.relay(testRequest({ signal: abort.signal, events: { done: onDone } }));
    abort.abort();
    await expect(pending).rejects.toMatchObject({ status: 499 });
    expect(onDone).toHaveBeenCalledTimes(1);
    const agent = await new FakeAgent().join(hub);
    await tick();
    expect(agent.sent('request')).toHaveLength(0);
  });

  it('lists models of ready agents only', async () => {
    const hub = new Hub(testHubOptions());
    await new FakeAgent('a').join(hub, { models: ['b-model', 'a-model'] });
    await new FakeAgent('b').join(hub, { models: ['c-model'], ready: false });
    expect(hub.models()).toEqual(['a-model', 'b-model']);
    expect(hub.agents().map((a) => a.agentId)).toEqual(['a', 'b']);
  });
});

describe('startup grace', () => {
  it('lets a request for an unadvertised model wait during the grace, then answers 404', async () => {
    const hub = new Hub(testHubOptions({ startupGraceMs: 60 }));
    await new FakeAgent('a').join(hub, { models: ['x'] });
    const late = hub.relay(testRequest({ model: 'late' }));
    const typo = hub.relay(testRequest({ model: 'typo' }));
    const b = await new FakeAgent('b').join(hub, { models: ['late'] });
    await serveOne(b);
    expect((await late).status).toBe(200);
    await expect(typo).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
  });
});

describe('hibernation', () => {
  it('routes at once to a restored agent without a new hello, never reusing a stream id', async () => {
    const hub1 = new Hub(testHubOptions());
    const agent = await new FakeAgent().join(hub1);
    const first = hub1.relay(testRequest());
    const used = await serveOne(agent);
    await (await first).text();
    const { hello, memory } = agent.remembered!;

    // The Durable Object lost its memory: a new Hub restores the same socket.
    const hub2 = new Hub(testHubOptions());
    agent.connect(hub2, hello, memory);
    expect(hub2.models()).toEqual(['m']);
    const second = hub2.relay(testRequest());
    const stream = await serveOne(agent);
    expect(stream).toBeGreaterThan(used);
    expect((await second).status).toBe(200);
    expect(agent.sent('welcome')).toHaveLength(1);
  });
});

describe('shutdown', () => {
  it('closes agents with 1001, ends streams with an error and fails queued requests with 503', async () => {
    const hub = new Hub(testHubOptions());
    const agent = await new FakeAgent().join(hub, { maxInflight: 1 });
    const streaming = hub.relay(testRequest());
    const req = await agent.nextControl('request');
    agent.respond(req.stream);
    const res = await streaming;
    const queued = hub.relay(testRequest());
    hub.close();
    expect((await agent.whenClosed()).code).toBe(1001);
    await expect(queued).rejects.toMatchObject({ status: 503 });
    expect(await res.text()).toContain('"type":"api_error"');
    await expect(hub.relay(testRequest())).rejects.toMatchObject({ status: 503 });
  });
});
