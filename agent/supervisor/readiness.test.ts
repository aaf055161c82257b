import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { waitForReady, type ReadinessProgress } from './readiness';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A server whose /health fails `unhealthy` times, then whose /v1/models is empty `empty` times. */
async function flakyVllm(unhealthy: number, empty: number): Promise<{ url: string; hits: string[] }> {
  const hits: string[] = [];
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/health') {
      res.statusCode = unhealthy-- > 0 ? 503 : 200;
      return res.end();
    }
    if (req.url === '/v1/models') {
      const data = empty-- > 0 ? [] : [{ id: 'facebook/opt-125m', object: 'model' }];
      return res.end(JSON.stringify({ object: 'list', data }));
    }
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, hits };
}

describe('waitForReady', () => {
  it('polls /health until it answers 200, then /v1/models until it lists a model', async () => {
    const { url, hits } = await flakyVllm(2, 1);
    const progress: ReadinessProgress[] = [];
    const models = await waitForReady(url, { intervalMs: 10, onProgress: (p) => progress.push(p) });
    expect(models).toEqual(['facebook/opt-125m']);
    expect(hits).toEqual(['/health', '/health', '/health', '/v1/models', '/v1/models']);
    expect(progress.map((p) => [p.phase, p.lastError])).toEqual([
      ['health', 'HTTP 503'],
      ['health', 'HTTP 503'],
      ['models', 'no models listed yet'],
    ]);
  });

  it('reports a refused connection while nothing listens yet', async () => {
    const { url } = await flakyVllm(0, 0);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    const ac = new AbortController();
    const seen: ReadinessProgress[] = [];
    const waiting = waitForReady(url, { intervalMs: 10, signal: ac.signal, onProgress: (p) => (seen.push(p), ac.abort(new Error('vLLM exited'))) });
    await expect(waiting).rejects.toThrow('vLLM exited');
    expect(seen[0]).toMatchObject({ phase: 'health', lastError: 'connection refused' });
  });

  it('stops waiting with the abort reason when its signal is aborted', async () => {
    const { url } = await flakyVllm(1_000_000, 0);
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('shutting down')), 50);
    await expect(waitForReady(url, { intervalMs: 10, signal: ac.signal })).rejects.toThrow('shutting down');
  });
});
