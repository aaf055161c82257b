// Reads a request body under a byte limit (never holding more than the limit)
// and a time limit (a body that never ends gets 408), and parses the JSON the
// OpenAI endpoints take.
import { concatBytes } from '../../../protocol/index';
import { HttpError } from '../errors';

export function tooLarge(limit: number): HttpError {
  return new HttpError(413, 'request_too_large', `Request body is larger than the limit of ${limit} bytes.`);
}

export function tooSlow(timeoutMs: number): HttpError {
  // The rest of the body may still be on its way: the connection cannot be reused.
  return new HttpError(408, 'request_timeout', `The request body did not arrive within ${timeoutMs / 1000} s.`, {
    headers: { connection: 'close' },
  });
}

/**
 * The whole body; 413 from Content-Length before reading, or as soon as the count
 * passes the limit; 408 when it has not all arrived `timeoutMs` after the call.
 */
export function readBody(req: Request, limit: number, timeoutMs?: number): Promise<Uint8Array> {
  if (timeoutMs === undefined) return readWhole(req, limit, {});
  const reading: Reading = {};
  // One promise settled by whichever comes first, rather than Promise.race over a second one.
  return new Promise<Uint8Array>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(tooSlow(timeoutMs)); // first, so the read loses before cancel() ends it as if done
      reading.reader?.cancel().catch(() => {});
    }, timeoutMs);
    readWhole(req, limit, reading).then(
      (body) => {
        clearTimeout(timer);
        resolve(body);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/** The reader of a body read chunk by chunk, for the timeout to cancel. */
interface Reading {
  reader?: ReadableStreamDefaultReader<Uint8Array>;
}

/** Content-Length as a number when it is one (else the body is read to its end). */
export function declaredLength(value: string | null | undefined): number | undefined {
  return value !== null && value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** 400: the body broke off (the client went away, a bad chunked encoding). */
export function bodyReadFailed(cause: unknown): HttpError {
  return new HttpError(400, 'body_read_failed', 'The request body could not be read.', { cause });
}

async function readWhole(req: Request, limit: number, reading: Reading): Promise<Uint8Array> {
  const length = declaredLength(req.headers.get('content-length'));
  if (length !== undefined && length > limit) throw tooLarge(limit);
  if (length !== undefined) {
    // A declared length bounds the body (the HTTP parser enforces it), so read it whole:
    // on Node, @hono/node-server then skips building a web ReadableStream for the request.
    // A client that stops short is cut by the timeout's 408 (Connection: close ends the read).
    try {
      return new Uint8Array(await req.arrayBuffer());
    } catch (cause) {
      throw bodyReadFailed(cause);
    }
  }
  if (!req.body) return new Uint8Array(0);
  const reader = (reading.reader = req.body.getReader());
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let step: ReadableStreamReadResult<Uint8Array>;
    try {
      step = await reader.read();
    } catch (cause) {
      throw bodyReadFailed(cause);
    }
    if (step.done) break;
    total += step.value.byteLength;
    if (total > limit) {
      reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    chunks.push(step.value);
  }
  return concatBytes(chunks);
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** The body as a JSON value; 400 `invalid_json` when it is not UTF-8 JSON. */
export function parseJsonBody(body: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(body));
  } catch (cause) {
    throw new HttpError(400, 'invalid_json', 'We could not parse the JSON body of your request.', { cause });
  }
}
