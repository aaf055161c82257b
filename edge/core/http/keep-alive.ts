// SSE keep-alive for streamed requests that wait: in a key's concurrency queue
// or the Hub's queue (here), or in a long prefill (RelayBody.keepAlive). Proxies
// and clients with read timeouts see `: keep-alive` comment lines, which SSE
// parsers (the openai SDK's included) skip, so the content is unchanged.
// Once keep-alives went out the response is a 200 SSE stream: an error after
// that is a final `data: {"error":…}` event, as for a stream that fails mid-way.
import { errorJson, HttpError } from '../errors';
import type { DeadlineQueue } from '../../../protocol/index';
import { directBodyOf } from '../relay/index';
import { internalError } from '../hub/index';

export const KEEP_ALIVE_COMMENT = new TextEncoder().encode(': keep-alive\n\n');
const encoder = new TextEncoder();

export interface KeepAliveOptions {
  /** The tenant's keep-alive deadlines (one timer for all its requests): the interval is `beats.ms`. */
  beats: DeadlineQueue;
  /** Headers of the early 200 (x-request-id, x-ratelimit-*). */
  headers: Record<string, string>;
  log?: (line: string) => void;
}

/**
 * `pending` as it is when it settles within one interval; otherwise a 200 SSE
 * Response at once, with a keep-alive comment per interval until `pending`
 * settles, then its body (or an SSE error event).
 */
export function keepAliveWhileWaiting(pending: Promise<Response>, opts: KeepAliveOptions): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    let early = false;
    const deadline = opts.beats.add({
      onDeadline: () => {
        early = true;
        resolve(earlyStream(pending, opts));
      },
    });
    pending.then(
      (res) => {
        if (early) return;
        opts.beats.cancel(deadline);
        resolve(res);
      },
      (err: unknown) => {
        if (early) return;
        opts.beats.cancel(deadline);
        reject(err);
      },
    );
  });
}

function earlyStream(pending: Promise<Response>, opts: KeepAliveOptions): Response {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  let waiting = true;
  const beat = () => {
    if (!waiting) return;
    writer.write(KEEP_ALIVE_COMMENT).catch(() => {});
    timer = setTimeout(beat, opts.beats.ms);
  };
  let timer = setTimeout(beat, 0);
  const stop = () => {
    waiting = false;
    clearTimeout(timer);
  };
  writer.closed.catch(stop); // the client cancelled: stop beating (the Hub hears of it through the request's signal)
  const failWith = (err: HttpError) => {
    stop();
    writer.write(encoder.encode(`data: ${errorJson(err)}\n\n`)).catch(() => {});
    writer.close().catch(() => {});
  };
  pending.then(
    async (res) => {
      stop();
      const body = directBodyOf(res)?.stream ?? res.body;
      const sse = (res.headers.get('content-type') ?? '').startsWith('text/event-stream');
      if (res.ok && sse && body) {
        writer.releaseLock();
        return body.pipeTo(writable).catch(() => {});
      }
      // The upstream refused after all (a 4xx JSON error, say): its error, as an event.
      const text = body ? await new Response(body).text().catch(() => '') : '';
      failWith(asHttpError(res.status, text));
    },
    (err: unknown) => failWith(err instanceof HttpError ? err : internalError(err)),
  );
  const headers = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...opts.headers };
  return new Response(readable, { status: 200, headers });
}

function asHttpError(status: number, text: string): HttpError {
  try {
    const { error } = JSON.parse(text) as { error?: { message?: string; code?: string } };
    if (error?.message) return new HttpError(status, error.code ?? `upstream_${status}`, error.message);
  } catch {
    // not JSON: said below
  }
  return new HttpError(status >= 400 ? status : 502, `upstream_${status}`, `The upstream answered ${status}: ${text.slice(0, 200)}`);
}
