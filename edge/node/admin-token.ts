// The Node edge's admin token when none is given: generated once, kept in
// <dataDir>/admin-token (mode 600) so restarts and `vllama dev` reuse it.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const ADMIN_TOKEN_FILE = 'admin-token';

/** The stored token, or a new one written with mode 600; `created` says which. */
export async function loadOrCreateAdminTokenFile(dataDir: string): Promise<{ token: string; created: boolean; file: string }> {
  const file = join(dataDir, ADMIN_TOKEN_FILE);
  let exists = false;
  try {
    const token = (await readFile(file, 'utf8')).trim();
    if (token) return { token, created: false, file };
    exists = true; // empty: replace it
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dataDir, { recursive: true });
  // 32 random bytes as base64url: 256 bits, no characters a shell or header would mangle.
  const token = `vladm-${randomBytes(32).toString('base64url')}`;
  // 'wx': never overwrite a token another process wrote meanwhile.
  await writeFile(file, `${token}\n`, { mode: 0o600, flag: exists ? 'w' : 'wx' });
  await chmod(file, 0o600);
  return { token, created: true, file };
}

export async function loadOrCreateAdminToken(dataDir: string): Promise<string> {
  return (await loadOrCreateAdminTokenFile(dataDir)).token;
}
