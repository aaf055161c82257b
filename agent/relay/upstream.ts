// The OpenAI-compatible server the agent relays to (vLLM or the simulator):
// one undici keep-alive pool sized for vLLM's --max-num-seqs.
import type { IncomingHttpHeaders } from 'node:http';
import { Pool, type Dispatcher } from 'undici';
import { MAX_INFLIGHT, MODELS_TIMEOUT_MS, UPSTREAM_TIMEOUT_MS } from '../defaults';

export interface UpstreamRequest {
  method: string;
  /** Path and query as the client sent it, e.g. /v1/chat/completions. */
  path: string;
  headers: Record<string, string>;
  body: Uint8Array | null;
  signal: AbortSignal;
}

export type UpstreamResponse = Dispatcher.ResponseData;

/**
 * Request bodies larger than this go to undici as a one-shot iterable rather
 * than a Buffer: undici keeps a Buffer body referenced until the response
 * ends, so every stream would hold its prompt for its whole generation (the
 * edge drops its copy once uploaded). Smaller ones stay Buffers: one write for
 * head and body, and nothing worth freeing.
 */
export const RETAINED_BODY_MAX = 16 * 1024;

/** `body` once, then nothing: the iterable holds no reference after undici has taken it. */
export function releasingBody(body: Uint8Array): Iterable<Uint8Array> {
  let held: Uint8Array | undefined = body;
  return {
    *[Symbol.iterator]() {
      const chunk = held;
      held = undefined;
      if (chunk) yield chunk;
    },
  };
}

/** Flow control over a response body being delivered (undici's dispatch controller). */
export interface BodySource {
  pause(): void;
  resume(): void;
}

/**
 * Callbacks of streamed upstream calls, in order: response, data…, then end or
 * error. One object serves every call: each callback gets the call's `ctx`
 * (issue 17: closures per call were a KB of every held stream).
 */
export interface UpstreamHandlers<C> {
  response(ctx: C, status: number, headers: IncomingHttpHeaders, body: BodySource): void;
  data(ctx: C, chunk: Buffer): void;
  end(ctx: C): void;
  /** The call failed; `responded` says whether `response` came first. Not called after abort(). */
  error(ctx: C, err: Error, responded: boolean): void;
}

export interface UpstreamCall {
  /** Aborts the call at once (before or after the response); no callback follows. */
  abort(): void;
}

const cancelled = () => new Error('cancelled by the edge');

/** One streamed call: undici's dispatch handler, the body's flow control and the caller's handle, in one object. */
class StreamedCall<C> implements Dispatcher.DispatchHandler, BodySource, UpstreamCall {
  readonly #handlers: UpstreamHandlers<C>;
  readonly #ctx: C;
  #controller: Dispatcher.DispatchController | undefined;
  #aborted = false;
  #responded = false;

  constructor(handlers: UpstreamHandlers<C>, ctx: C) {
    this.#handlers = handlers;
    this.#ctx = ctx;
  }

  onRequestStart(c: Dispatcher.DispatchController): void {
    this.#controller = c;
    if (this.#aborted) c.abort(cancelled());
  }

  onResponseStart(c: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (this.#aborted || statusCode < 200) return; // 1xx: the final response follows
    // undici leaves the raw header Buffers on the controller, which the stream keeps for
    // abort(); they are views into the socket's read buffer. The parsed copy is all we use.
    (c as { rawHeaders?: unknown }).rawHeaders = null;
    this.#responded = true;
    this.#handlers.response(this.#ctx, statusCode, headers, this);
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.#aborted) this.#handlers.data(this.#ctx, chunk);
  }

  onResponseEnd(): void {
    if (!this.#aborted) this.#handlers.end(this.#ctx);
  }

  onResponseError(_c: Dispatcher.DispatchController | undefined, err: Error): void {
    if (!this.#aborted) this.#handlers.error(this.#ctx, err, this.#responded);
  }

  pause(): void {
    this.#controller?.pause();
  }

  resume(): void {
    this.#controller?.resume();
  }

  abort(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#controller?.abort(cancelled());
  }
}

export class Upstream {
  readonly url: string;
  #pool: Pool;
  #prefix: string;

  constructor(url: string, connections: number = MAX_INFLIGHT) {
    const parsed = new URL(url);
    this.url = url;
    // OpenAI base URLs end in /v1 and request paths already start with it.
    this.#prefix = parsed.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
    this.#pool = new Pool(parsed.origin, {
      // One connection per sequence vLLM can run: a request never waits in the
      // agent for a connection while vLLM has room (ARCHITECTURE.md).
      connections,
      // Pipelining would queue a request behind a whole generation on the same socket.
      pipelining: 1,
      // undici's 4 s idle keep-alive stays under uvicorn's 5 s (vLLM's server), so a
      // reused connection is never one the server is closing.
      headersTimeout: UPSTREAM_TIMEOUT_MS,
      bodyTimeout: UPSTREAM_TIMEOUT_MS,
    });
  }

  /**
   * undici's `request()` rather than fetch: no WHATWG streams per response,
   * and its Node Readable body pauses the socket when the relay stops reading.
   */
  request(req: UpstreamRequest): Promise<UpstreamResponse> {
    return this.#pool.request({ ...this.#options(req), signal: req.signal });
  }

  /**
   * The relay's call: undici's dispatch handler API, which hands over each
   * body chunk as it is parsed, with pause/resume on the connection. No
   * Readable per response: its buffering and events were ~10 % of the
   * agent's CPU per relayed token.
   */
  stream<C>(req: Omit<UpstreamRequest, 'signal'>, handlers: UpstreamHandlers<C>, ctx: C): UpstreamCall {
    const call = new StreamedCall(handlers, ctx);
    try {
      this.#pool.dispatch(this.#options(req), call);
    } catch (err) {
      queueMicrotask(() => call.onResponseError(undefined, err as Error));
    }
    return call;
  }

  /** The request as undici's options: the base URL's path prefix before the client's path. */
  #options(req: Omit<UpstreamRequest, 'signal'>): Dispatcher.DispatchOptions {
    const path = this.#prefix + req.path;
    const method = req.method as Dispatcher.HttpMethod;
    if (!req.body || req.body.byteLength <= RETAINED_BODY_MAX) return { method, path, headers: req.headers, body: req.body };
    // An iterable has no length of its own: without content-length undici would send it chunked.
    const headers = { ...req.headers, 'content-length': String(req.body.byteLength) };
    // undici's docs list Iterable among dispatch() bodies (client-h1 writeIterable); its types do not.
    return { method, path, headers, body: releasingBody(req.body) as unknown as Dispatcher.DispatchOptions['body'] };
  }

  /** Model ids from `GET /v1/models` (`data[].id`, the OpenAI list shape vLLM serves). */
  async listModels(timeoutMs: number = MODELS_TIMEOUT_MS): Promise<string[]> {
    const res = await this.request({
      method: 'GET',
      path: '/v1/models',
      headers: { accept: 'application/json' },
      body: null,
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new Error(`GET /v1/models answered ${res.statusCode}`);
    }
    const list = (await res.body.json()) as { data?: { id?: unknown }[] };
    return (list.data ?? []).map((m) => m.id).filter((id): id is string => typeof id === 'string');
  }

  close(): Promise<void> {
    return this.#pool.close();
  }

  /** Aborts everything at once (process exit after the drain grace). */
  destroy(): Promise<void> {
    return this.#pool.destroy();
  }
}
