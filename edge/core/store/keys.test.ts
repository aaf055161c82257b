import { describe, expect, it } from 'vitest';
import {
  bearerToken,
  formatSecret,
  newAgentToken,
  newApiKey,
  newKeyId,
  parseAgentToken,
  parseApiKey,
  secretHash,
  secretsEqual,
  sha256Hex,
} from './keys';

describe('keys', () => {
  it('formats an API key as vl-<tenant>-<32 alphanumerics>', () => {
    expect(newApiKey('acme')).toMatch(/^vl-acme-[A-Za-z0-9]{32}$/);
    expect(newAgentToken('acme')).toMatch(/^vla-acme-[A-Za-z0-9]{32}$/);
  });

  it('refuses to format a secret for an invalid tenant name', () => {
    expect(() => newApiKey('Acme')).toThrow(/invalid tenant/);
    expect(() => newApiKey('-acme')).toThrow(/invalid tenant/);
  });

  it.each(['acme', 'my-team-2', 'a', 'x'.repeat(63), '0-0-0'])('parses the tenant %s back out of a key, up to the last hyphen', (tenant) => {
    const key = newApiKey(tenant);
    expect(parseApiKey(`Bearer ${key}`)).toEqual({ tenant, secret: key.slice(-32), key });
  });

  it('accepts any case of the Bearer scheme and surrounding spaces', () => {
    const key = formatSecret('apiKey', 'acme', 'a'.repeat(32));
    expect(parseApiKey(`bearer   ${key} `)?.tenant).toBe('acme');
  });

  it.each([
    ['no header', undefined],
    ['empty header', ''],
    ['no Bearer scheme', `vl-acme-${'a'.repeat(32)}`],
    ['Basic scheme', `Basic vl-acme-${'a'.repeat(32)}`],
    ['short secret', `Bearer vl-acme-${'a'.repeat(31)}`],
    ['secret with a symbol', `Bearer vl-acme-${'a'.repeat(31)}_`],
    ['no tenant', `Bearer vl--${'a'.repeat(32)}`],
    ['upper-case tenant', `Bearer vl-Acme-${'a'.repeat(32)}`],
    ['tenant too long', `Bearer vl-${'x'.repeat(64)}-${'a'.repeat(32)}`],
    ['an OpenAI key', 'Bearer sk-proj-abcdefghijklmnopqrstuvwxyz012345'],
    ['two tokens', `Bearer vl-acme-${'a'.repeat(32)} extra`],
  ])('rejects %s as an API key', (_, header) => {
    expect(parseApiKey(header)).toBeNull();
  });

  it('does not take an agent token for an API key, nor an API key for an agent token', () => {
    const token = newAgentToken('acme');
    const key = newApiKey('acme');
    expect(parseApiKey(`Bearer ${token}`)).toBeNull();
    expect(parseAgentToken(`Bearer ${key}`)).toBeNull();
    expect(parseAgentToken(`Bearer ${token}`)?.tenant).toBe('acme');
  });

  it('makes distinct secrets and key ids of the documented shape', () => {
    expect(newApiKey('acme')).not.toBe(newApiKey('acme'));
    expect(newKeyId()).toMatch(/^key_[\w-]{12}$/);
  });

  it('hashes with SHA-256 as lowercase hex', async () => {
    // FIPS 180-2 test vector for "abc".
    expect(await sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('compares secrets for equality regardless of length', async () => {
    expect(await secretsEqual('s3cret', 's3cret')).toBe(true);
    expect(await secretsEqual('s3cret', 's3cre')).toBe(false);
    expect(await secretsEqual('s3cret', 's3creT')).toBe(false);
  });

  it('reads only Bearer tokens', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('Token abc')).toBeNull();
    expect(bearerToken(null)).toBeNull();
  });
});

describe('secretHash', () => {
  it('is sha256Hex, remembered or not, however many secrets pass', async () => {
    const key = newApiKey('acme');
    expect(await secretHash(key)).toBe(await sha256Hex(key));
    expect(await secretHash(key)).toBe(await sha256Hex(key));
    for (let i = 0; i < 1100; i++) await secretHash(`vl-acme-${i}`);
    expect(await secretHash(key)).toBe(await sha256Hex(key));
    expect(await secretHash('vl-acme-7')).toBe(await sha256Hex('vl-acme-7'));
  });
});
