import { describe, expect, it } from 'vitest';
import { HttpError } from '../errors';
import { readBody } from './request-body';

const bytes = (n: number) => new Uint8Array(n).fill(0x61);

function streamed(chunks: Uint8Array[]): Request {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(c);
      controller.close();
    },
  });
  return new Request('http://x/v1/completions', { method: 'POST', body, duplex: 'half' } as RequestInit);
}

async function failure(p: Promise<unknown>): Promise<HttpError> {
  try {
    await p;
  } catch (err) {
    return err as HttpError;
  }
  throw new Error('expected a rejection');
}

describe('readBody', () => {
  it('reads a body with a declared length whole', async () => {
    const req = new Request('http://x/', { method: 'POST', body: bytes(1000), headers: { 'content-length': '1000' } });
    expect(await readBody(req, 1000)).toEqual(bytes(1000));
  });

  it('answers 413 from the declared length before reading', async () => {
    const req = new Request('http://x/', { method: 'POST', body: bytes(1001), headers: { 'content-length': '1001' } });
    const err = await failure(readBody(req, 1000));
    expect(err.status).toBe(413);
    expect(req.bodyUsed).toBe(false);
  });

  it('reads a body without a length chunk by chunk, and stops at the limit', async () => {
    expect(await readBody(streamed([bytes(400), bytes(600)]), 1000)).toEqual(bytes(1000));
    const err = await failure(readBody(streamed([bytes(600), bytes(600), bytes(600)]), 1000));
    expect(err.status).toBe(413);
    expect(err.code).toBe('request_too_large');
  });

  it('gives an empty body for a request without one', async () => {
    expect(await readBody(new Request('http://x/', { method: 'POST' }), 10)).toEqual(new Uint8Array(0));
  });
});

describe('readBody with a time limit', () => {
  it('answers 408 request_timeout, asking to close the connection, when a chunked body never ends', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array([0x7b]));
      },
      cancel() {
        cancelled = true;
      },
    });
    const req = new Request('http://x/v1/completions', { method: 'POST', body, duplex: 'half' } as RequestInit);
    const err = await failure(readBody(req, 1000, 50));
    expect(err).toBeInstanceOf(HttpError);
    expect([err.status, err.code, err.headers.connection]).toEqual([408, 'request_timeout', 'close']);
    expect(cancelled).toBe(true);
  });

  it('reads a body that ends in time', async () => {
    expect(await readBody(streamed([bytes(10), bytes(5)]), 1000, 5000)).toEqual(bytes(15));
  });
});
