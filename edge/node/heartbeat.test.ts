import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { Heartbeat } from './heartbeat';

describe('Heartbeat', () => {
  let server: Server;
  let wss: WebSocketServer;
  let heartbeat: Heartbeat;

  async function pair(clientOpts: WebSocket.ClientOptions): Promise<{ client: WebSocket; serverSide: Promise<WebSocket> }> {
    wss = new WebSocketServer({ noServer: true });
    heartbeat = new Heartbeat(20, 2);
    let accept!: (ws: WebSocket) => void;
    const serverSide = new Promise<WebSocket>((resolve) => (accept = resolve));
    server = createServer();
    server.on('upgrade', (req, socket, head) =>
      wss.handleUpgrade(req, socket, head, (ws) => {
        heartbeat.watch(ws);
        accept(ws);
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const client = new WebSocket(`ws://127.0.0.1:${port}`, clientOpts);
    client.on('error', () => {});
    return { client, serverSide };
  }

  afterEach(async () => {
    heartbeat.close();
    for (const ws of wss.clients) ws.terminate();
    await new Promise((resolve) => server.close(resolve));
  });

  it('terminates a socket that misses two pongs', async () => {
    const { serverSide } = await pair({ autoPong: false });
    const ws = await serverSide;
    const code = await new Promise<number>((resolve) => ws.on('close', resolve));
    expect(code).toBe(1006);
    expect(heartbeat.size).toBe(0);
  });

  it('keeps a socket that answers pings', async () => {
    const { client, serverSide } = await pair({});
    const ws = await serverSide;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect(heartbeat.size).toBe(1);
    client.close();
  });

  it('terminates a socket that sends only unsolicited pongs', async () => {
    const { client, serverSide } = await pair({ autoPong: false });
    const ws = await serverSide;
    const flood = setInterval(() => client.readyState === WebSocket.OPEN && client.pong(Buffer.from('x')), 5);
    const code = await new Promise<number>((resolve) => ws.on('close', resolve));
    clearInterval(flood);
    expect(code).toBe(1006);
  });
});
