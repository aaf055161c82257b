// One error shape per API family: Ollama's `{"error": "..."}` under /api/, OpenAI's
// `{"error": {message, type, param, code}}` everywhere else.
import { errorResponse, type HttpError } from '../errors';

/** Paths answered in Ollama's shape. */
export function isOllamaPath(pathname: string): boolean {
  return pathname === '/api' || pathname.startsWith('/api/');
}

/** Ollama's error body: one string (the ollama clients throw `new Error(body.error)`). */
export function ollamaErrorResponse(err: HttpError, requestId?: string): Response {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', ...err.headers };
  if (requestId) headers['x-request-id'] = requestId;
  return new Response(JSON.stringify({ error: err.message }), { status: err.status, headers });
}

/** The error in the shape of the family `pathname` belongs to. */
export function errorResponseFor(pathname: string, err: HttpError, requestId?: string): Response {
  return isOllamaPath(pathname) ? ollamaErrorResponse(err, requestId) : errorResponse(err, requestId);
}
