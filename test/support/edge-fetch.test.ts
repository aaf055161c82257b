import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { edgeFetch } from './stack';

// A server that answers wrangler dev's proxy 503 to the first POST on /flaky, and its own 503 on /down.
describe('edgeFetch', () => {
  let server: Server;
  let url: string;
  const hits: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(req.url!);
      if (req.url === '/flaky' && hits.filter((h) => h === '/flaky').length === 1) {
        res.writeHead(503, { 'retry-after': '0' }).end('Your worker restarted mid-request. Please try sending the request again. Only GET or HEAD requests are retried automatically.');
      } else if (req.url === '/down') {
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"code":"no_agent"}}');
      } else {
        let body = '';
        req.on('data', (c) => (body += c)).on('end', () => res.end(`got ${body}`));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("sends a POST again, once, after wrangler dev's own 503 on the Workers host", async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const res = await edgeFetch('workers')(`${url}/flaky`, { method: 'POST', body: 'the body' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('got the body');
    expect(hits.filter((h) => h === '/flaky')).toHaveLength(2);
    expect(warn).toHaveBeenCalledOnce();
    warn.mockRestore();
  });

  it("passes the edge's own 503 through, and never retries on the Node host", async () => {
    const res = await edgeFetch('workers')(`${url}/down`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: { code: 'no_agent' } });
    expect(hits.filter((h) => h === '/down')).toHaveLength(1);
    expect(edgeFetch('node')).toBe(fetch);
  });
});
