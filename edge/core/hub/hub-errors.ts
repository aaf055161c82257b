// The HTTP errors the Hub answers with, in OpenAI's wording where OpenAI has one.
import { HUB_RETRY_AFTER_S } from '../defaults';
import { HttpError } from '../errors';

const retryAfter = { 'retry-after': String(HUB_RETRY_AFTER_S) };

/** Agents are connected and none serves the model, nor did lately: OpenAI's own 404. */
export function modelNotFound(model: string): HttpError {
  return new HttpError(404, 'model_not_found', `The model \`${model}\` does not exist or you do not have access to it.`, {
    param: 'model',
  });
}

/** Waited the whole queue timeout; `connected` says whether some agent serving the model is there but full. */
export function noAgent(model: string, waitedMs: number, connected: boolean): HttpError {
  const waited = `${Math.round(waitedMs / 1000)} s`;
  const message = connected
    ? `Every agent serving model \`${model}\` stayed busy or not ready; waited ${waited}.`
    : `No agent is connected that serves model \`${model}\`; retried for ${waited}.`;
  return new HttpError(503, 'no_agent', message, { headers: retryAfter });
}

export function queueFull(limit: number): HttpError {
  return new HttpError(429, 'queue_full', `Too many requests are waiting for an agent (${limit}); retry shortly.`, {
    headers: retryAfter,
  });
}

/** The client went away; nobody reads this, but relay() must settle. 499 as nginx logs it. */
export function clientClosed(): HttpError {
  return new HttpError(499, 'client_closed', 'The client closed the request.');
}

export function edgeClosing(): HttpError {
  return new HttpError(503, 'edge_closing', 'The edge is shutting down; retry shortly.', { headers: retryAfter });
}

/** Agents kept vanishing before answering this request. */
export function agentLost(attempts: number): HttpError {
  return new HttpError(502, 'agent_lost', `The agent disconnected before answering (${attempts} attempts).`);
}

/** The agent broke the stream's rules (e.g. data before response). */
export function badGateway(message: string): HttpError {
  return new HttpError(502, 'bad_gateway', message);
}

/** A bug in the Hub; the details go to the log, not the client. */
export function internalError(cause: unknown): HttpError {
  return new HttpError(500, 'internal_error', 'The edge failed to relay the request.', { cause });
}

/** The agent sent no response head within the head timeout (defaults.ts RESPONSE_HEAD_TIMEOUT_MS). */
export function headTimeout(ms: number): HttpError {
  return new HttpError(504, 'agent_timeout', `The agent sent no response within ${Math.round(ms / 1000)} s.`);
}

/** The request's URL is longer than a frame may carry (protocol/limits.ts). */
export function urlTooLong(message: string): HttpError {
  return new HttpError(414, 'uri_too_long', message);
}

/** The request's headers are more or larger than a frame may carry (protocol/limits.ts). */
export function headersTooLarge(message: string): HttpError {
  return new HttpError(431, 'request_headers_too_large', message);
}

/** Something else in the request head a frame may not carry. */
export function badRequestHead(message: string): HttpError {
  return new HttpError(400, 'invalid_request', message);
}
