import { describe, expect, it } from 'vitest';
import { clientErrorToHttp } from './client-errors';

const err = (code: string, rawPacket?: string) => Object.assign(new Error(code), { code, rawPacket: rawPacket === undefined ? undefined : Buffer.from(rawPacket) });

describe('clientErrorToHttp', () => {
  it.each([
    ['headers over maxHeaderSize', err('HPE_HEADER_OVERFLOW', `GET /v1/models HTTP/1.1\r\nX-Big: ${'b'.repeat(20_000)}`), 431, 'request_headers_too_large'],
    ['a request line over maxHeaderSize', err('HPE_HEADER_OVERFLOW', `GET /v1/models?${'a'.repeat(20_000)}`), 414, 'uri_too_long'],
    ['slow headers', err('ERR_HTTP_REQUEST_TIMEOUT'), 408, 'request_timeout'],
    ['a control character in a header', err('HPE_INVALID_HEADER_TOKEN'), 400, 'invalid_http_request'],
  ])('answers %s with %i %s', (_, e, status, code) => {
    const http = clientErrorToHttp(e);
    expect([http.status, http.code]).toEqual([status, code]);
  });
});
