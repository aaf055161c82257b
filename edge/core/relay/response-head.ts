// What of an agent's response head reaches the client, and the SSE event that
// ends a stream the agent broke.
import { HOP_BY_HOP_HEADERS, type ResponseHead } from '../../../protocol/index';
import type { HttpError, OpenAIErrorBody } from '../errors';

// RFC 9110 §7.6.1 hop-by-hop fields, plus content-length: the body is re-framed for the client.
// Cookies too: every tenant shares the edge's hostname, so an agent's cookie would reach them all.
const DROPPED_HEADERS = new Set([...HOP_BY_HOP_HEADERS, 'content-length', 'set-cookie', 'set-cookie2']);
const NULL_BODY_STATUSES = new Set([204, 205, 304]);
/** RFC 9110 §5.5 field-value: visible ASCII, space, tab and obs-text. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const encoder = new TextEncoder();

/** RFC 9110 §5.6.2 token: what a field name may hold (Node's writeHead and workerd refuse anything else). */
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Leading and trailing spaces and tabs, which a field value does not keep (as Headers drops them). */
const OWS_EDGES = /^[\t ]+|[\t ]+$/g;

/**
 * The head's headers for the client as a plain record (lower-case names), with
 * the request id and `extra` (the edge's rate-limit headers) added; undefined
 * when one is not valid HTTP. A record, not `Headers`: the Node host writes it
 * as it is (direct-body.ts), where a Headers object per response and the copy
 * back out of it cost ~4 µs of the edge's CPU per request (issue 17).
 */
export function clientHeaders(head: ResponseHead, requestId: string, extra?: Record<string, string>): Record<string, string> | undefined {
  // No prototype: a field named __proto__ is a field like any other.
  const headers: Record<string, string> = Object.create(null);
  for (const name in head.headers) {
    const value = head.headers[name];
    const lower = name.toLowerCase();
    if (DROPPED_HEADERS.has(lower)) continue;
    // Control characters are not valid HTTP (Node's writeHead would throw on them).
    if (!FIELD_NAME.test(name) || !FIELD_VALUE.test(value)) return undefined;
    // Names that differ only in case are one field: joined as Headers.append joins them.
    const first = value.charCodeAt(0);
    const last = value.charCodeAt(value.length - 1);
    const trimmed = first === 0x20 || first === 0x09 || last === 0x20 || last === 0x09 ? value.replace(OWS_EDGES, '') : value;
    const before = headers[lower];
    headers[lower] = before === undefined ? trimmed : `${before}, ${trimmed}`;
  }
  if (extra) for (const name in extra) headers[name] = extra[name];
  headers['x-request-id'] = requestId;
  return headers;
}

/** A response that has no body whatever the agent sends. */
export function hasNullBody(status: number, method: string): boolean {
  return NULL_BODY_STATUSES.has(status) || method === 'HEAD';
}

/** The final SSE event of a broken stream: the openai SDK raises APIError on it. */
export function sseErrorEvent(err: HttpError): Uint8Array {
  const event: OpenAIErrorBody = { error: { message: err.message, type: 'api_error', param: null, code: err.code } };
  return encoder.encode(`data: ${JSON.stringify(event)}\n\n`);
}
