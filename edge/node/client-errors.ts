// What the Node host answers when Node's HTTP parser refuses a request before
// the app sees it (headers over maxHeaderSize, slow headers, malformed HTTP):
// the status Node would give, with OpenAI's error body instead of an empty one.
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorJson, HttpError } from '../core/errors';
import { requestIdFrom, MAX_REQUEST_PATH } from '../core/http/index';

type ClientError = Error & { code?: string; rawPacket?: Buffer };

/** The HttpError for a parser error; an overflow whose request line alone is too long is a URL, 414. */
export function clientErrorToHttp(err: ClientError): HttpError {
  const code = err.code ?? '';
  if (code === 'HPE_HEADER_OVERFLOW') {
    const raw = err.rawPacket;
    const lineEnd = raw ? raw.indexOf('\r\n') : -1;
    if (raw && (lineEnd === -1 || lineEnd > MAX_REQUEST_PATH + 32)) {
      return new HttpError(414, 'uri_too_long', `The request URL is longer than the limit of ${MAX_REQUEST_PATH} characters.`);
    }
    return new HttpError(431, 'request_headers_too_large', 'Request headers are too large: over the 16 KiB the edge reads.');
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return new HttpError(408, 'request_timeout', 'The request headers did not arrive in time.');
  }
  return new HttpError(400, 'invalid_http_request', `The request is not valid HTTP/1.1 (${code || err.message}).`);
}

/** server.on('clientError', …): one response with a body, then the connection closes. */
export function answerClientError(err: ClientError, socket: Duplex): void {
  const started = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
  if (err.code === 'ECONNRESET' || !socket.writable || started) {
    socket.destroy();
    return;
  }
  const http = clientErrorToHttp(err);
  const body = errorJson(http);
  socket.end(
    `HTTP/1.1 ${http.status} ${STATUS_CODES[http.status]}\r\n` +
      'content-type: application/json\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      `x-request-id: ${requestIdFrom(undefined)}\r\n` +
      'connection: close\r\n\r\n' +
      body,
  );
}
