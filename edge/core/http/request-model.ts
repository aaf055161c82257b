// The routing model of a relayed request, read from its body without ever
// taking a body for JSON that is not: a JSON object's `model`, a multipart
// form's `model` field, or none (then any agent of the tenant will do).
import { parseJsonBody } from './request-body';

export type BodyKind = 'json' | 'multipart' | 'other';

/** What the body is, by its Content-Type; a body without one is taken as JSON. */
export function bodyKind(contentType: string | null | undefined, body: Uint8Array): BodyKind {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type.startsWith('multipart/form-data')) return 'multipart';
  if (type === '' ? body.byteLength > 0 : type === 'application/json' || type.endsWith('+json')) return 'json';
  return 'other';
}

export interface BodyModel {
  kind: BodyKind;
  /** The model the body names, if it names one. */
  model: string | undefined;
  /** The JSON value of a JSON body. */
  json?: unknown;
}

/** The body's model; 400 `invalid_json` for a JSON body that does not parse. */
export function requestModel(contentType: string | null | undefined, body: Uint8Array): BodyModel {
  const kind = bodyKind(contentType, body);
  if (kind === 'json') {
    const json = parseJsonBody(body);
    const model = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as { model?: unknown }).model : undefined;
    return { kind, json, model: typeof model === 'string' && model !== '' ? model : undefined };
  }
  if (kind === 'multipart') return { kind, model: multipartField(contentType ?? '', body, 'model') };
  // Clients that send JSON under another type (curl -d says x-www-form-urlencoded) still get
  // routed by its model; a body that does not parse goes on as bytes, for vLLM to judge.
  const json = looksLikeObject(body) ? tryParse(body) : undefined;
  if (json === undefined) return { kind, model: undefined };
  const model = (json as { model?: unknown }).model;
  return { kind: 'json', json, model: typeof model === 'string' && model !== '' ? model : undefined };
}

function looksLikeObject(body: Uint8Array): boolean {
  let i = 0;
  while (i < body.length && (body[i] === 0x20 || body[i] === 0x09 || body[i] === 0x0a || body[i] === 0x0d)) i++;
  return body[i] === 0x7b; // '{'
}

function tryParse(body: Uint8Array): object | undefined {
  try {
    const value: unknown = parseJsonBody(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

const latin1 = new TextDecoder('latin1');
/** A form's text fields are short; a `model` value longer than this is not one. */
const FIELD_MAX = 512;

/**
 * The value of a small text field of a multipart/form-data body (RFC 7578), found by
 * scanning the bytes for its part header; undefined when absent or odd. No part is
 * decoded but the one found, so a large file part costs one byte search.
 */
export function multipartField(contentType: string, body: Uint8Array, name: string): string | undefined {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const delimiter = boundary ? `\r\n--${boundary[1] ?? boundary[2]}` : undefined;
  if (!delimiter) return undefined;
  for (const quoted of [`name="${name}"`, `name=${name}`]) {
    let at = indexOfBytes(body, quoted, 0);
    while (at >= 0) {
      const headersEnd = indexOfBytes(body, '\r\n\r\n', at);
      if (headersEnd < 0) return undefined;
      // The match must be a Content-Disposition parameter, not text inside another part.
      const lineStart = lastIndexOfBytes(body, '\r\n', at);
      const line = latin1.decode(body.subarray(lineStart < 0 ? 0 : lineStart, at)).toLowerCase();
      const next = at + quoted.length;
      const after = body[next];
      if (line.includes('content-disposition') && (after === 0x3b || after === 0x0d || after === 0x20)) {
        const start = headersEnd + 4;
        const end = indexOfBytes(body, delimiter, start);
        if (end < 0 || end - start > FIELD_MAX) return undefined;
        const value = new TextDecoder().decode(body.subarray(start, end)).trim();
        return value === '' ? undefined : value;
      }
      at = indexOfBytes(body, quoted, next);
    }
  }
  return undefined;
}

function indexOfBytes(haystack: Uint8Array, needle: string, from: number): number {
  const first = needle.charCodeAt(0);
  for (let i = haystack.indexOf(first, from); i >= 0 && i + needle.length <= haystack.length; i = haystack.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle.charCodeAt(j)) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

function lastIndexOfBytes(haystack: Uint8Array, needle: string, before: number): number {
  for (let i = Math.min(before - needle.length, haystack.length - needle.length); i >= 0; i--) {
    let j = 0;
    while (j < needle.length && haystack[i + j] === needle.charCodeAt(j)) j++;
    if (j === needle.length) return i;
  }
  return -1;
}
