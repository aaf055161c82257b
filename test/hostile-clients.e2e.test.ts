// Hostile HTTP clients against a real edge on both hosts, over raw sockets where
// a library would refuse to send the bad input: each case gets its status and an
// OpenAI error body, and a normal request right after still works (issue 13).
import { execa } from 'execa';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Child } from './support/processes';
import { head, rawRequest, type RawResponse } from './support/raw-http';
import {
  clientFor,
  hostKinds,
  MODEL,
  startServedStack,
  stopStack,
  type EdgeUnderTest,
  type Tenant,
} from './support/stack';

const BODY_TIMEOUT_S = 2;
const HEADERS_TIMEOUT_S = 2;

function errorOf(res: RawResponse | undefined): { type: string; code: string; message: string } {
  expect(res, 'a response').toBeDefined();
  expect(res!.headers['content-type']).toMatch(/application\/json/);
  return (JSON.parse(res!.body) as { error: { type: string; code: string; message: string } }).error;
}

describe.each(hostKinds)('hostile clients on the %s edge', (kind) => {
  let edge: EdgeUnderTest;
  let sim: Child & { url: string };
  let tenant: Tenant;
  let agent: Child;
  let client: OpenAI;
  let host: string;
  let auth: [string, string];
  const chatBody = JSON.stringify({ model: MODEL, max_tokens: 3, messages: [{ role: 'user', content: 'hi' }] });

  beforeAll(async () => {
    ({ edge, sim, tenant, agent } = await startServedStack(kind, { queueTimeoutS: 4, bodyTimeoutS: BODY_TIMEOUT_S, headersTimeoutS: HEADERS_TIMEOUT_S }, ['--step-base-ms', '1']));
    client = clientFor(edge, tenant);
    host = new URL(edge.url).host;
    auth = ['Authorization', `Bearer ${tenant.apiKey}`];
  }, 120_000);

  afterAll(async () => {
    await stopStack({ agent, sim, edge });
  }, 60_000);

  /** A normal streamed request through the same agent link. */
  async function stillServes(): Promise<void> {
    const stream = await client.chat.completions.create({ model: MODEL, max_tokens: 4, stream: true, messages: [{ role: 'user', content: 'after' }] });
    let finish: string | null = null;
    for await (const chunk of stream) finish = chunk.choices[0]?.finish_reason ?? finish;
    expect(finish).toBe('length');
  }

  const post = (path: string, headers: [string, string][] = [], body = chatBody) =>
    head('POST', path, host, [auth, ['Content-Type', 'application/json'], ['Content-Length', String(Buffer.byteLength(body))], ...headers]) + body;

  it("answers a URL longer than the frame cap with 414, and the tenant's stream in flight carries on", async () => {
    // Issue 13, defect 1: this request used to make the agent drop its link, cutting every stream on it.
    // ~300 engine steps: still streaming while the long URL goes by.
    const inFlight = (await client.chat.completions.create({ model: MODEL, max_tokens: 300, stream: true, ignore_eos: true, messages: [{ role: 'user', content: 'long one' }] } as never)) as unknown as AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>;
    const reader = inFlight[Symbol.asyncIterator]();
    expect((await reader.next()).done).toBe(false);
    const { responses } = await rawRequest(edge.url, post(`/v1/chat/completions?q=${'a'.repeat(2100)}`));
    expect(responses[0].status).toBe(414);
    expect(errorOf(responses[0])).toMatchObject({ type: 'invalid_request_error', code: 'uri_too_long' });
    let finish: string | null = null;
    for (let next = await reader.next(); !next.done; next = await reader.next()) finish = next.value.choices[0]?.finish_reason ?? finish;
    expect(finish).toBe('length');
    await stillServes();
  });

  it('answers 150 headers with 431', async () => {
    const many = Array.from({ length: 150 }, (_, i): [string, string] => [`X-H${i}`, 'v']);
    const { responses } = await rawRequest(edge.url, post('/v1/chat/completions', many));
    expect(responses[0].status).toBe(431);
    expect(errorOf(responses[0])).toMatchObject({ code: 'request_headers_too_large' });
    await stillServes();
  });

  it('answers headers over 16 KiB in all with 431 (the host parser refuses them)', async () => {
    const big = Array.from({ length: 6 }, (_, i): [string, string] => [`X-Big${i}`, 'b'.repeat(4000)]);
    const { responses, closed } = await rawRequest(edge.url, post('/v1/chat/completions', big));
    if (kind === 'node') {
      expect(responses[0].status).toBe(431);
      expect(errorOf(responses[0])).toMatchObject({ code: 'request_headers_too_large' });
    } else {
      // workerd reads up to 128 KiB of headers itself; these reach the edge, which refuses them the same way.
      expect(responses[0]?.status ?? (closed ? 'closed' : 'none')).toBe(431);
    }
    await stillServes();
  });

  it('answers a chunked body that never ends with 408 after the body timeout', async () => {
    const start = head('POST', '/v1/chat/completions', host, [auth, ['Content-Type', 'application/json'], ['Transfer-Encoding', 'chunked']]);
    const { responses, ms } = await rawRequest(edge.url, '', {
      timeoutMs: BODY_TIMEOUT_S * 1000 + 20_000,
      write: (socket) => socket.write(`${start}1\r\n{\r\n`), // …and nothing more
    });
    expect(responses[0]?.status).toBe(408);
    expect(errorOf(responses[0])).toMatchObject({ code: 'request_timeout' });
    expect(ms).toBeGreaterThanOrEqual(BODY_TIMEOUT_S * 1000 - 100);
    await stillServes();
  });

  it.runIf(kind === 'node')('answers headers that trickle in (slowloris) with 408 after the headers timeout', async () => {
    const line = `GET /v1/models HTTP/1.1\r\nHost: ${host}\r\n`;
    let timer: ReturnType<typeof setInterval> | undefined;
    const { responses, ms } = await rawRequest(edge.url, '', {
      timeoutMs: HEADERS_TIMEOUT_S * 1000 + 20_000,
      write: (socket) => {
        socket.write(line);
        let i = 0;
        timer = setInterval(() => socket.writable && socket.write(`X-Slow-${i++}: a\r\n`), 300);
      },
    });
    clearInterval(timer);
    expect(responses[0]?.status).toBe(408);
    expect(errorOf(responses[0])).toMatchObject({ code: 'request_timeout' });
    expect(ms).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_S * 1000 - 100);
    await stillServes();
  });

  it('relays a 2 MiB body sent by curl, which asks Expect: 100-continue for it', async () => {
    const filler = 'x'.repeat(2 * 1024 * 1024);
    // In a field the model server ignores, so the prompt stays within the simulator's context.
    const body = JSON.stringify({ model: MODEL, max_tokens: 3, messages: [{ role: 'user', content: 'hi' }], vllama_padding: filler });
    const r = await execa('curl', ['-sS', '-v', '-o', '-', '-w', '\n%{http_code}', '-H', `${auth[0]}: ${auth[1]}`, '-H', 'Content-Type: application/json', '--data-binary', '@-', `${edge.url}/v1/chat/completions`], {
      input: body,
      reject: false,
    });
    expect(r.stderr).toMatch(/Expect: 100-continue/i);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.at(-1), r.stdout.slice(0, 500)).toBe('200');
    expect(JSON.parse(lines.slice(0, -1).join('\n')).choices[0].finish_reason).toBe('length');
  });

  it('answers pipelined requests in order on one connection', async () => {
    const bytes = head('GET', '/v1/models', host, [auth]) + post('/v1/chat/completions') + head('GET', '/v1/models', host, [auth, ['Connection', 'close']]);
    const { responses } = await rawRequest(edge.url, bytes, { responses: 3 });
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(JSON.parse(responses[0].body).object).toBe('list');
    expect(JSON.parse(responses[1].body).object).toBe('chat.completion');
    expect(JSON.parse(responses[2].body).object).toBe('list');
  });

  it.each([
    ['10 KB long', 'r'.repeat(10_000)],
    ['made of unsafe characters', '<script>alert(1)</script>; DROP'],
  ])('replaces an x-request-id %s with one of its own', async (_, id) => {
    const { responses } = await rawRequest(edge.url, post('/v1/chat/completions', [['X-Request-Id', id]]));
    expect(responses[0].status).toBe(200);
    expect(responses[0].headers['x-request-id']).toMatch(/^req_[\w-]{1,124}$/);
  });

  it('refuses an x-request-id with control characters without reaching the agent', async () => {
    const { responses, closed } = await rawRequest(edge.url, post('/v1/chat/completions', [['X-Request-Id', 'abc\x01\x7fdef']]));
    if (kind === 'node') {
      // Node's parser refuses control characters in a header value (RFC 9110 §5.5).
      expect(responses[0].status).toBe(400);
      expect(errorOf(responses[0])).toMatchObject({ code: 'invalid_http_request' });
    } else {
      // workerd refuses them itself, or they reach the edge and are replaced: never echoed.
      const status = responses[0]?.status ?? (closed ? 'closed' : 'none');
      expect([400, 200, 'closed']).toContain(status);
      if (status === 200) expect(responses[0].headers['x-request-id']).toMatch(/^req_/);
    }
    await stillServes();
  });

  it.each([
    ['model is a number', { model: 5, messages: [] }, 'model'],
    ['messages is a string', { model: MODEL, messages: 'hi' }, 'messages'],
    ['stream is a string', { model: MODEL, messages: [{ role: 'user', content: 'x' }], stream: 'yes' }, 'stream'],
    ['max_tokens is a string', { model: MODEL, messages: [{ role: 'user', content: 'x' }], max_tokens: '5' }, 'max_tokens'],
  ])('answers JSON whose %s with 400 invalid_type naming the field', async (_, json, param) => {
    const res = await fetch(`${edge.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: auth[1], 'content-type': 'application/json' },
      body: JSON.stringify(json),
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_type', param });
  });

  it('answers a burst of failed authentication from one source with 429 and Retry-After; other sources are unaffected', async () => {
    // 127.0.0.2 is another source on Linux loopback; the Workers host sees it as CF-Connecting-IP.
    const wrong = `Bearer vl-${tenant.tenant}-${'x'.repeat(32)}`;
    const statuses: number[] = [];
    let last: RawResponse | undefined;
    for (let i = 0; i < 25; i++) {
      const { responses } = await rawRequest(edge.url, head('GET', '/v1/models', host, [['Authorization', wrong], ['Connection', 'close']]), { localAddress: '127.0.0.2' });
      statuses.push(responses[0].status);
      last = responses[0];
    }
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    expect(errorOf(last)).toMatchObject({ type: 'rate_limit_error', code: 'too_many_failed_authentications' });
    // The right key from the throttled source waits too; from another source all is as before.
    const { responses } = await rawRequest(edge.url, head('GET', '/v1/models', host, [auth, ['Connection', 'close']]), { localAddress: '127.0.0.2' });
    expect(responses[0].status).toBe(429);
    // Agent tokens share the count: an agent dialling from there waits as well.
    const upgrade = head('GET', '/agent/v1/connect', host, [
      ['Authorization', `Bearer ${tenant.agentToken}`],
      ['Upgrade', 'websocket'],
      ['Connection', 'Upgrade'],
      ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='],
      ['Sec-WebSocket-Version', '13'],
    ]);
    expect((await rawRequest(edge.url, upgrade, { localAddress: '127.0.0.2' })).responses[0]?.status).toBe(429);
    await stillServes();
  });
});
