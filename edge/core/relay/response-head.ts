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

/** The head's headers for the client, with the request id; undefined when one is not valid HTTP. */
export function clientHeaders(head: ResponseHead, requestId: string): Headers | undefined {
  try {
    const headers = new Headers();
    for (const [name, value] of Object.entries(head.headers)) {
      if (DROPPED_HEADERS.has(name.toLowerCase())) continue;
      // Headers lets control characters through; HTTP (and Node's writeHead) does not.
      if (!FIELD_VALUE.test(value)) return undefined;
      headers.append(name, value);
    }
    headers.set('x-request-id', requestId);
    return headers;
  } catch {
    return undefined;
  }
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
