// How the Ollama routes reach vLLM: as an OpenAI request to the tenant's own
// OpenAI app, so keys, limits, usage, routing and cancellation are the very
// ones /v1 has. Its errors come back as HttpErrors for Ollama's error shape.
import { HttpError } from '../errors';
import type { ClientSignal } from '../hub/index';
import { directBodyOf } from '../relay/index';

export interface FetchApp {
  fetch(req: Request, env?: unknown): Response | Promise<Response>;
}

export interface UpstreamContext {
  app: FetchApp;
  /** The client's request URL: the origin the inner request is made against. */
  url: string;
  authorization: string;
  requestId: string;
  /** Aborts when the client goes away. */
  signal: AbortSignal;
}

/** An AbortSignal that follows a host's ClientSignal (Node's is not an AbortSignal). */
export function abortSignalOf(client: ClientSignal): AbortSignal {
  const controller = new AbortController();
  if (client.aborted) controller.abort();
  else client.addEventListener('abort', () => controller.abort(), { once: true });
  return controller.signal;
}

/** The OpenAI response for `path`; a non-2xx answer is thrown as an HttpError with its status and message. */
export async function callOpenAI(ctx: UpstreamContext, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { authorization: ctx.authorization, 'x-request-id': ctx.requestId };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const req = new Request(new URL(path, ctx.url), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: ctx.signal,
  });
  const answer = await ctx.app.fetch(req);
  // A relayed body the Node host would have written itself is read here as a web stream.
  const direct = directBodyOf(answer);
  const res = direct ? new Response(direct.stream, answer) : answer;
  if (res.ok) return res;
  throw await upstreamError(res);
}

/** The response's body stream. */
export function bodyOf(res: Response): ReadableStream<Uint8Array> {
  const body = res.body;
  if (!body) throw new HttpError(502, 'empty_upstream_body', 'The upstream answered without a body.');
  return body;
}

/** The message of an OpenAI error body (`{error: {message}}`), of vLLM's older one (`{message}`), or the status. */
async function upstreamError(res: Response): Promise<HttpError> {
  let message = `The upstream answered ${res.status}.`;
  let code = 'upstream_error';
  try {
    const body = (await res.json()) as { error?: { message?: unknown; code?: unknown } | string; message?: unknown };
    const inner = typeof body.error === 'object' && body.error !== null ? body.error : undefined;
    const text = inner?.message ?? (typeof body.error === 'string' ? body.error : body.message);
    if (typeof text === 'string' && text !== '') message = text;
    if (typeof inner?.code === 'string') code = inner.code;
  } catch {
    // Not JSON: the status says enough.
  }
  const headers: Record<string, string> = {};
  const retryAfter = res.headers.get('retry-after');
  if (retryAfter) headers['retry-after'] = retryAfter;
  return new HttpError(res.status, code, message, { headers });
}
