// What one agent connection may cost the edge: failover before a response byte,
// the response-head timeout, heads the protocol cannot carry, the control-message
// rate, and the bound on what a socket may queue for a peer that does not read.
import { describe, expect, it, vi } from 'vitest';
import { controlFrame, MAX_REQUEST_PATH } from '../../../protocol/index';
import { LinkSocket } from './link-socket';
import { ControlRate } from './control-rate';
import { AGENT_SEND_BUFFER_MAX, AGENT_SEND_HIGH_WATER } from '../defaults';
import { FakeAgent, testHubOptions, testRequest } from '../../../test/support/fake-agent';
import { Hub, type AgentSocket } from '../hub/index';

describe('failover and timeouts', () => {
  it('sends a request refused with error {retry} to another agent, and not back to the first', async () => {
    const hub = new Hub(testHubOptions());
    const dead = await new FakeAgent('dead').join(hub);
    const pending = hub.relay(testRequest());
    const first = await dead.nextControl('request');
    const healthy = await new FakeAgent('healthy').join(hub);
    dead.control('error', first.stream, { code: 'upstream_unreachable', message: 'ECONNREFUSED', status: 502, retry: true });
    const req = await healthy.nextControl('request');
    healthy.respond(req.stream);
    healthy.data(req.stream, 'data: ok\n\n');
    healthy.control('end', req.stream, {});
    expect(await (await pending).text()).toBe('data: ok\n\n');
    expect(dead.sent('request')).toHaveLength(1);
  });

  it('answers with the agent\'s own error when no other agent serves the model', async () => {
    const hub = new Hub(testHubOptions());
    const only = await new FakeAgent('only').join(hub);
    const pending = hub.relay(testRequest());
    const req = await only.nextControl('request');
    only.control('error', req.stream, { code: 'upstream_unreachable', message: 'the model server is unreachable (ECONNREFUSED)', status: 502, retry: true });
    await expect(pending).rejects.toMatchObject({ status: 502, code: 'upstream_unreachable' });
  });

  it('answers 504 and cancels the stream when the agent sends no response head in time', async () => {
    const hub = new Hub(testHubOptions({ headTimeoutMs: 50 }));
    const silent = await new FakeAgent().join(hub);
    const pending = hub.relay(testRequest());
    const req = await silent.nextControl('request');
    await expect(pending).rejects.toMatchObject({ status: 504, code: 'agent_timeout' });
    expect((await silent.next('cancel', req.stream)).stream).toBe(req.stream);
  });

  it.each([
    { name: 'a URL over the path limit with 414', overrides: { path: `/v1/chat/completions?q=${'x'.repeat(MAX_REQUEST_PATH)}` }, status: 414 },
    { name: '300 headers with 431', overrides: { headers: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`x-h${i}`, 'v'])) }, status: 431 },
    { name: '40 KiB of headers with 431', overrides: { headers: { 'x-big': 'v'.repeat(40 * 1024) } }, status: 431 },
    // Fewer characters than the byte limit, more bytes as UTF-8: the Hub's quick bound must not pass it.
    { name: '17,000 two-byte characters of headers with 431', overrides: { headers: { 'x-big': '\u00e9'.repeat(17_000) } }, status: 431 },
  ])('refuses $name before any frame is built', async ({ overrides, status }) => {
    const hub = new Hub(testHubOptions());
    const agent = await new FakeAgent().join(hub);
    await expect(hub.relay(testRequest(overrides))).rejects.toMatchObject({ status });
    expect(agent.sent('request')).toHaveLength(0);
    expect(agent.closedWith).toBeUndefined();
  });
});

it('relays headers within the byte limit that its quick character bound cannot vouch for', async () => {
  const hub = new Hub(testHubOptions());
  const agent = await new FakeAgent().join(hub);
  void hub.relay(testRequest({ headers: { 'x-big': 'v'.repeat(30 * 1024) } })).catch(() => {});
  await new Promise((r) => setTimeout(r, 10));
  expect(agent.sent('request')).toHaveLength(1);
  hub.close();
});

describe('control messages', () => {
  it('allows a burst, then refuses until tokens come back at the rate', () => {
    let now = 0;
    const rate = new ControlRate(() => now, 10, 5);
    for (let i = 0; i < 5; i++) expect(rate.take()).toBe(true);
    expect(rate.take()).toBe(false);
    now += 100;
    expect(rate.take()).toBe(true);
    expect(rate.take()).toBe(false);
  });

  it('closes an agent with 1008 that floods text heartbeats, and with 1003 for other text', async () => {
    const hub = new Hub(testHubOptions());
    const flood = await new FakeAgent('flood').join(hub);
    for (let i = 0; i < 500 && !flood.closedWith; i++) flood.conn.message('ping');
    expect((await flood.whenClosed()).code).toBe(1008);
    const text = await new FakeAgent('text').join(hub);
    text.conn.message('hello?');
    expect((await text.whenClosed()).code).toBe(1003);
  });

  it('fails only the stream whose control frame is malformed, not the link', async () => {
    const hub = new Hub(testHubOptions());
    const agent = await new FakeAgent().join(hub);
    const pending = hub.relay(testRequest());
    const req = await agent.nextControl('request');
    agent.send({ type: 4, stream: req.stream, payload: new TextEncoder().encode('{"status":') });
    await expect(pending).rejects.toMatchObject({ status: 502 });
    expect((await agent.next('cancel', req.stream)).stream).toBe(req.stream);
    expect(agent.closedWith).toBeUndefined();
  });
});

describe('what an agent socket may queue', () => {
  function fakeSocket() {
    const written: (() => void)[] = [];
    const socket: AgentSocket & { buffered: number } = {
      buffered: 0,
      get bufferedAmount() {
        return this.buffered;
      },
      send: (_m, done) => done && written.push(done),
      sendText: () => {},
      close: () => {},
    };
    return { socket, written };
  }
  const frame = controlFrame('window', 1, { bytes: 1 });
  const opts = (overflow: (why: string) => void, drained = () => {}) => ({ schedule: (fn: () => void) => fn(), log: () => {}, sendFailed: () => {}, overflow, drained, drainTimeoutMs: 30 });

  it('closes a peer at once when the queue passes its hard cap', () => {
    const { socket } = fakeSocket();
    const overflow = vi.fn();
    const link = new LinkSocket(socket, opts(overflow));
    socket.buffered = AGENT_SEND_BUFFER_MAX + 1;
    link.push(frame);
    link.flush();
    expect(overflow).toHaveBeenCalledTimes(1);
    link.push(frame);
    link.flush();
    expect(overflow).toHaveBeenCalledTimes(1); // once, and nothing more is written or logged
  });

  it('reports congestion over the high-water mark, and closes a peer that does not drain within the timeout', async () => {
    const { socket } = fakeSocket();
    const overflow = vi.fn();
    const link = new LinkSocket(socket, opts(overflow));
    socket.buffered = AGENT_SEND_HIGH_WATER + 1;
    expect(link.congested).toBe(true);
    await new Promise((r) => setTimeout(r, 80));
    expect(overflow).toHaveBeenCalledWith(expect.stringMatching(/not reading/));
  });

  it('resumes uploads once a congested socket drains below the low-water mark, and closes nothing', async () => {
    const { socket, written } = fakeSocket();
    const overflow = vi.fn();
    const drained = vi.fn();
    const link = new LinkSocket(socket, opts(overflow, drained));
    socket.buffered = AGENT_SEND_HIGH_WATER + 1;
    link.push(frame);
    link.flush();
    expect(link.congested).toBe(true);
    socket.buffered = 0;
    for (const done of written) done();
    expect(drained).toHaveBeenCalledTimes(1);
    await new Promise((r) => setTimeout(r, 80));
    expect(overflow).not.toHaveBeenCalled();
  });
});

