// Hand-written checks for the control frames every request carries (request,
// response, end, window, error, cancel) and the heartbeats: zod's safeParse of
// a request head cost ~20 µs at the edge and the agent each (issue 17). A check
// accepts only what its zod schema accepts and returns what zod would return;
// anything else gives undefined and goes to zod, which words the error. The
// property test in control-fast.test.ts holds the two to each other.
import type { ControlTypeName } from './frame-types';
import { USAGE_HINTS, type UsageHint } from './usage-hint';
import {
  headersOverBytes,
  MAX_HEADER_COUNT,
  MAX_MODEL_NAME,
  MAX_REQUEST_HEADER_BYTES,
  MAX_REQUEST_ID,
  MAX_REQUEST_METHOD,
  MAX_REQUEST_PATH,
  MAX_RESPONSE_HEAD_BYTES,
} from './limits';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const optionalString = (v: unknown, max: number) => v === undefined || (typeof v === 'string' && v.length <= max);

/** A header record within the count and byte limits, copied; undefined when not. */
function headers(v: unknown, maxBytes: number): Record<string, string> | undefined {
  if (!isObject(v)) return undefined;
  const out: Record<string, string> = {};
  let count = 0;
  let chars = 0;
  for (const name of Object.keys(v)) {
    const value = v[name];
    if (typeof value !== 'string') return undefined;
    out[name] = value;
    count++;
    chars += name.length + value.length;
  }
  if (count > MAX_HEADER_COUNT) return undefined;
  if (headersOverBytes(out, chars, maxBytes)) return undefined;
  return out;
}

function usage(v: unknown): { prompt_tokens: number; completion_tokens: number } | undefined {
  if (!isObject(v)) return undefined;
  const { prompt_tokens, completion_tokens } = v;
  if (!isInt(prompt_tokens) || prompt_tokens < 0 || !isInt(completion_tokens) || completion_tokens < 0) return undefined;
  return { prompt_tokens, completion_tokens };
}

/** An object holding at most an optional string `reason` of ≤ 256 characters. */
function reasonOnly(v: unknown): { reason?: string } | undefined {
  if (!isObject(v) || !optionalString(v.reason, 256)) return undefined;
  return v.reason === undefined ? {} : { reason: v.reason as string };
}

function timestamp(v: unknown): { t: number } | undefined {
  if (!isObject(v) || typeof v.t !== 'number' || !Number.isFinite(v.t)) return undefined;
  return { t: v.t };
}

export const fastControl: Partial<Record<ControlTypeName, (json: unknown) => unknown>> = {
  request(v) {
    if (!isObject(v)) return undefined;
    const { method, path, requestId, model, usageHint } = v;
    if (typeof method !== 'string' || method.length < 1 || method.length > MAX_REQUEST_METHOD) return undefined;
    if (typeof path !== 'string' || path.length < 1 || path.length > MAX_REQUEST_PATH) return undefined;
    if (typeof requestId !== 'string' || requestId.length > MAX_REQUEST_ID) return undefined;
    if (!optionalString(model, MAX_MODEL_NAME)) return undefined;
    if (usageHint !== undefined && !USAGE_HINTS.includes(usageHint as UsageHint)) return undefined;
    const h = headers(v.headers, MAX_REQUEST_HEADER_BYTES);
    if (!h) return undefined;
    const head: { method: string; path: string; headers: Record<string, string>; requestId: string; model?: string; usageHint?: UsageHint } = { method, path, headers: h, requestId };
    if (model !== undefined) head.model = model as string;
    if (usageHint !== undefined) head.usageHint = usageHint as UsageHint;
    return head;
  },
  response(v) {
    if (!isObject(v) || !isInt(v.status) || v.status < 100 || v.status > 599) return undefined;
    const h = headers(v.headers, MAX_RESPONSE_HEAD_BYTES);
    return h && { status: v.status, headers: h };
  },
  end(v) {
    if (!isObject(v)) return undefined;
    if (v.usage === undefined) return {};
    const u = usage(v.usage);
    return u && { usage: u };
  },
  error(v) {
    if (!isObject(v)) return undefined;
    const { code, message, status, retry } = v;
    if (typeof code !== 'string' || code.length > 64 || typeof message !== 'string' || message.length > 4096) return undefined;
    if (status !== undefined && (!isInt(status) || status < 400 || status > 599)) return undefined;
    if (retry !== undefined && typeof retry !== 'boolean') return undefined;
    const out: { code: string; message: string; status?: number; retry?: boolean } = { code, message };
    if (status !== undefined) out.status = status;
    if (retry !== undefined) out.retry = retry;
    return out;
  },
  window(v) {
    if (!isObject(v) || !isInt(v.bytes) || v.bytes < 1 || v.bytes > 2 ** 31) return undefined;
    return { bytes: v.bytes };
  },
  cancel: reasonOnly,
  drain: reasonOnly,
  ping: timestamp,
  pong: timestamp,
};
