import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpError } from '../core/errors';
import { readIncoming } from './incoming-body';

const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

type Outcome = { body?: string; error?: { status: number; code: string; headers?: Record<string, string> }; complete: boolean };

/**
 * A real server that reads each request's body with readIncoming after `delayMs`
 * (as the route does, a few awaits after the headers) and answers what it got.
 */
async function serve(limit: number, timeoutMs?: number, delayMs = 5): Promise<{ port: number; outcomes: Outcome[] }> {
  const outcomes: Outcome[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    setTimeout(() => {
      const complete = req.complete;
      readIncoming(req, limit, timeoutMs).then(
        (bytes) => {
          outcomes.push({ body: Buffer.from(bytes).toString(), complete });
          res.end('ok');
        },
        (err: HttpError) => {
          outcomes.push({ error: { status: err.status, code: err.code, headers: err.headers }, complete });
          res.writeHead(err.status, err.headers).end(err.code);
        },
      );
    }, delayMs);
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, outcomes };
}

const pause = () => new Promise((r) => setTimeout(r, 30));

/** Raw HTTP on one socket, so a test controls how the body arrives: `inParts` writes each part 30 ms after the last. */
async function raw(port: number): Promise<{ socket: Socket; text: () => string; closed: () => boolean; inParts: (...parts: string[]) => Promise<void> }> {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  let closed = false;
  // Listened for from the start: the server may close it before a test awaits.
  socket.on('data', (d) => (text += d));
  socket.on('error', () => {});
  socket.on('close', () => (closed = true));
  await once(socket, 'connect');
  const inParts = async (...parts: string[]) => {
    for (const [i, part] of parts.entries()) {
      if (i > 0) await pause();
      socket.write(part);
    }
  };
  return { socket, text: () => text, closed: () => closed, inParts };
}

const until = async (check: () => boolean, ms = 2000) => {
  for (const end = Date.now() + ms; !check() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
};

const post = (headers: string) => `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\n${headers}\r\n`;

describe('readIncoming', () => {
  it('takes a body that came with its headers at once, and a second request on the connection too', async () => {
    const { port, outcomes } = await serve(1000, 10_000);
    const c = await raw(port);
    c.socket.write(`${post('content-length: 11\r\n')}{"a":"bcd"}`);
    await until(() => outcomes.length === 1);
    c.socket.write(`${post('content-length: 2\r\n')}{}`);
    await until(() => outcomes.length === 2);
    expect(outcomes).toEqual([{ body: '{"a":"bcd"}', complete: true }, { body: '{}', complete: true }]);
    c.socket.destroy();
  });

  it('reads a body that arrives in parts, with or without a length', async () => {
    const { port, outcomes } = await serve(1000, 10_000, 0);
    const c = await raw(port);
    await c.inParts(`${post('transfer-encoding: chunked\r\n')}3\r\nabc\r\n`, '2\r\nde\r\n0\r\n\r\n');
    await until(() => outcomes.length === 1);
    await c.inParts(`${post('content-length: 6\r\n')}xyz`, '123');
    await until(() => outcomes.length === 2);
    expect(outcomes.map((o) => o.body)).toEqual(['abcde', 'xyz123']);
    expect(outcomes[0].complete).toBe(false);
    c.socket.destroy();
  });

  it('settles on the last declared byte without waiting for the end event, and the connection goes on', async () => {
    // A stand-in message: all 6 declared bytes arrive, 'end' never comes.
    const fake = Object.assign(new EventEmitter(), { headers: { 'content-length': '6' }, complete: false, readableFlowing: null, resume() {} });
    const read = readIncoming(fake as unknown as IncomingMessage, 1000);
    fake.emit('data', Buffer.from('abc'));
    fake.emit('data', Buffer.from('def'));
    expect(Buffer.from(await read).toString()).toBe('abcdef');
    expect(fake.listenerCount('data') + fake.listenerCount('end') + fake.listenerCount('close')).toBe(0);
    // On a real connection, a body in parts and then another request on it.
    const { port, outcomes } = await serve(1000, 10_000, 0);
    const c = await raw(port);
    await c.inParts(`${post('content-length: 6\r\n')}xyz`, '123');
    await until(() => outcomes.length === 1);
    c.socket.write(`${post('content-length: 2\r\n')}{}`);
    await until(() => outcomes.length === 2);
    expect(outcomes.map((o) => o.body)).toEqual(['xyz123', '{}']);
    c.socket.destroy();
  });

  it('reads an empty body', async () => {
    const { port, outcomes } = await serve(1000, 10_000);
    const c = await raw(port);
    c.socket.write(post('content-length: 0\r\n'));
    await until(() => outcomes.length === 1);
    expect(outcomes[0]).toEqual({ body: '', complete: true });
    c.socket.destroy();
  });

  it('refuses a declared length over the limit before reading, and the connection still answers', async () => {
    const { port, outcomes } = await serve(10, 10_000);
    const c = await raw(port);
    c.socket.write(`${post('content-length: 20\r\n')}${'x'.repeat(20)}`);
    await until(() => outcomes.length === 1);
    expect(outcomes[0].error).toMatchObject({ status: 413, code: 'request_too_large' });
    c.socket.write(`${post('content-length: 2\r\n')}{}`);
    await until(() => outcomes.length === 2);
    expect(outcomes[1].body).toBe('{}');
    await until(() => c.text().includes('200 OK'));
    c.socket.destroy();
  });

  it('refuses an unannounced body over the limit, whole or arriving in parts', async () => {
    const { port, outcomes } = await serve(10, 10_000, 0);
    const c = await raw(port);
    await c.inParts(`${post('transfer-encoding: chunked\r\n')}8\r\n12345678\r\n`, '8\r\n12345678\r\n0\r\n\r\n');
    await until(() => outcomes.length === 1);
    const whole = await serve(10, 10_000, 20);
    const d = await raw(whole.port);
    d.socket.write(`${post('transfer-encoding: chunked\r\n')}10\r\n${'y'.repeat(16)}\r\n0\r\n\r\n`);
    await until(() => whole.outcomes.length === 1);
    expect([outcomes[0], whole.outcomes[0]].map((o) => o.error?.code)).toEqual(['request_too_large', 'request_too_large']);
    expect(whole.outcomes[0].complete).toBe(true);
    c.socket.destroy();
    d.socket.destroy();
  });

  it('answers 408 with Connection: close when the body stops arriving', async () => {
    const { port, outcomes } = await serve(1000, 100, 0);
    const c = await raw(port);
    c.socket.write(`${post('content-length: 10\r\n')}abc`);
    await until(() => outcomes.length === 1);
    expect(outcomes[0].error).toMatchObject({ status: 408, code: 'request_timeout', headers: { connection: 'close' } });
    await until(() => c.closed());
    expect(c.text()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('fails with 400 when the client goes away mid-body, and the server goes on', async () => {
    const { port, outcomes } = await serve(1000, 10_000, 0);
    const c = await raw(port);
    c.socket.write(`${post('content-length: 10\r\n')}abc`);
    await pause();
    c.socket.destroy();
    await until(() => outcomes.length === 1);
    expect(outcomes[0].error).toMatchObject({ status: 400, code: 'body_read_failed' });
    const d = await raw(port);
    d.socket.write(`${post('content-length: 2\r\n')}{}`);
    await until(() => outcomes.length === 2);
    expect(outcomes[1].body).toBe('{}');
    d.socket.destroy();
  });
});
