// Which request headers the edge passes on to the agent: not credentials, not
// the edge's own connection's (hop-by-hop, RFC 9110 §7.6.1), not framing, not
// `expect` (RFC 9110 §10.1.1: the edge's host already answered 100-continue;
// forwarded, the agent's HTTP client refuses the request: issue 13, defect 4).
import { HOP_BY_HOP_HEADERS } from '../../../protocol/index';

const DROPPED = new Set([
  ...HOP_BY_HOP_HEADERS,
  'expect',
  'http2-settings', // RFC 7540 §3.2.1: belongs to an h2c upgrade of this connection
  'authorization',
  'x-api-key',
  'cookie',
  'host',
  'content-length',
  'x-request-id',
]);

/** Forwardable headers, lowercased; also drops any header the Connection header names. */
export function forwardableHeaders(headers: Headers): Record<string, string> {
  return forwardable(headers.get('connection'), (visit) => headers.forEach((value, name) => visit(name.toLowerCase(), value)));
}

/**
 * The same from headers a host has already parsed into lowercase names and every
 * value each had (Node's `IncomingMessage.headersDistinct`), joined as Headers
 * would join them. On Node this skips building a Headers object per request
 * (@hono/node-server's lightweight request builds one on first iteration).
 */
export function forwardableHeaderLists(headers: Record<string, string[] | undefined>): Record<string, string> {
  return forwardable(headers.connection?.join(', ') ?? null, (visit) => {
    for (const name in headers) {
      const values = headers[name];
      if (values !== undefined) visit(name, values.join(', '));
    }
  });
}

function forwardable(connection: string | null, each: (visit: (name: string, value: string) => void) => void): Record<string, string> {
  const named = new Set(
    (connection ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: Record<string, string> = {};
  each((name, value) => {
    // cf-* (client IP, country, ray id) describe the client to Cloudflare, not to the GPU host.
    if (!DROPPED.has(name) && !named.has(name) && !name.startsWith('cf-')) out[name] = value;
  });
  return out;
}
