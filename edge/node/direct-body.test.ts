import { once } from 'node:events';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RelayBody } from '../core/relay/index';
import { writeDirect } from './direct-body';

const enc = new TextEncoder();
let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  server = undefined;
});

/** A real server whose one response is `body`, written by writeDirect. */
async function serve(body: RelayBody): Promise<IncomingMessage> {
  server = createServer((_req, res) => {
    writeDirect(body, 201, { 'content-type': 'text/event-stream', 'x-request-id': 'r-1' }, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const req = request({ host: '127.0.0.1', port, path: '/' });
  req.end();
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  return res;
}

function relayBody() {
  const log = { consumed: 0, cancelled: [] as unknown[] };
  const body = new RelayBody({
    consumed: (n) => (log.consumed += n),
    cancelled: (reason) => log.cancelled.push(reason),
    schedule: (fn) => setImmediate(fn),
  });
  return { body, log };
}

describe('writeDirect', () => {
  it('sends the head at once, then every chunk in order, and counts them consumed', async () => {
    const { body, log } = relayBody();
    const res = await serve(body);
    expect(res.statusCode).toBe(201);
    expect(res.headers['x-request-id']).toBe('r-1');
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    for (let i = 0; i < 100; i++) body.push(enc.encode(`data: ${i}\n\n`));
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 100; i < 200; i++) body.push(enc.encode(`data: ${i}\n\n`));
    body.end();
    await once(res, 'end');
    const expected = Array.from({ length: 200 }, (_, i) => `data: ${i}\n\n`).join('');
    expect(Buffer.concat(chunks).toString()).toBe(expected);
    expect(log.consumed).toBe(Buffer.byteLength(expected));
    expect(log.cancelled).toEqual([]);
  });

  it('stops taking chunks while the client does not read, and takes the rest once it does', async () => {
    const { body, log } = relayBody();
    const res = await serve(body);
    res.pause();
    // One 64 KiB chunk a turn, as an agent's messages come: 16 MiB, far beyond the socket buffers.
    const big = new Uint8Array(64 * 1024).fill(0x61);
    for (let i = 0; i < 256; i++) {
      body.push(big);
      await new Promise((r) => setImmediate(r));
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(log.consumed).toBeLessThan(256 * big.byteLength);
    expect(body.bufferedBytes).toBe(256 * big.byteLength - log.consumed);
    body.end();
    let received = 0;
    res.on('data', (c: Buffer) => (received += c.byteLength));
    res.resume();
    await once(res, 'end');
    expect(received).toBe(256 * big.byteLength);
    expect(log.consumed).toBe(256 * big.byteLength);
  });

  it('reports a client that went away as a cancel', async () => {
    const { body, log } = relayBody();
    const res = await serve(body);
    body.push(enc.encode('data: 1\n\n'));
    await once(res, 'data');
    res.destroy();
    await expect.poll(() => log.cancelled.length).toBe(1);
    body.push(enc.encode('data: 2\n\n')); // after the cancel: dropped, no throw
  });

  it('cuts the connection when the body fails, after what was queued', async () => {
    const { body } = relayBody();
    const res = await serve(body);
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    body.push(enc.encode('data: 1\n\n'));
    body.fail(new Error('agent disconnected'));
    const [err] = (await once(res, 'error')) as [Error];
    expect(err.message).toMatch(/aborted/);
    expect(Buffer.concat(chunks).toString()).toBe('data: 1\n\n');
  });
});
