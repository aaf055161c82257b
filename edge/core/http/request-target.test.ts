import { describe, expect, it } from 'vitest';
import { requestTarget } from './request-target';

describe('requestTarget', () => {
  it.each([
    'http://localhost:8080/v1/chat/completions',
    'http://h/v1/models?x=1&y=2',
    'https://edge.example/v1/responses/resp_1?',
    'http://h/v1/../admin/v1/tenants',
    'http://h/v1/./models',
    'http://h/v1/%2e%2e/x',
    "http://h/v1/x?a='b'",
    'http://h/v1/x?q=a b',
    'http://h/v1/x#frag',
    'http://h/v1/x?q=1#frag',
    'http://h/v1/caf\u00e9',
    'http://h',
    'http://h/v1/x?q=%20/..',
  ])('reads %s as URL does', (url) => {
    const parsed = new URL(url);
    expect(requestTarget(url)).toEqual({ pathname: parsed.pathname, path: parsed.pathname + parsed.search });
  });
});
