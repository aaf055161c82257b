// Token usage for `end {usage}` without changing what the client receives:
// streamed requests are made to report usage (stream_options.include_usage) and
// the extra usage event is cut from the stream again; JSON bodies are read at the end.
import { STREAM_OPTIONS_PATHS, usageHint, type RequestHead, type Usage } from '../../protocol/index';

/** Reads usage from a response body as it passes through; may rewrite SSE. */
export interface UsageTap {
  /** Bytes to forward for this upstream chunk (possibly none yet). */
  push(chunk: Uint8Array): Uint8Array | undefined;
  /** The body ended: bytes still held back, if any. */
  finish(): Uint8Array | undefined;
  readonly usage: Usage | undefined;
}

export interface UsagePlan {
  /** The body to send upstream (rewritten when usage had to be asked for). */
  body: Uint8Array;
  /** The agent added include_usage: strip the usage-only event from the stream. */
  strip: boolean;
}

/** JSON bodies up to this size are parsed whole; larger ones (embeddings of big batches) are scanned from the tail. */
const JSON_PARSE_MAX = 1024 * 1024;
/** vLLM writes usage after choices/data, so it lies within the last few KiB of a big body. */
const JSON_TAIL = 64 * 1024;
/** A partial SSE event larger than this is not a token chunk; stop looking inside it. */
const SSE_EVENT_MAX = 1024 * 1024;

const encoder = new TextEncoder();

/** Decides whether the upstream request must ask for usage, and rewrites its body if so. */
export function planUsage(head: Pick<RequestHead, 'method' | 'path' | 'usageHint'>, body: Uint8Array): UsagePlan {
  const untouched = { body, strip: false };
  // The edge parsed the body already and says what it needs (protocol/usage-hint.ts);
  // without its hint (or with a body the splice cannot take) the agent reads the body.
  if (head.usageHint === 'as-sent') return untouched;
  const spliced = head.usageHint === 'ask' ? appendIncludeUsage(body) : undefined;
  if (spliced) return { body: spliced, strip: true };
  const pathname = head.path.split('?')[0];
  if (head.method !== 'POST' || !STREAM_OPTIONS_PATHS.has(pathname)) return untouched;
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  // Cheap pre-check (memmem) so a large non-streamed body, e.g. base64 images, is never parsed.
  if (!bytes.includes('"stream"')) return untouched;
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    return untouched; // vLLM will answer 400 itself
  }
  if (json === null || typeof json !== 'object') return untouched;
  const hint = usageHint(head.method, pathname, json as Record<string, unknown>);
  if (hint === 'as-sent') return untouched;
  // Splice rather than re-serialise: JSON.stringify would round integers beyond 2^53 (e.g. a seed).
  const added = hint === 'ask' ? appendIncludeUsage(body) : undefined;
  if (added) return { body: added, strip: true };
  const rewritten = json as { stream_options?: unknown };
  rewritten.stream_options = { ...(rewritten.stream_options as object | null), include_usage: true };
  return { body: encoder.encode(JSON.stringify(rewritten)), strip: true };
}

const INCLUDE_USAGE = Buffer.from(',"stream_options":{"include_usage":true}}');

/** `{…}` with include_usage added before its closing brace, as bytes; undefined if the body does not end in `}`. */
function appendIncludeUsage(body: Uint8Array): Uint8Array | undefined {
  let end = body.byteLength;
  while (end > 0 && (body[end - 1] === 0x20 || body[end - 1] === 0x0a || body[end - 1] === 0x0d || body[end - 1] === 0x09)) end--;
  if (end < 2 || body[end - 1] !== 0x7d) return undefined;
  const out = Buffer.allocUnsafe(end - 1 + INCLUDE_USAGE.byteLength);
  out.set(body.subarray(0, end - 1), 0);
  out.set(INCLUDE_USAGE, end - 1);
  return out;
}

/** The tap for a response, by its content type. */
export function createUsageTap(contentType: string | undefined, strip: boolean): UsageTap {
  if (contentType?.startsWith('text/event-stream')) return new SseUsageTap(strip);
  if (contentType?.includes('json')) return new JsonUsageTap();
  return { push: (chunk) => chunk, finish: () => undefined, usage: undefined };
}

/** Usage from a parsed `usage` value, if it has the OpenAI shape. */
function toUsage(value: unknown): Usage | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const { prompt_tokens: prompt, completion_tokens: completion } = value as Record<string, unknown>;
  if (!Number.isInteger(prompt)) return undefined;
  // Embeddings report no completion tokens.
  return { prompt_tokens: prompt as number, completion_tokens: Number.isInteger(completion) ? (completion as number) : 0 };
}

/** Where the last whole event ends: after its blank line, "\n\n" or "\r\n\r\n" (SSE spec). */
function completeEventsEnd(text: string): number {
  const lf = text.lastIndexOf('\n\n');
  const crlf = text.lastIndexOf('\n\r\n');
  return Math.max(lf < 0 ? 0 : lf + 2, crlf < 0 ? 0 : crlf + 3);
}

/** An event worth parsing: `"usage"` followed by an object, not null. Escaped quotes in content never match. */
const USAGE_OBJECT = /"usage"\s*:\s*\{/;

/** `"usage"` as bytes: a chunk without it needs no decoding (an escaped quote inside content reads `\"usage\"`). */
const USAGE_KEY = Buffer.from('"usage"');
const LF = 0x0a;
const CR = 0x0d;

/** The chunk ends exactly at an event's end: a blank line, "\n\n" or "\r\n\r\n". */
function endsAtEventEnd(chunk: Uint8Array): boolean {
  const n = chunk.byteLength;
  return n >= 2 && chunk[n - 1] === LF && (chunk[n - 2] === LF || (n >= 4 && chunk[n - 2] === CR && chunk[n - 3] === LF));
}

/**
 * `text` cut after each blank line ("\n\n" or "\n\r\n"): its events, each with
 * its terminator, and any partial one last. Joined, they are `text` again.
 * (A scan: the look-behind regex split it replaces was ~1 % of the agent's CPU per request.)
 */
export function splitEvents(text: string): string[] {
  const events: string[] = [];
  let from = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
    const next = text.charCodeAt(i + 1);
    const end = next === LF ? i + 2 : next === CR && text.charCodeAt(i + 2) === LF ? i + 3 : -1;
    if (end < 0) continue;
    events.push(text.slice(from, end));
    from = end;
    i = end - 1;
  }
  if (from < text.length) events.push(text.slice(from));
  return events;
}

/** undici hands over Buffers already; only another Uint8Array needs a Buffer view (an object per chunk). */
function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

export class SseUsageTap implements UsageTap {
  usage: Usage | undefined;
  #strip: boolean;
  /** Made when a chunk must be read as text (usually only the last, with the usage event), so a held stream carries none. */
  #decoder: TextDecoder | undefined;
  #partial = '';
  /** The decoder holds no bytes of a split character (the last chunk it took ended in ASCII). */
  #decoderClean = true;

  constructor(strip: boolean) {
    this.#strip = strip;
  }

  push(chunk: Uint8Array): Uint8Array | undefined {
    // The usual chunk from vLLM: whole events, none with usage, nothing held
    // from before. Its bytes go on untouched without being decoded (decoding
    // and scanning every chunk was a fifth of the agent's CPU per token).
    // Ending at an event's end, it leaves the decoder with no partial character.
    if (this.#partial === '' && this.#decoderClean && endsAtEventEnd(chunk) && asBuffer(chunk).indexOf(USAGE_KEY) < 0) {
      return chunk;
    }
    this.#decoder ??= new TextDecoder();
    const text = this.#partial + this.#decoder.decode(chunk, { stream: true });
    this.#decoderClean = chunk.byteLength === 0 ? this.#decoderClean : chunk[chunk.byteLength - 1] < 0x80;
    let end = completeEventsEnd(text);
    // A partial "event" this big is no token chunk: pass it on rather than hold it.
    if (text.length - end > SSE_EVENT_MAX) end = text.length;
    const complete = text.slice(0, end);
    const hadPartial = this.#partial !== '';
    this.#partial = text.slice(end);
    const hasUsage = USAGE_OBJECT.test(complete);
    if (!this.#strip) {
      if (hasUsage) this.#events(complete);
      return chunk;
    }
    // The usual vLLM chunk is one whole event without usage: forward the very bytes.
    if (!hadPartial && this.#partial === '' && !hasUsage) return chunk;
    const kept = hasUsage ? this.#events(complete) : complete;
    return kept ? encoder.encode(kept) : undefined;
  }

  finish(): Uint8Array | undefined {
    const rest = this.#partial + (this.#decoder?.decode() ?? '');
    this.#partial = '';
    const kept = USAGE_OBJECT.test(rest) ? this.#events(rest) : rest;
    return this.#strip && kept ? encoder.encode(kept) : undefined;
  }

  /** Reads usage from the events in `text`; returns the text minus a usage-only event when stripping. */
  #events(text: string): string {
    let kept = '';
    for (const event of splitEvents(text)) {
      if (!USAGE_OBJECT.test(event)) {
        kept += event;
        continue;
      }
      const data = event
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n');
      let json: { usage?: unknown; choices?: unknown } | undefined;
      try {
        json = JSON.parse(data);
      } catch {
        json = undefined;
      }
      this.usage = toUsage(json?.usage) ?? this.usage;
      const usageOnly = Array.isArray(json?.choices) && json.choices.length === 0;
      if (!(this.#strip && usageOnly && this.usage)) kept += event;
    }
    return kept;
  }
}

export class JsonUsageTap implements UsageTap {
  #chunks: Uint8Array[] = [];
  #bytes = 0;
  #usage: Usage | undefined;
  #done = false;

  get usage(): Usage | undefined {
    if (!this.#done) return undefined;
    return this.#usage;
  }

  push(chunk: Uint8Array): Uint8Array {
    this.#chunks.push(chunk);
    this.#bytes += chunk.byteLength;
    if (this.#bytes > JSON_PARSE_MAX + JSON_TAIL) {
      // Keep only a tail: drop whole leading chunks while a full tail remains.
      while (this.#chunks.length > 1 && this.#bytes - this.#chunks[0].byteLength >= JSON_TAIL) this.#bytes -= this.#chunks.shift()!.byteLength;
    }
    return chunk;
  }

  finish(): undefined {
    this.#done = true;
    const text = Buffer.concat(this.#chunks).toString('utf8');
    this.#chunks = [];
    try {
      this.#usage = toUsage((JSON.parse(text) as { usage?: unknown }).usage);
    } catch {
      this.#usage = usageFromTail(text);
    }
    return undefined;
  }
}

/** Usage from the last `"usage"` key of a body too big to parse whole (only its tail is kept). */
function usageFromTail(text: string): Usage | undefined {
  // Quotes inside JSON strings are escaped, so an unescaped `"usage"` is a key (or a bare value).
  const at = text.lastIndexOf('"usage"');
  if (at < 0) return undefined;
  const window = text.slice(at, at + 512);
  const prompt = /"prompt_tokens"\s*:\s*(\d+)/.exec(window);
  const completion = /"completion_tokens"\s*:\s*(\d+)/.exec(window);
  return prompt ? { prompt_tokens: Number(prompt[1]), completion_tokens: completion ? Number(completion[1]) : 0 } : undefined;
}
