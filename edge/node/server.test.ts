import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { controlFrame, FrameType } from '../../protocol/index';
import { FakeAgent, type FakeHandler } from '../../test/support/fake-agent';
import { startNodeEdge, type NodeEdge } from './server';

const ADMIN = 'test-admin-token';
const MODEL = 'facebook/opt-125m';

interface Created {
  tenant: string;
  apiKey: string;
  keyId: string;
  agentToken: string;
}

/** The shared fake agent over a real WebSocket to the edge, answering each request with `handler`. */
async function wsAgent(url: string, token: string, handler: FakeHandler): Promise<FakeAgent> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/agent/v1/connect`, { headers: { authorization: `Bearer ${token}` } });
  const agent = new FakeAgent('ws-agent').answering(handler);
  ws.on('message', (data: Buffer, isBinary) => isBinary && agent.socket.send(new Uint8Array(data)));
  await new Promise((resolve, reject) => ws.on('error', reject).once('open', resolve));
  return agent.attach({ message: (message) => ws.send(message), closed: () => ws.close() }).greet({ models: [MODEL] });
}

const text = (s: string) => new TextEncoder().encode(s);

/** The status a WebSocket handshake is refused with (or 101 if it opens). */
function upgradeStatus(url: string, headers: Record<string, string>, path = '/agent/v1/connect'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}${path}`, { headers });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('open', () => {
      ws.close();
      resolve({ status: 101, body: '' });
    });
    ws.on('error', (err) => (err.message.includes('Unexpected server response') ? undefined : reject(err)));
  });
}

describe('Node edge', () => {
  let dir: string;
  let edge: NodeEdge;
  let acme: Created;
  const logs: string[] = [];

  const admin = (method: string, path: string, body?: unknown, token = ADMIN) =>
    fetch(`${edge.url}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const v1 = (path: string, init: RequestInit & { key?: string } = {}) =>
    fetch(`${edge.url}/v1${path}`, {
      ...init,
      headers: { authorization: `Bearer ${init.key ?? acme.apiKey}`, 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vllama-edge-test-'));
    edge = await startNodeEdge({ port: 0, host: '127.0.0.1', dataDir: dir, adminToken: ADMIN, queueTimeoutMs: 200, log: (l) => logs.push(l) });
    acme = (await (await admin('POST', '/tenants', { name: 'acme' })).json()) as Created;
  });

  afterAll(async () => {
    await edge?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('listens on the port it reports and answers /healthz', async () => {
    expect(edge.port).toBeGreaterThan(0);
    expect(edge.url).toBe(`http://127.0.0.1:${edge.port}`);
    const res = await fetch(`${edge.url}/healthz`);
    expect(await res.json()).toEqual({ ok: true });
  });

  it('runs the admin flow: create, list, add a key, revoke it', async () => {
    expect(acme.apiKey).toMatch(/^vl-acme-/);
    const list = await (await admin('GET', '/tenants')).json();
    expect(list.data).toEqual([{ name: 'acme', createdAt: expect.any(Number), agents: expect.any(Array) }]);
    const key = await (await admin('POST', '/tenants/acme/keys', { rpm: 5 })).json();
    expect((await v1('/models', { key: key.apiKey })).status).toBe(200);
    expect(await (await admin('DELETE', `/tenants/acme/keys/${key.id}`)).json()).toEqual({ id: key.id, revoked: true });
    expect((await v1('/models', { key: key.apiKey })).status).toBe(401);
    expect((await admin('GET', '/tenants', undefined, 'wrong')).status).toBe(401);
  });

  it.each([
    ['no key', ''],
    ['a garbage key', 'garbage'],
    ['a key of an unknown tenant', `vl-ghost-${'a'.repeat(32)}`],
  ])('answers /v1 with %s with 401 invalid_api_key', async (_, key) => {
    const res = await fetch(`${edge.url}/v1/chat/completions`, { method: 'POST', headers: key ? { authorization: `Bearer ${key}` } : {}, body: '{}' });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect((await res.json()).error).toEqual({ message: 'Incorrect API key provided.', type: 'authentication_error', param: null, code: 'invalid_api_key' });
  });

  it('does not take an agent token as an API key', async () => {
    const res = await v1('/models', { key: acme.agentToken });
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe('invalid_api_key');
  });

  it('answers 400 for bad JSON and a missing model', async () => {
    const bad = await v1('/chat/completions', { method: 'POST', body: 'nope' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe('invalid_json');
    const noModel = await v1('/chat/completions', { method: 'POST', body: '{"messages":[]}' });
    expect(noModel.status).toBe(400);
    expect((await noModel.json()).error).toMatchObject({ code: 'missing_model', param: 'model' });
  });

  it('answers 413 for a body over the limit, declared or streamed, and stays up', async () => {
    const big = 'x'.repeat(8 * 1024 * 1024 + 1);
    const declared = await v1('/chat/completions', { method: 'POST', body: big });
    expect(declared.status).toBe(413);
    expect((await declared.json()).error.code).toBe('request_too_large');
    const { apiKey } = await (await admin('POST', '/tenants/acme/keys', { maxBodyBytes: 1000 })).json();
    const chunk = text('y'.repeat(600));
    const streamed = await v1('/chat/completions', {
      method: 'POST',
      key: apiKey,
      body: new ReadableStream({
        start(c) {
          c.enqueue(chunk);
          c.enqueue(chunk);
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect((await fetch(`${edge.url}/healthz`)).ok).toBe(true);
  });

  it.each([
    ['GET', '/nope'],
    ['GET', '/v1/nope'],
  ])('answers %s %s with 404 in OpenAI shape', async (method, path) => {
    const res = await fetch(`${edge.url}${path}`, { method, headers: { authorization: `Bearer ${acme.apiKey}` } });
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('unknown_url');
  });

  it('answers 503 in OpenAI shape when no agent serves the model within the queue timeout', async () => {
    const res = await v1('/chat/completions', { method: 'POST', body: JSON.stringify({ model: 'nobody-serves-this' }) });
    expect(res.status).toBe(503);
    expect((await res.json()).error.type).toBe('service_unavailable');
  });

  it('answers a plain GET of the agent endpoint with 426', async () => {
    const res = await fetch(`${edge.url}/agent/v1/connect`);
    expect(res.status).toBe(426);
  });

  it.each([
    ['no token', {}],
    ['a bad agent token', { authorization: `Bearer vla-acme-${'z'.repeat(32)}` }],
    ['an API key', { authorization: 'Bearer KEY' }],
  ])('refuses an agent upgrade with %s with 401 before upgrading', async (_, headers: Record<string, string>) => {
    const h = headers.authorization === 'Bearer KEY' ? { authorization: `Bearer ${acme.apiKey}` } : headers;
    const { status, body } = await upgradeStatus(edge.url, h);
    expect(status).toBe(401);
    expect(JSON.parse(body).error.code).toBe('invalid_agent_token');
  });

  it('refuses an upgrade on any other path with 404', async () => {
    expect((await upgradeStatus(edge.url, { authorization: `Bearer ${acme.agentToken}` }, '/v1/models')).status).toBe(404);
  });

  it('survives garbage on a raw TCP connection', async () => {
    const answer = await new Promise<string>((resolve) => {
      const sock = connect(edge.port, '127.0.0.1', () => sock.write('\x00\x01GARBAGE / HTTP/9\r\n\r\n'));
      let got = '';
      sock.on('data', (d) => (got += d.toString()));
      sock.on('close', () => resolve(got));
      sock.on('error', () => resolve(got));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect((await fetch(`${edge.url}/healthz`)).ok).toBe(true);
  });

  describe('with an agent connected over a WebSocket', () => {
    let agent: FakeAgent;

    beforeAll(async () => {
      agent = await wsAgent(edge.url, acme.agentToken, ({ stream, head }) => {
        if (head.path.startsWith('/v1/hang')) return new Promise(() => {});
        if (head.path.startsWith('/v1/slow')) {
          agent.respond(stream);
          agent.data(stream, 'data: first\n\n');
          return new Promise(() => {}); // the test sends the rest
        }
        return {
          headers: { 'content-type': 'text/event-stream' },
          chunks: ['data: {"n":1}\n\n', 'data: {"n":2}\n\n', 'data: [DONE]\n\n'],
          usage: { prompt_tokens: 2, completion_tokens: 3 },
        };
      });
      await vi.waitFor(async () => expect((await (await v1('/models')).json()).data).toHaveLength(1));
    });

    afterAll(() => agent.drop());

    it('lists the agent model and shows the agent in the admin list', async () => {
      expect((await (await v1('/models')).json()).data[0]).toMatchObject({ id: MODEL, object: 'model', owned_by: 'vllama' });
      const list = await (await admin('GET', '/tenants')).json();
      expect(list.data[0].agents[0]).toMatchObject({ agentId: 'ws-agent', models: [MODEL] });
    });

    it('streams the agent response through and records usage', async () => {
      const res = await v1('/chat/completions', { method: 'POST', body: JSON.stringify({ model: MODEL, stream: true }), headers: { 'x-request-id': 'rid-stream' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBe('rid-stream');
      expect(await res.text()).toBe('data: {"n":1}\n\ndata: {"n":2}\n\ndata: [DONE]\n\n');
      expect(agent.requests.at(-1)?.head).toMatchObject({ path: '/v1/chat/completions', requestId: 'rid-stream', model: MODEL });
      await vi.waitFor(async () => {
        const usage = await (await admin('GET', '/tenants/acme/usage')).json();
        expect(usage.data).toContainEqual(expect.objectContaining({ keyId: acme.keyId, promptTokens: 2, completionTokens: 3 }));
      });
    });

    it('delivers each chunk to the client as the agent sends it, without buffering the body', async () => {
      const res = await v1('/slow', { method: 'POST', body: JSON.stringify({ model: MODEL }) });
      const reader = res.body!.getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: first\n\n');
      const stream = agent.requests.find((r) => r.head.path === '/v1/slow')!.stream;
      agent.send({ type: FrameType.data, stream, payload: text('data: second\n\n') }, controlFrame('end', stream, {}));
      expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: second\n\n');
      expect((await reader.read()).done).toBe(true);
    });

    it('sends cancel to the agent when the client disconnects', async () => {
      const abort = new AbortController();
      const pending = v1('/hang', { method: 'POST', body: JSON.stringify({ model: MODEL }), signal: abort.signal }).catch(() => undefined);
      await vi.waitFor(() => expect(agent.requests.some((r) => r.head.path === '/v1/hang')).toBe(true));
      const stream = agent.requests.find((r) => r.head.path === '/v1/hang')!.stream;
      abort.abort();
      await pending;
      await vi.waitFor(() => expect(agent.cancelled).toContain(stream));
    });
  });

  it('keeps tenants and keys across a restart on the same data directory', async () => {
    await edge.close();
    edge = await startNodeEdge({ port: 0, dataDir: dir, adminToken: ADMIN, log: (l) => logs.push(l) });
    expect((await v1('/models')).status).toBe(200);
  });
});
