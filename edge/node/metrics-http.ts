// Where the Node edge's Prometheus text is read: `GET /metrics` on the edge
// behind the admin token, or a listener of its own (loopback by default) that
// a local Prometheus scrapes without one.
import { createServer, type Server } from 'node:http';
import { errorResponse, HttpError } from '../core/errors';
import { bearerToken, secretsEqual } from '../core/keys';

export interface MetricsText {
  text(): Promise<string>;
  readonly contentType: string;
}

/** `GET /metrics` for the edge app: the admin token as a Bearer token. */
export function metricsRoute(metrics: MetricsText, adminToken: string): { fetch(req: Request): Promise<Response> } {
  return {
    async fetch(req) {
      const token = bearerToken(req.headers.get('authorization'));
      if (!token || !(await secretsEqual(token, adminToken))) {
        return errorResponse(new HttpError(401, 'invalid_admin_token', 'Incorrect admin token provided.'));
      }
      return new Response(await metrics.text(), { headers: { 'content-type': metrics.contentType } });
    },
  };
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
