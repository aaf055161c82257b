// A relayed request's body read from Node's IncomingMessage, under the same
// byte and time limits as the core's readBody (edge/core/http/request-body.ts),
// without the web Request in between: @hono/node-server would build an
// ArrayBuffer through its body reader, and the core would arm a timer per
// request. A body the parser has already pushed whole is taken at once, with
// no timer and no listener. Often it has not, even when it came in the same
// packet as the headers: Node runs microtasks between the parser's header and
// body callbacks, so the route can get here first (issue 17's trace). Such a
// body settles on its last declared byte, not a turn later on 'end'.
import type { IncomingMessage } from 'node:http';
import { bodyReadFailed, declaredLength, tooLarge, tooSlow } from '../core/http/index';

/**
 * The whole body; 413 from Content-Length before reading, or as soon as the count
 * passes the limit; 408 when it has not all arrived `timeoutMs` after the call;
 * 400 when it breaks off. The bytes are a copy, never a view of Node's read buffers.
 */
export function readIncoming(incoming: IncomingMessage, limit: number, timeoutMs?: number): Promise<Uint8Array> {
  const length = declaredLength(incoming.headers['content-length']);
  if (length !== undefined && length > limit) return Promise.reject(tooLarge(limit));
  if (incoming.complete && !incoming.readableFlowing) return takeBuffered(incoming, limit);
  return new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => stop(tooSlow(timeoutMs)), timeoutMs);
    const stop = (err?: Error) => {
      clearTimeout(timer);
      incoming.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (!err) return resolve(Buffer.concat(chunks, total));
      // What is left is read and dropped, so Node can answer on this connection
      // (a 408 also closes it: its Connection: close).
      incoming.resume();
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > limit) stop(tooLarge(limit));
      else {
        chunks.push(chunk);
        // All the declared bytes are here (the parser allows no more): no need to wait for 'end'.
        if (total === length) stop();
      }
    };
    const onEnd = () => stop();
    const onError = (err: Error) => stop(bodyReadFailed(err));
    const onClose = () => {
      if (!incoming.complete) stop(bodyReadFailed(new Error('the client closed the connection before the body ended')));
    };
    incoming.on('data', onData).once('end', onEnd).once('error', onError).once('close', onClose);
  });
}

/**
 * A complete, unread body: the parser has pushed all of it (it sets `complete`
 * after the last chunk), so what is buffered is the whole body.
 */
function takeBuffered(incoming: IncomingMessage, limit: number): Promise<Uint8Array> {
  if (incoming.readableLength > limit) {
    incoming.resume();
    return Promise.reject(tooLarge(limit));
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for (let chunk: Buffer | null; (chunk = incoming.read() as Buffer | null) !== null; ) {
    chunks.push(chunk);
    total += chunk.length;
  }
  return Promise.resolve(Buffer.concat(chunks, total));
}
