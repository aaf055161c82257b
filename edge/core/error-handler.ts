// The one onError and notFound of every edge Hono app: HttpError → its status and
// OpenAI body; anything else → logged with the request id, 500 `internal_error`.
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { errorResponse, HttpError } from './errors';
import { noLog, type LineLog } from './log';
import { requestIdFrom } from './request-id';

function idOf(c: Context): string {
  return (c.get('requestId') as string | undefined) ?? requestIdFrom(c.req.header('x-request-id'));
}

export function onError(log: LineLog = noLog): ErrorHandler {
  return (err, c) => {
    const id = idOf(c);
    if (err instanceof HttpError) return errorResponse(err, id);
    log(`request ${id} ${c.req.method} ${new URL(c.req.url).pathname} failed: ${err.stack ?? String(err)}`);
    return errorResponse(new HttpError(500, 'internal_error', 'The server had an error while processing your request.', { cause: err }), id);
  };
}

/** 404 in OpenAI's shape, naming the method and path like OpenAI's "Invalid URL" error. */
export const notFound: NotFoundHandler = (c) =>
  errorResponse(
    new HttpError(404, 'unknown_url', `Invalid URL (${c.req.method} ${new URL(c.req.url).pathname})`),
    idOf(c),
  );

export const invalidApiKey = (): HttpError =>
  new HttpError(401, 'invalid_api_key', 'Incorrect API key provided.');
