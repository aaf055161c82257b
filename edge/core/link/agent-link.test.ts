import { describe, expect, it, vi } from 'vitest';
import { controlFrame, encodeFrames, FrameType, HEARTBEAT_INTERVAL_MS, INITIAL_STREAM_WINDOW } from '../../../protocol/index';
import { Hub } from '../hub/index';
import { FakeAgent, testHubOptions, testRequest } from '../../../test/support/fake-agent';

const encoder = new TextEncoder();

describe('agent handshake', () => {
  it('answers hello with welcome and remembers the hello with the socket', async () => {
    const hub = new Hub(testHubOptions());
    const agent = new FakeAgent().connect(hub);
    agent.hello({ models: ['m', 'n'], maxInflight: 4 });
    const welcome = await agent.nextControl('welcome', 0);
    expect(welcome).toMatchObject({ protocol: 1, initialWindow: INITIAL_STREAM_WINDOW, heartbeatMs: HEARTBEAT_INTERVAL_MS });
    expect(agent.remembered?.hello).toMatchObject({ agentId: 'gpu-1', models: ['m', 'n'] });
    expect(hub.models()).toEqual(['m', 'n']);
    expect(hub.agents()).toMatchObject([{ agentId: 'gpu-1', inflight: 0, maxInflight: 4, ready: true, draining: false }]);
  });

  it.each([
    ['a hello without agentId', controlFrame('hello', 0, { protocol: [1], models: [], maxInflight: 1 } as never)],
    ['a hello that is not JSON', { type: FrameType.hello, stream: 0, payload: encoder.encode('{nope') }],
    ['a request as the first frame', controlFrame('request', 1, { method: 'GET', path: '/', headers: {}, requestId: 'x' })],
    ['a hello on stream 3', controlFrame('hello', 3, { protocol: [1], agentId: 'a', models: [], maxInflight: 1 })],
  ])('closes with 1008 on %s', async (_, frame) => {
    const hub = new Hub(testHubOptions());
    const agent = new FakeAgent().connect(hub);
    agent.send(frame);
    expect((await agent.whenClosed()).code).toBe(1008);
    expect(agent.sent('welcome')).toHaveLength(0);
    expect(hub.agents()).toEqual([]);
  });

  it('closes with 4001 when no protocol version is common', async () => {
    const hub = new Hub(testHubOptions());
    const agent = new FakeAgent().connect(hub);
    agent.hello({ protocol: [7, 8] });
    const closed = await agent.whenClosed();
    expect(closed.code).toBe(4001);
    expect(closed.reason).toMatch(/protocol version/);
  });

  it('closes a socket that sends no hello within 10 s with 1008', () => {
    vi.useFakeTimers();
    try {
      const hub = new Hub(testHubOptions());
      const agent = new FakeAgent().connect(hub);
      vi.advanceTimersByTime(9_999);
      expect(agent.closedWith).toBeUndefined();
      vi.advanceTimersByTime(1);
      expect(agent.closedWith).toEqual({ code: 1008, reason: 'no hello within 10 s' });
      expect(hub.agents()).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps a socket open past the hello timeout once it said hello', async () => {
    const hub = new Hub(testHubOptions({ helloTimeoutMs: 20 }));
    const agent = await new FakeAgent().join(hub);
    await new Promise((r) => setTimeout(r, 60));
    expect(agent.closedWith).toBeUndefined();
    expect(hub.agents()).toHaveLength(1);
  });

  it('applies no hello timeout to a socket restored from hibernation', async () => {
    const agent = await new FakeAgent().join(new Hub(testHubOptions()));
    const { hello, memory } = agent.remembered!;
    const hub = new Hub(testHubOptions({ helloTimeoutMs: 20 }));
    agent.connect(hub, hello, memory);
    await new Promise((r) => setTimeout(r, 60));
    expect(agent.closedWith).toBeUndefined();
    expect(hub.models()).toEqual(['m']);
  });

  it.each([
    ['says hello', (agent: FakeAgent) => agent.hello()],
    ['closes', (agent: FakeAgent) => agent.drop()],
  ])('stops the hello timer when the socket %s', (_, act) => {
    vi.useFakeTimers();
    try {
      const agent = new FakeAgent().connect(new Hub(testHubOptions()));
      expect(vi.getTimerCount()).toBe(1);
      act(agent);
      vi.advanceTimersByTime(0); // flushes the welcome batch
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('answers a text ping with pong and a ping frame with a pong frame', async () => {
    const hub = new Hub(testHubOptions());
    const agent = await new FakeAgent().join(hub);
    agent.conn.message('ping');
    expect(agent.texts).toEqual(['pong']);
    agent.control('ping', 0, { t: 42 });
    expect(await agent.nextControl('pong', 0)).toMatchObject({ t: 42 });
  });

  it('replaces an older connection of the same agent with close 4000', async () => {
    const hub = new Hub(testHubOptions());
    const first = await new FakeAgent('gpu-1').join(hub);
    const second = await new FakeAgent('gpu-1').join(hub, { models: ['m2'] });
    expect((await first.whenClosed()).code).toBe(4000);
    expect(hub.agents().map((a) => a.models)).toEqual([['m2']]);
    expect(second.closedWith).toBeUndefined();
  });

  it('updates the advertisement on a later hello and stops routing while draining', async () => {
    const hub = new Hub(testHubOptions());
    const agent = await new FakeAgent().join(hub, { models: ['m'] });
    agent.control('drain', 0, { reason: 'upgrade' });
    expect(hub.agents()[0]?.draining).toBe(true);
    expect(hub.models()).toEqual([]);
    const pending = hub.relay(testRequest());
    await new Promise((r) => setTimeout(r, 20));
    expect(agent.sent('request')).toHaveLength(0);
    agent.hello({ models: ['m', 'x'] });
    expect(hub.agents()[0]).toMatchObject({ draining: false, models: ['m', 'x'] });
    const req = await agent.nextControl('request');
    agent.respond(req.stream);
    agent.control('end', req.stream, {});
    expect((await pending).status).toBe(200);
  });
});

describe('bad input from an agent', () => {
  it('closes a socket that sends garbage with 1002 while other agents keep serving', async () => {
    const hub = new Hub(testHubOptions());
    const bad = await new FakeAgent('bad').join(hub);
    const good = await new FakeAgent('good').join(hub);
    bad.conn.message(new Uint8Array([0, 0, 0, 9, 99, 0, 0, 0, 0, 1, 2, 3, 4]));
    expect((await bad.whenClosed()).code).toBe(1002);
    const pending = hub.relay(testRequest());
    const req = await good.nextControl('request');
    good.respond(req.stream, { 'content-type': 'application/json' });
    good.data(req.stream, '{"ok":true}');
    good.control('end', req.stream, {});
    expect(await (await pending).text()).toBe('{"ok":true}');
  });

  it('closes with 1002 on a frame for a stream the edge never opened', async () => {
    const hub = new Hub(testHubOptions());
    const agent = await new FakeAgent().join(hub);
    agent.data(5, 'x');
    expect((await agent.whenClosed()).code).toBe(1002);
  });

  it('ignores frames for a stream that already finished', async () => {
    const hub = new Hub(testHubOptions());
    const agent = await new FakeAgent().join(hub);
    const pending = hub.relay(testRequest());
    const req = await agent.nextControl('request');
    agent.respond(req.stream);
    agent.control('end', req.stream, {});
    await (await pending).text();
    agent.send(controlFrame('end', req.stream, {}), { type: FrameType.data, stream: req.stream, payload: encoder.encode('late') });
    expect(agent.closedWith).toBeUndefined();
  });

  it('keeps the agent when the host fails to remember its hello', async () => {
    const hub = new Hub(testHubOptions());
    const agent = await new FakeAgent().join(hub);
    agent.socket.remember = () => {
      throw new Error('attachment too big');
    };
    expect(() => agent.hello({ models: ['z'] })).not.toThrow();
    expect(hub.models()).toEqual(['z']);
  });

  it('closes with 1011 instead of throwing when handling a frame hits a bug', async () => {
    const hub = new Hub(testHubOptions({ queueTimeoutMs: 100 }));
    const req = testRequest();
    Object.defineProperty(req, 'body', {
      get() {
        throw new Error('boom');
      },
    });
    const pending = hub.relay(req); // queued: no agent yet
    const agent = new FakeAgent().connect(hub);
    expect(() => agent.hello()).not.toThrow(); // the hello wakes the queued request, which throws
    expect((await agent.whenClosed()).code).toBe(1011);
    await expect(pending).rejects.toMatchObject({ status: 503 });
  });

  it('never throws out of message() on any byte string', async () => {
    const hub = new Hub(testHubOptions());
    const agent = await new FakeAgent().join(hub);
    const junk = encodeFrames([{ type: FrameType.window, stream: 0, payload: encoder.encode('{"bytes":1}') }]);
    expect(() => agent.conn.message(junk)).not.toThrow();
    expect((await agent.whenClosed()).code).toBe(1002);
    expect(() => agent.conn.message(new Uint8Array([1, 2]))).not.toThrow();
  });
});
