// Errors the simulator answers with, in the OpenAI error body vLLM sends:
// {"error": {"message", "type", "param", "code"}} with the status as `code`.

const TYPES: Record<number, string> = {
  400: 'BadRequestError',
  404: 'NotFoundError',
  405: 'MethodNotAllowedError',
  413: 'RequestEntityTooLargeError',
  500: 'InternalServerError',
  503: 'ServiceUnavailableError',
};

export type SimHttpErrorCode = 'ERR_BAD_REQUEST' | 'ERR_NOT_FOUND' | 'ERR_METHOD' | 'ERR_TOO_LARGE' | 'ERR_STARTING' | 'ERR_INTERNAL';

export class SimHttpError extends Error {
  override name = 'SimHttpError';
  readonly code: SimHttpErrorCode;
  readonly status: number;

  constructor(status: number, code: SimHttpErrorCode, message: string, cause?: unknown) {
    super(message, { cause });
    this.status = status;
    this.code = code;
  }

  get type(): string {
    return TYPES[this.status] ?? 'InternalServerError';
  }

  toJSON(): { error: { message: string; type: string; param: null; code: number } } {
    return { error: { message: this.message, type: this.type, param: null, code: this.status } };
  }
}

export const badRequest = (message: string, cause?: unknown): SimHttpError => new SimHttpError(400, 'ERR_BAD_REQUEST', message, cause);

export const modelNotFound = (model: string): SimHttpError =>
  new SimHttpError(404, 'ERR_NOT_FOUND', `The model \`${model}\` does not exist.`);
