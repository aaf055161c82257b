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

/** Callbacks of one streamed upstream call, in order: response, data…, then end or error. */
export interface UpstreamHandlers {
  response(status: number, headers: IncomingHttpHeaders, body: BodySource): void;
  data(chunk: Buffer): void;
  end(): void;
  /** The call failed; `responded` says whether `response` came first. Not called after abort(). */
  error(err: Error, responded: boolean): void;
}

export interface UpstreamCall {
  /** Aborts the call at once (before or after the response); no callback follows. */
  abort(): void;
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
  stream(req: Omit<UpstreamRequest, 'signal'>, handlers: UpstreamHandlers): UpstreamCall {
    let controller: Dispatcher.DispatchController | undefined;
    let aborted = false;
    let responded = false;
    const cancelled = () => new Error('cancelled by the edge');
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (aborted) c.abort(cancelled());
      },
      onResponseStart(c, statusCode, headers) {
        if (aborted || statusCode < 200) return; // 1xx: the final response follows
        // undici leaves the raw header Buffers on the controller, which the stream keeps for
        // abort(); they are views into the socket's read buffer. The parsed copy is all we use.
        (c as { rawHeaders?: unknown }).rawHeaders = null;
        responded = true;
        handlers.response(statusCode, headers, { pause: () => c.pause(), resume: () => c.resume() });
      },
      onResponseData(_c, chunk) {
        if (!aborted) handlers.data(chunk);
      },
      onResponseEnd() {
        if (!aborted) handlers.end();
      },
      onResponseError(_c, err) {
        if (!aborted) handlers.error(err, responded);
      },
    };
    try {
      this.#pool.dispatch(this.#options(req), handler);
    } catch (err) {
      queueMicrotask(() => handler.onResponseError!(controller!, err as Error));
    }
    return {
      abort() {
        if (aborted) return;
        aborted = true;
        controller?.abort(cancelled());
      },
    };
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
