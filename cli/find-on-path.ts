// Finds an executable on PATH without spawning a shell (for "is vLLM installed?").
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

export async function findOnPath(name: string, path = process.env.PATH ?? ''): Promise<string | undefined> {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
