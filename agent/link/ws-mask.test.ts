import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { unreadableOnTheWay, zeroMask } from './ws-mask';

describe('unreadableOnTheWay', () => {
  it('is true for TLS and loopback, false where a middlebox could read the frames', () => {
    expect(unreadableOnTheWay('wss://edge.example.com/agent/v1/connect')).toBe(true);
    expect(unreadableOnTheWay('ws://127.0.0.1:8787/agent/v1/connect')).toBe(true);
    expect(unreadableOnTheWay('ws://127.1.2.3/x')).toBe(true);
    expect(unreadableOnTheWay('ws://localhost:8787/x')).toBe(true);
    expect(unreadableOnTheWay('ws://[::1]:8787/x')).toBe(true);
    expect(unreadableOnTheWay('ws://edge.example.com/x')).toBe(false);
    expect(unreadableOnTheWay('ws://10.0.0.5:8787/x')).toBe(false);
    expect(unreadableOnTheWay('ws://127.0.0.1.evil.example/x')).toBe(false);
    expect(unreadableOnTheWay('not a url')).toBe(false);
  });
});

describe('zeroMask', () => {
  it('carries binary and text messages unchanged through a real ws server', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
    const received: Buffer[] = [];
    wss.on('connection', (s) => s.on('message', (data: Buffer) => received.push(Buffer.from(data))));
    const { port } = wss.address() as AddressInfo;
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, { generateMask: zeroMask });
    await once(ws, 'open');
    const payload = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
    ws.send(payload);
    ws.send('data: {"x":1}\n\n');
    await expect.poll(() => received.length).toBe(2);
    expect(received[0].equals(payload)).toBe(true);
    expect(received[1].toString()).toBe('data: {"x":1}\n\n');
    ws.close();
    await new Promise((r) => wss.close(r));
  });
});
