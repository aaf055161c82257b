// Relayed response bodies written straight to Node's ServerResponse, without a
// web ReadableStream in between: @hono/node-server would read one chunk at a
// time through a reader (promise, microtasks and a transferable stream object
// per response), which cost ~11 % of the edge's CPU per token and a few KB per
// stream. The Hub leaves the body to the host (HubOptions.directBodies); this
// writes it and tells node-server the response is already sent.
import { ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Hono } from 'hono';
import { directBodyOf, directHeadOf, type BodyOutlet, type RelayBody } from '../core/relay/index';

/** app.fetch for @hono/node-server: relayed bodies are written directly, everything else as usual. */
export function directBodyFetch(app: Hono): (req: Request, env: { outgoing: unknown }) => Promise<Response> {
  return async (req, env) => {
    const res = await app.fetch(req, env);
    const body = directBodyOf(res);
    const head = directHeadOf(res);
    if (!body || !head) return res;
    // The edge listens on HTTP/1.1 only; anything else gets the body as a web stream.
    if (!(env.outgoing instanceof ServerResponse)) return new Response(body.stream, res);
    writeDirect(body, res.status, head, env.outgoing);
    return RESPONSE_ALREADY_SENT;
  };
}

/**
 * The head at once (the SDK waits for it), then each chunk as the client's socket takes it.
 * `head` is the record the relay made the Response with (withDirectBody): all of its headers,
 * the request id and rate limits included, with no cookie (response-head.ts drops them).
 */
export function writeDirect(body: RelayBody, status: number, head: Readonly<Record<string, string>>, out: ServerResponse): void {
  if (out.destroyed) return body.cancel(new Error('client went away'));
  try {
    out.writeHead(status, head);
  } catch (err) {
    // The core checks agent headers first; should one still be refused here, the stream must not stay open.
    body.cancel(err);
    throw err;
  }
  const writer = new DirectWriter(body, out);
  body.attach(writer);
  body.want();
  // Bytes already here went out with the head in one write; otherwise the head goes now,
  // as vLLM's does, so the client knows the request was taken before the first token.
  if (!writer.wrote && !out.writableEnded) out.flushHeaders();
}

/**
 * The body's outlet on one ServerResponse: an object with methods and two
 * listeners made once, rather than closures over writeDirect's scope (which kept
 * the head object alive) and a `once` wrapper per wait (issue 17, memory per stream).
 */
class DirectWriter implements BodyOutlet {
  wrote = false;
  readonly #body: RelayBody;
  readonly #out: ServerResponse;
  #drainListener: (() => void) | undefined;

  constructor(body: RelayBody, out: ServerResponse) {
    this.#body = body;
    this.#out = out;
    // 'close' comes once: `on`, not `once`, which wraps the listener in a bound function and a state object.
    out.on('close', () => {
      if (!out.writableFinished) body.cancel(new Error('client went away'));
    });
  }

  enqueue(chunk: Uint8Array): void {
    this.wrote = true;
    // The socket took it: ask for more at once; else when it drains ('drain' follows only a refused write).
    if (this.#out.write(chunk)) this.#body.want();
    else if (!this.#drainListener) {
      this.#drainListener = () => this.#body.want();
      this.#out.on('drain', this.#drainListener);
    }
  }

  close(): void {
    this.#out.end();
  }

  /**
   * No way to signal an error in a chunked body but to cut the connection (as node-server
   * does); a tick later, so the chunks written this tick leave the cork first.
   */
  error(reason: unknown): void {
    process.nextTick(() => this.#out.destroy(reason instanceof Error ? reason : new Error(String(reason))));
  }
}
