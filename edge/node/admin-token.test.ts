import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadOrCreateAdminToken, loadOrCreateAdminTokenFile } from './admin-token';

describe('admin token file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vllama-admin-token-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('generates a token once, readable by its owner only, and reads it back afterwards', async () => {
    const first = await loadOrCreateAdminTokenFile(join(dir, 'data'));
    expect(first.created).toBe(true);
    expect(first.token).toMatch(/^vladm-[\w-]{43}$/);
    expect((await stat(first.file)).mode & 0o777).toBe(0o600);
    const again = await loadOrCreateAdminTokenFile(join(dir, 'data'));
    expect(again).toEqual({ ...first, created: false });
    expect(await loadOrCreateAdminToken(join(dir, 'data'))).toBe(first.token);
  });

  it('replaces an empty token file', async () => {
    await writeFile(join(dir, 'admin-token'), '\n');
    const got = await loadOrCreateAdminTokenFile(dir);
    expect(got.created).toBe(true);
    expect(got.token.length).toBeGreaterThan(20);
  });
});
