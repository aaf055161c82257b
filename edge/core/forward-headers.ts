// Which request headers the edge passes on to the agent: not credentials, not
// the edge's own connection's (hop-by-hop, RFC 9110 §7.6.1), not framing.
import { HOP_BY_HOP_HEADERS } from '../../protocol/index';

const DROPPED = new Set([...HOP_BY_HOP_HEADERS, 'authorization', 'cookie', 'host', 'content-length', 'x-request-id']);

/** Forwardable headers, lowercased; also drops any header the Connection header names. */
export function forwardableHeaders(headers: Headers): Record<string, string> {
  const named = new Set(
    (headers.get('connection') ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    const key = name.toLowerCase();
    // cf-* (client IP, country, ray id) describe the client to Cloudflare, not to the GPU host.
    if (!DROPPED.has(key) && !named.has(key) && !key.startsWith('cf-')) out[key] = value;
  });
  return out;
}
