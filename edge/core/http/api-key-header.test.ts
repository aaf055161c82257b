import { describe, expect, it } from 'vitest';
import { apiKeyHeader } from './api-key-header';

const from = (headers: Record<string, string>) => (name: string) => headers[name];

describe('apiKeyHeader', () => {
  it('takes the Authorization header as it is', () => {
    expect(apiKeyHeader(from({ authorization: 'Bearer vl-a-b' }))).toBe('Bearer vl-a-b');
  });

  it('turns an x-api-key into a bearer credential', () => {
    expect(apiKeyHeader(from({ 'x-api-key': ' vl-a-b ' }))).toBe('Bearer vl-a-b');
  });

  it('prefers Authorization when a client sends both', () => {
    expect(apiKeyHeader(from({ authorization: 'Bearer one', 'x-api-key': 'two' }))).toBe('Bearer one');
  });

  it('gives nothing when neither header is there', () => {
    expect(apiKeyHeader(from({}))).toBeUndefined();
  });
});
