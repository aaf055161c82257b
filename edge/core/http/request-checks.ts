// What the edge checks of a client request before it builds a `request` frame:
// everything that goes in the frame must pass the protocol's own schema and size
// limit, or the agent would take the frame as a protocol violation and drop the
// whole link (issue 13, defect 1). Any route that relays (/v1, /api) calls these.
import { controlSchemas, MAX_CONTROL_PAYLOAD, MAX_MODEL_NAME, MAX_REQUEST_PATH, type RequestHead } from '../../../protocol/index';
import { HttpError } from '../errors';
import { MAX_REQUEST_HEADER_BYTES, MAX_REQUEST_HEADERS } from '../defaults';
import { headersTooLarge as headersError, urlTooLong } from '../hub/index';

export { MAX_REQUEST_PATH };
/** Longest `model` a frame may carry (protocol/limits.ts). */
export const MAX_MODEL_LENGTH = MAX_MODEL_NAME;

const encoder = new TextEncoder();

export function uriTooLong(length: number): HttpError {
  return urlTooLong(`The request URL is ${length} characters long; the limit is ${MAX_REQUEST_PATH}.`);
}

export function headersTooLarge(what: string): HttpError {
  return headersError(`Request headers are too large: ${what}.`);
}

/** 414 when a path and query cannot go in a frame; callable before anything else is read. */
export function checkRequestPath(path: string): void {
  if (path.length > MAX_REQUEST_PATH) throw uriTooLong(path.length);
}

/** 431 when the forwarded headers are too many or too large for one frame; returns their characters. */
export function checkRequestHeaders(headers: Record<string, string>): number {
  let count = 0;
  let bytes = 0;
  for (const name in headers) {
    count++;
    bytes += name.length + headers[name].length;
  }
  if (count > MAX_REQUEST_HEADERS) throw headersTooLarge(`${count} headers, the limit is ${MAX_REQUEST_HEADERS}`);
  if (bytes > MAX_REQUEST_HEADER_BYTES) throw headersTooLarge(`${bytes} bytes, the limit is ${MAX_REQUEST_HEADER_BYTES}`);
  return bytes + 6 * count; // with the quotes, colon and comma each header costs in JSON
}

/** 400 when a model name cannot go in a frame. */
export function checkModelName(model: string): void {
  if (model.length > MAX_MODEL_LENGTH) {
    throw new HttpError(400, 'invalid_value', `The model name is ${model.length} characters long; the limit is ${MAX_MODEL_LENGTH}.`, { param: 'model' });
  }
}

/** JSON escaping writes at most 6 bytes per UTF-16 unit (`\u001f`); UTF-8, at most 3. */
const MAX_BYTES_PER_CHAR = 6;
/** The head's keys and punctuation outside the headers, generously. */
const HEAD_OVERHEAD = 128;

/**
 * The last word before a frame is built: the head as the protocol's schema and
 * size limit would judge it at the agent. Each field has its own check above with
 * a specific status; the schema catches whatever those do not (a method over 16
 * characters). A head whose worst-case encoding fits is known to pass without
 * running the schema or encoding it (that was ~20 µs a request, ~5 % of the edge's CPU).
 */
export function checkRelayHead(req: RequestHead): void {
  checkRequestPath(req.path);
  const headerChars = checkRequestHeaders(req.headers);
  if (req.model !== undefined) checkModelName(req.model);
  const chars = req.method.length + req.path.length + headerChars + req.requestId.length + (req.model?.length ?? 0);
  const simple = req.method.length >= 1 && req.method.length <= 16 && req.path.length >= 1 && req.requestId.length <= 256;
  if (simple && chars * MAX_BYTES_PER_CHAR + HEAD_OVERHEAD <= MAX_CONTROL_PAYLOAD) return;
  const parsed = controlSchemas.request.safeParse(req);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HttpError(400, 'invalid_request', `The request cannot be relayed: ${issue.path.join('.') || 'head'}: ${issue.message}.`);
  }
  const size = encoder.encode(JSON.stringify(req)).byteLength;
  if (size > MAX_CONTROL_PAYLOAD) throw headersTooLarge(`the request head is ${size} bytes, the limit is ${MAX_CONTROL_PAYLOAD}`);
}
