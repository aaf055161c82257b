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
  const named = connectionNamed(headers.get('connection'));
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    const lower = name.toLowerCase();
    if (forwardable(lower, named)) out[lower] = value;
  });
  return out;
}

/**
 * The same from headers a host has already parsed into lowercase names and every
 * value each had (Node's `IncomingMessage.headersDistinct`), joined as Headers
 * would join them. On Node this skips building a Headers object per request
 * (@hono/node-server's lightweight request builds one on first iteration).
 */
export function forwardableHeaderLists(headers: Record<string, string[] | undefined>): Record<string, string> {
  const named = connectionNamed(headers.connection?.join(', ') ?? null);
  const out: Record<string, string> = {};
  for (const name in headers) {
    const values = headers[name];
    if (values !== undefined && forwardable(name, named)) out[name] = values.length === 1 ? values[0] : values.join(', ');
  }
  return out;
}

/**
 * The headers a Connection header names beyond those dropped anyway; undefined for
 * none, so the usual `keep-alive` or `close` costs no Set per request.
 */
function connectionNamed(connection: string | null): Set<string> | undefined {
  if (!connection) return undefined;
  let named: Set<string> | undefined;
  for (const part of connection.split(',')) {
    const name = part.trim().toLowerCase();
    if (name && !DROPPED.has(name)) (named ??= new Set()).add(name);
  }
  return named;
}

function forwardable(name: string, named: Set<string> | undefined): boolean {
  // cf-* (client IP, country, ray id) describe the client to Cloudflare, not to the GPU host.
  return !DROPPED.has(name) && !named?.has(name) && !name.startsWith('cf-');
}
