// Secrets of the edge: API keys `vl-<tenant>-<secret>` for clients and agent
// tokens `vla-<tenant>-<secret>` for agents. The tenant part routes a request
// without a lookup; only a SHA-256 of the whole secret string is stored.
import { customAlphabet, nanoid } from 'nanoid';

export type SecretKind = 'apiKey' | 'agentToken';

const PREFIX: Record<SecretKind, string> = { apiKey: 'vl-', agentToken: 'vla-' };

/** Lowercase, digits and hyphens, starting with a letter or digit: safe in keys, URLs and DO names. */
export const TENANT_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** 32 chars of [A-Za-z0-9]: about 190 bits, and no hyphen, so the tenant ends at the last one. */
const SECRET_LENGTH = 32;
const SECRET = /^[A-Za-z0-9]{32}$/;
const newSecret = customAlphabet('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', SECRET_LENGTH);

export interface ParsedSecret {
  tenant: string;
  secret: string;
  /** The whole key as presented, which is what gets hashed. */
  key: string;
}

export function isTenantName(name: string): boolean {
  return TENANT_NAME.test(name);
}

export function formatSecret(kind: SecretKind, tenant: string, secret = newSecret()): string {
  if (!isTenantName(tenant)) throw new TypeError(`invalid tenant name "${tenant}"`);
  return `${PREFIX[kind]}${tenant}-${secret}`;
}

export const newApiKey = (tenant: string): string => formatSecret('apiKey', tenant);
export const newAgentToken = (tenant: string): string => formatSecret('agentToken', tenant);

/** `key_<nanoid 12>` for API keys, `agt_<nanoid 12>` for agent tokens. */
export const newKeyId = (): string => `key_${nanoid(12)}`;
export const newAgentTokenId = (): string => `agt_${nanoid(12)}`;

/** The token of an `Authorization: Bearer <token>` header; null when missing or of another scheme. */
export function bearerToken(header: string | null | undefined): string | null {
  const match = header ? /^\s*Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match ? match[1] : null;
}

/** Splits a bare secret of the given kind into tenant and secret; null when it is not one. */
export function splitSecret(kind: SecretKind, key: string): ParsedSecret | null {
  if (key.length > 256 || !key.startsWith(PREFIX[kind])) return null;
  const body = key.slice(PREFIX[kind].length);
  const dash = body.lastIndexOf('-');
  if (dash <= 0) return null;
  const tenant = body.slice(0, dash);
  const secret = body.slice(dash + 1);
  if (!isTenantName(tenant) || !SECRET.test(secret)) return null;
  return { tenant, secret, key };
}

/** A secret of the given kind from an `Authorization: Bearer …` header. */
export function parseSecret(kind: SecretKind, header: string | null | undefined): ParsedSecret | null {
  const key = bearerToken(header);
  return key ? splitSecret(kind, key) : null;
}

/** Headers whose API key was parsed lately; beyond this the oldest is forgotten. */
const PARSED_MEMO_SIZE = 1024;
const parsedMemo = new Map<string, Readonly<ParsedSecret>>();

/**
 * An API key from `Authorization: Bearer vl-…`; an agent token is not one.
 * Parsed twice per request (tenant routing, then the tenant's own check) with
 * three regexes each: a header that parsed before is looked up instead.
 */
export function parseApiKey(header: string | null | undefined): Readonly<ParsedSecret> | null {
  if (!header) return null;
  const known = parsedMemo.get(header);
  if (known !== undefined) return known;
  const parsed = parseSecret('apiKey', header);
  if (!parsed) return null;
  if (parsedMemo.size >= PARSED_MEMO_SIZE) parsedMemo.delete(parsedMemo.keys().next().value!);
  const frozen = Object.freeze(parsed);
  parsedMemo.set(header, frozen);
  return frozen;
}

/** An agent token from `Authorization: Bearer vla-…`; an API key is not one. */
export const parseAgentToken = (header: string | null | undefined): ParsedSecret | null => parseSecret('agentToken', header);

const encoder = new TextEncoder();

/** Lowercase hex SHA-256 of a string (WebCrypto: the same on Node and Workers). */
export async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** Presented secrets whose hash is remembered; beyond this the oldest is forgotten. */
const HASH_MEMO_SIZE = 1024;
const hashMemo = new Map<string, string>();

/**
 * sha256Hex of a secret presented on every request (API keys, agent tokens),
 * remembered for the next request: the digest was 11–13 % of the edge's CPU
 * per request. Only the hash is cached, not the verdict: storage is still
 * asked every time, so a revoked key fails on its next request.
 */
export async function secretHash(secret: string): Promise<string> {
  const known = hashMemo.get(secret);
  if (known !== undefined) return known;
  const hash = await sha256Hex(secret);
  if (hashMemo.size >= HASH_MEMO_SIZE) hashMemo.delete(hashMemo.keys().next().value!);
  hashMemo.set(secret, hash);
  return hash;
}

/**
 * Compares two secrets in time independent of where they differ: both are
 * hashed first, so the comparison runs over equal-length digests and leaks
 * neither content nor length.
 */
export async function secretsEqual(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([
    crypto.subtle.digest('SHA-256', encoder.encode(a)),
    crypto.subtle.digest('SHA-256', encoder.encode(b)),
  ]);
  const x = new Uint8Array(da);
  const y = new Uint8Array(db);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}
