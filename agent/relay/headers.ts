// Header filtering between the edge's frames and the upstream's HTTP/1.1:
// hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and never cross.
import type { IncomingHttpHeaders } from 'node:http';

import { HOP_BY_HOP_HEADERS as HOP_BY_HOP } from '../../protocol/index';

/**
 * Request headers also dropped: `host` and `content-length` are set by undici
 * for the upstream; `authorization` and `cookie` are the client's credentials
 * for the edge and must not reach vLLM (whose own --api-key is a different secret).
 */
const REQUEST_DROP = new Set([...HOP_BY_HOP, 'host', 'content-length', 'authorization', 'cookie']);

/**
 * Response headers also dropped: the edge frames the body itself and the
 * agent asked for identity encoding, so length and encoding are the edge's to set.
 */
const RESPONSE_DROP = new Set([...HOP_BY_HOP, 'content-length', 'content-encoding']);

function isProxyHeader(name: string): boolean {
  return name.startsWith('proxy-');
}

/** Headers for the upstream request: the client's, minus hop-by-hop, asking for an unencoded body. */
export function upstreamRequestHeaders(from: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const lower = Object.entries(from).map(([key, value]) => [key.toLowerCase(), value] as const);
  // `Connection: x-foo` makes x-foo hop-by-hop too (RFC 9110 §7.6.1).
  const listed = new Set((lower.find(([name]) => name === 'connection')?.[1] ?? '').split(',').map((t) => t.trim().toLowerCase()));
  for (const [name, value] of lower) {
    if (!REQUEST_DROP.has(name) && !isProxyHeader(name) && !listed.has(name)) out[name] = value;
  }
  // The usage tap reads SSE and JSON bodies as text; compressing loopback traffic buys nothing.
  out['accept-encoding'] = 'identity';
  return out;
}

/** Headers for the `response` frame: the upstream's, minus hop-by-hop and framing. */
export function responseFrameHeaders(from: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(from)) {
    if (value === undefined || RESPONSE_DROP.has(name) || isProxyHeader(name)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
