// What a `request` or `response` head may hold, in one place: the zod schemas
// enforce these numbers, and the edge checks a client's request against them
// before it builds a frame (414, 431), so it never sends one the agent refuses.
import { MAX_CONTROL_PAYLOAD } from './defaults';

/** Longest `request.path` (path and query). 2,048 is what most proxies and CDNs admit in a URL's path part. */
export const MAX_REQUEST_PATH = 2048;

/** Longest `request.method`; the longest registered HTTP method is 17 characters (UPDATEREDIRECTREF). */
export const MAX_REQUEST_METHOD = 16;

/** Most header fields in a request or response head; Node's own parser caps requests at 2,000, browsers send ~20. */
export const MAX_HEADER_COUNT = 256;

/**
 * Bytes of header names and values together in a `request` head. 32 KiB is
 * twice Node's default 16 KiB header limit, so anything Node admitted fits, and
 * with the path it stays within a control frame's 64 KiB (MAX_CONTROL_PAYLOAD).
 */
export const MAX_REQUEST_HEADER_BYTES = 32 * 1024;

/**
 * Bytes of header names and values in a `response` head from an agent. vLLM
 * sends ~200 bytes; 16 KiB is Node's default limit for a whole head, so a
 * larger head is a broken or hostile agent and ends its stream with 502 at once.
 */
export const MAX_RESPONSE_HEAD_BYTES = 16 * 1024;

/** Longest model name (`hello.models`, `request.model`; Hugging Face ids are ~100 at most) and request id the schemas admit. */
export const MAX_MODEL_NAME = 256;
export const MAX_REQUEST_ID = 256;

/** Longest `hello.agentId`: a hostname:port with room to spare, short enough to log and list. */
export const MAX_AGENT_ID_LENGTH = 128;

/**
 * Largest `hello.maxInflight` (and so the agent's --max-inflight and --max-num-seqs):
 * far above vLLM's largest practical --max-num-seqs, low enough to bound the Hub's counters.
 */
export const MAX_ADVERTISED_INFLIGHT = 100_000;

const encoder = new TextEncoder();

/** What is wrong with a head the edge is about to send, as the HTTP status that says it. */
export type HeadProblem = { status: 414 | 431 | 400; message: string };

/** Total bytes of names and values, or Infinity past `limit` (stops counting early). */
export function headerBytes(headers: Record<string, string>, limit = Infinity): number {
  let total = 0;
  for (const name in headers) {
    total += encoder.encode(name).byteLength + encoder.encode(headers[name]).byteLength;
    if (total > limit) return Infinity;
  }
  return total;
}

/**
 * Whether headers of `chars` UTF-16 units in names and values come to more than
 * `maxBytes` of UTF-8. A unit is at most 3 bytes, so a head far inside the
 * limit skips encoding each header (~7 µs a request).
 */
export function headersOverBytes(headers: Record<string, string>, chars: number, maxBytes: number): boolean {
  return chars * 3 > maxBytes && headerBytes(headers, maxBytes) > maxBytes;
}

/** Checks a request head against the protocol's limits; undefined when a `request` frame may carry it. */
export function requestHeadProblem(head: { method: string; path: string; headers: Record<string, string>; requestId: string; model?: string }): HeadProblem | undefined {
  if (head.path.length > MAX_REQUEST_PATH) return { status: 414, message: `The URL is too long: its path and query are ${head.path.length} characters, at most ${MAX_REQUEST_PATH} are relayed.` };
  let count = 0;
  let chars = 0;
  for (const name in head.headers) {
    count++;
    chars += name.length + head.headers[name].length;
  }
  if (count > MAX_HEADER_COUNT) return { status: 431, message: `Too many request headers: ${count}, at most ${MAX_HEADER_COUNT} are relayed.` };
  if (headersOverBytes(head.headers, chars, MAX_REQUEST_HEADER_BYTES)) {
    return { status: 431, message: `The request headers are too large: at most ${MAX_REQUEST_HEADER_BYTES} bytes of names and values are relayed.` };
  }
  if (head.method.length === 0 || head.method.length > MAX_REQUEST_METHOD) return { status: 400, message: 'Unsupported request method.' };
  if ((head.model?.length ?? 0) > MAX_MODEL_NAME) return { status: 400, message: `The model name is longer than ${MAX_MODEL_NAME} characters.` };
  return undefined;
}

/** Whether an encoded control payload fits a frame (JSON escaping may grow a head that passed the checks above). */
export function fitsControlFrame(payload: Uint8Array): boolean {
  return payload.byteLength <= MAX_CONTROL_PAYLOAD;
}
