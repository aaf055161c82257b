import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ResponseCloseSignal } from './client-signal';

/** A real server whose handler gets each response; the test decides what to do with it. */
async function serve(handle: (res: ServerResponse) => void): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => handle(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

function rawRequest(port: number): ReturnType<typeof connect> {
  const socket = connect(port, '127.0.0.1');
  socket.write('POST /v1/chat/completions HTTP/1.1\r\nHost: edge\r\nContent-Length: 2\r\n\r\n{}');
  return socket;
}

describe('ResponseCloseSignal over a real Node server', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it('aborts once when the client leaves before any answer', async () => {
    let taken!: (signal: ResponseCloseSignal) => void;
    const seen = new Promise<ResponseCloseSignal>((resolve) => (taken = resolve));
    const calls: boolean[] = [];
    const s = await serve((res) => {
      const signal = new ResponseCloseSignal(res);
      signal.addEventListener('abort', () => calls.push(signal.aborted), { once: true });
      taken(signal);
    });
    server = s.server;
    rawRequest(s.port).on('error', () => {});
    const signal = await seen;
    expect(signal.aborted).toBe(false);
    // The test's socket is the only one: destroying all of them is the client vanishing.
    server!.closeAllConnections();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toEqual([true]);
    expect(signal.aborted).toBe(true);
  });

  it('does not abort when the response finished, nor call a removed listener', async () => {
    const calls: string[] = [];
    const s = await serve((res) => {
      const signal = new ResponseCloseSignal(res);
      const removed = () => calls.push('removed');
      signal.addEventListener('abort', removed);
      signal.addEventListener('abort', () => calls.push('kept'));
      signal.removeEventListener('abort', removed);
      res.once('close', () => calls.push(`closed aborted=${signal.aborted}`));
      res.end('ok');
    });
    server = s.server;
    const socket = rawRequest(s.port);
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toEqual(['closed aborted=false']);
  });

  it('calls every listener once, the first and the later ones alike, and none removed', async () => {
    const calls: string[] = [];
    const s = await serve((res) => {
      const signal = new ResponseCloseSignal(res);
      const first = () => calls.push('first');
      const second = () => calls.push('second');
      const third = () => calls.push('third');
      signal.addEventListener('abort', first);
      signal.addEventListener('abort', first); // a second add of the same listener is ignored
      signal.addEventListener('abort', second);
      signal.addEventListener('abort', third);
      signal.removeEventListener('abort', second);
      signal.removeEventListener('abort', first);
      signal.addEventListener('abort', first);
    });
    server = s.server;
    rawRequest(s.port).on('error', () => {});
    await new Promise((resolve) => setTimeout(resolve, 50));
    server!.closeAllConnections();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls.sort()).toEqual(['first', 'third']);
  });
});
