// The one onError and notFound of every edge Hono app: HttpError → its status and
// its family's body (OpenAI's, or Ollama's under /api/); anything else → logged
// with the request id, 500 `internal_error`.
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { errorResponseFor } from './error-shape';
import { HttpError } from '../errors';
import { noLog, type LineLog } from '../log';
import { requestIdFrom } from './request-id';

function idOf(c: Context): string {
  return (c.get('requestId') as string | undefined) ?? requestIdFrom(c.req.header('x-request-id'));
}

export function onError(log: LineLog = noLog): ErrorHandler {
  return (err, c) => {
    const id = idOf(c);
    const path = new URL(c.req.url).pathname;
    if (err instanceof HttpError) return errorResponseFor(path, err, id);
    log(`request ${id} ${c.req.method} ${path} failed: ${err.stack ?? String(err)}`);
    return errorResponseFor(path, new HttpError(500, 'internal_error', 'The server had an error while processing your request.', { cause: err }), id);
  };
}

/** 404 naming the method and path like OpenAI's "Invalid URL" error, in the path's family's shape. */
export const notFound: NotFoundHandler = (c) => {
  const path = new URL(c.req.url).pathname;
  return errorResponseFor(path, new HttpError(404, 'unknown_url', `Invalid URL (${c.req.method} ${path})`), idOf(c));
};

export const invalidApiKey = (): HttpError =>
  new HttpError(401, 'invalid_api_key', 'Incorrect API key provided.');
