// HTTP errors of the edge, each with its status and OpenAI error `type`/`code`;
// one function turns any of them into the OpenAI error body.

export type OpenAIErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'api_error'
  | 'service_unavailable';

export interface OpenAIErrorBody {
  error: { message: string; type: OpenAIErrorType; param: string | null; code: string };
}

export class HttpError extends Error {
  override name = 'HttpError';
  readonly status: number;
  readonly type: OpenAIErrorType;
  readonly code: string;
  readonly param: string | null;
  /** Extra response headers, e.g. Retry-After on 429/503. */
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    opts: { type?: OpenAIErrorType; param?: string; cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message, { cause: opts.cause });
    this.status = status;
    this.code = code;
    this.type = opts.type ?? defaultType(status);
    this.param = opts.param ?? null;
    this.headers = opts.headers ?? {};
  }

  toBody(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

function defaultType(status: number): OpenAIErrorType {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status === 503) return 'service_unavailable';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

/** The OpenAI error body as JSON text (also used inside SSE error events). */
export function errorJson(err: HttpError): string {
  return JSON.stringify(err.toBody());
}

/** A JSON Response carrying an HttpError. */
export function errorResponse(err: HttpError, requestId?: string): Response {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...err.headers };
  if (requestId) headers['x-request-id'] = requestId;
  return new Response(errorJson(err), { status: err.status, headers });
}
