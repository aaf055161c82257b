import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RETAINED_BODY_MAX, releasingBody, Upstream } from './upstream';

interface Seen {
  headers: IncomingMessage['headers'];
  bytes: number;
}

let server: Server;
let upstream: Upstream;
const seen: Seen[] = [];
const held: ServerResponse[] = [];

beforeAll(async () => {
  // Reads the whole body, then answers with an event stream it never ends (a long generation).
  server = createServer((req, res) => {
    let bytes = 0;
    req.on('data', (d: Buffer) => (bytes += d.byteLength));
    req.on('end', () => {
      seen.push({ headers: req.headers, bytes });
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {}\n\n');
      held.push(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  upstream = new Upstream(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, 4);
});

afterAll(async () => {
  for (const res of held) res.end();
  await upstream.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/**
 * Starts a streamed call and resolves once its response has begun. The body
 * comes from `make` so that no closure here (the handlers live as long as the
 * call) keeps it.
 */
function started(make: () => Uint8Array) {
  return new Promise<{ abort(): void }>((resolve, reject) => {
    const call = upstream.stream(
      { method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body: make() },
      { response: () => resolve(call), data: () => {}, end: () => {}, error: (_ctx, err) => reject(err) },
      undefined,
    );
  });
}

describe('Upstream request bodies', () => {
  it('send a small body as it is, with its length', async () => {
    const call = await started(() => new Uint8Array(1000).fill(0x61));
    expect(seen.at(-1)).toMatchObject({ bytes: 1000, headers: { 'content-length': '1000' } });
    expect(seen.at(-1)!.headers['transfer-encoding']).toBeUndefined();
    call.abort();
  });

  it('send a large body whole with its length, not chunked', async () => {
    const call = await started(() => new Uint8Array(RETAINED_BODY_MAX * 8).fill(0x62));
    expect(seen.at(-1)).toMatchObject({ bytes: RETAINED_BODY_MAX * 8, headers: { 'content-length': String(RETAINED_BODY_MAX * 8) } });
    expect(seen.at(-1)!.headers['transfer-encoding']).toBeUndefined();
    call.abort();
  });

  it('let go of a large body once it is sent, while the response goes on', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    let ref: WeakRef<ArrayBuffer> | undefined;
    const call = await started(() => {
      const body = new Uint8Array(RETAINED_BODY_MAX * 8).fill(0x63);
      ref = new WeakRef(body.buffer);
      return body;
    });
    await new Promise((resolve) => setTimeout(resolve, 10)); // past the job that made the WeakRef
    gc();
    expect(ref!.deref()).toBeUndefined();
    call.abort();
  });

  it('yield a releasing body once, then nothing', () => {
    const body = releasingBody(new Uint8Array([1, 2, 3]));
    expect([...body].map((c) => [...c])).toEqual([[1, 2, 3]]);
    expect([...body]).toEqual([]);
  });
});
