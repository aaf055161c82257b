// Reads a request body as JSON with a size cap, turning every way it can go
// wrong into a SimHttpError instead of a crash.
import type { IncomingMessage } from 'node:http';
import { badRequest, SimHttpError } from './http-error';

function tooLarge(limit: number): SimHttpError {
  return new SimHttpError(413, 'ERR_TOO_LARGE', `Request body exceeds ${limit} bytes`);
}

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) return reject(tooLarge(limit));
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.once('error', (err) => reject(new SimHttpError(400, 'ERR_BAD_REQUEST', 'Request body could not be read', err)));
    // A client gone mid-body may close without an error event; settle anyway.
    req.once('close', () => {
      if (!req.complete) reject(new SimHttpError(400, 'ERR_BAD_REQUEST', 'Client closed the connection mid-body'));
    });
  });
}

export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const body = await readBody(req, limit);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw badRequest(`Invalid JSON body: ${(err as Error).message}`, err);
  }
}
