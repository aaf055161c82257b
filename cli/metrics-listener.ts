// `--metrics-port` of `vllama edge` and `vllama agent`: a plain HTTP listener
// answering `GET /metrics` without auth, on loopback unless --metrics-host says
// otherwise, for a Prometheus on the same machine.
import { createServer, type Server } from 'node:http';

export interface MetricsText {
  text(): Promise<string>;
  readonly contentType: string;
}

/** A plain HTTP listener answering `GET /metrics` without auth; resolves once it listens. */
export async function listenMetrics(metrics: MetricsText, host: string, port: number): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Only GET /metrics here.\n');
      return;
    }
    metrics.text().then(
      (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
