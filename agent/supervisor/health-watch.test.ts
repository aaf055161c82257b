import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { watchHealth } from './health-watch';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections(); // hung requests would hold close() open
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

/** A /health that answers each status in turn (0: never answers), then 200 for good. */
async function scriptedHealth(statuses: number[]): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  server = createServer((req, res) => {
    const status = statuses[hits++] ?? 200;
    if (status === 0) return; // hung: holds the request
    res.statusCode = status;
    res.end();
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, hits: () => hits };
}

const fast = { intervalMs: 10, probeTimeoutMs: 100 };

describe('watchHealth', () => {
  it('reports vLLM down after three failed probes in a row, timeouts included', async () => {
    const { url, hits } = await scriptedHealth([200, 503, 0, 0]);
    const why = await watchHealth(url, { ...fast, signal: new AbortController().signal });
    expect(why).toBe('3 probes in a row failed, last: timed out');
    expect(hits()).toBe(4);
  });

  it('forgives failures that a healthy answer interrupts', async () => {
    const { url, hits } = await scriptedHealth([503, 503, 200, 503, 503, 200, 500, 500, 500]);
    const why = await watchHealth(url, { ...fast, signal: new AbortController().signal });
    expect(why).toBe('3 probes in a row failed, last: HTTP 500');
    expect(hits()).toBe(9);
  });

  it('counts a refused connection as a failure', async () => {
    const { url } = await scriptedHealth([]);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    await expect(watchHealth(url, { ...fast, signal: new AbortController().signal })).resolves.toBe('3 probes in a row failed, last: connection refused');
  });

  it('stops polling when its signal aborts', async () => {
    const { url, hits } = await scriptedHealth([]);
    const stop = new AbortController();
    const watching = watchHealth(url, { ...fast, signal: stop.signal });
    await new Promise((r) => setTimeout(r, 60));
    stop.abort(new Error('vLLM exited'));
    await expect(watching).rejects.toThrow();
    // A probe the client had already written when the signal aborted may still reach the
    // server on a loaded machine (CI saw 5 after 4): count from after it has landed.
    await new Promise((r) => setTimeout(r, 50));
    const seen = hits();
    await new Promise((r) => setTimeout(r, 60));
    expect(hits()).toBe(seen);
  });
});
