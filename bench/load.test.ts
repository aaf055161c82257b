import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closePools, holdStreams, runLoad } from './load';

const chunk = (t: string) => `data: {"choices":[{"index":0,"delta":{"content":${JSON.stringify(t)}},"finish_reason":null}]}\n\n`;
const opening = 'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}\n\n';

let server: Server;
let url: string;
let open = 0;

beforeAll(async () => {
  // A stand-in upstream: `tokens` one write each, 2 ms apart; 429 for `fail`; `hold` never ends.
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const spec = JSON.parse(body) as { tokens: number; fail?: boolean; hold?: boolean };
      if (spec.fail) {
        res.writeHead(429, { 'content-type': 'application/json' });
        res.end('{"error":{"message":"slow down"}}');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(opening);
      open++;
      res.once('close', () => open--);
      if (spec.hold) return;
      let sent = 0;
      const timer = setInterval(() => {
        res.write(chunk(`t${sent}`));
        if (++sent === spec.tokens) {
          clearInterval(timer);
          res.end('data: [DONE]\n\n');
        }
      }, 2);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await closePools();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const spec = (body: object) => ({ url, path: '/v1/chat/completions', headers: {}, body: JSON.stringify(body) });

describe('runLoad', () => {
  it('counts every token of every request and times first token and end', async () => {
    const r = await runLoad({ ...spec({ tokens: 5 }), concurrency: 4, total: 10 });
    expect(r).toMatchObject({ requests: 10, ok: 10, failed: 0, tokens: 50 });
    expect(r.chunks).toBeGreaterThanOrEqual(10);
    expect(r.ttftMs).toHaveLength(10);
    for (let i = 0; i < 10; i++) expect(r.e2eMs[i]).toBeGreaterThan(r.ttftMs[i]);
    expect(r.wallMs).toBeGreaterThanOrEqual(Math.max(...r.e2eMs) - 1);
    expect(r.cpuBusy).toBeGreaterThan(0);
  });

  it('reports non-200 answers as failures with their status and body', async () => {
    const r = await runLoad({ ...spec({ tokens: 1, fail: true }), concurrency: 2, total: 3 });
    expect(r).toMatchObject({ ok: 0, failed: 3, tokens: 0 });
    expect(r.errors[0]).toMatch(/^HTTP 429: .*slow down/);
  });
});

describe('holdStreams', () => {
  it('keeps streams open with paused readers until released, then aborts them', async () => {
    const held = await holdStreams(spec({ tokens: 1, hold: true }), 5, 5_000);
    expect(held).toMatchObject({ opened: 5, failed: 0 });
    expect(open).toBe(5);
    expect(await held.release()).toEqual({ aborted: 5 });
    await expect.poll(() => open).toBe(0);
  });
});
