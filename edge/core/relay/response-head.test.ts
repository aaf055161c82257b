import { describe, expect, it } from 'vitest';
import { clientHeaders } from './response-head';

const head = (headers: Record<string, string>) => ({ status: 200, headers });

describe('clientHeaders', () => {
  it('keeps the end-to-end fields as a lower-case record, with the edge’s headers and the request id last', () => {
    const out = clientHeaders(
      head({ 'Content-Type': 'text/event-stream', 'X-Request-Id': 'agent-id', 'x-ratelimit-limit-requests': '9', Connection: 'keep-alive', 'content-length': '3', 'Set-Cookie': 'a=1' }),
      'req_1',
      { 'x-ratelimit-limit-requests': '60' },
    );
    expect({ ...out }).toEqual({ 'content-type': 'text/event-stream', 'x-ratelimit-limit-requests': '60', 'x-request-id': 'req_1' });
  });

  it('joins names that differ only in case and trims spaces and tabs from values, as Headers does', () => {
    const out = clientHeaders(head({ Vary: 'accept ', vary: '\torigin', 'x-a': ' \u00a0kept\u00a0 ' }), 'r')!;
    expect(out.vary).toBe('accept, origin');
    expect(out['x-a']).toBe('\u00a0kept\u00a0'); // obs-text is not whitespace
  });

  it('treats a field named __proto__ as a field', () => {
    const out = clientHeaders(JSON.parse('{"status":200,"headers":{"__proto__":"x"}}'), 'r')!;
    expect(Object.keys(out)).toEqual(['__proto__', 'x-request-id']);
    expect(out.__proto__).toBe('x');
  });

  it('refuses a head with a name or value that is not valid HTTP', () => {
    expect(clientHeaders(head({ 'bad name': 'x' }), 'r')).toBeUndefined();
    expect(clientHeaders(head({ 'x-a': 'line\r\nbreak' }), 'r')).toBeUndefined();
    expect(clientHeaders(head({ 'x-a': 'nul\u0000' }), 'r')).toBeUndefined();
    expect(clientHeaders(head({ 'x-a': 'wide\u0100' }), 'r')).toBeUndefined();
  });
});
