// Finds an executable the way a shell would (PATH lookup), without spawning one:
// used for "is vLLM installed?" and for absolute paths in the systemd unit.
import { accessSync, constants } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

export function resolveOnPath(command: string, path = process.env.PATH ?? ''): string | undefined {
  if (command.includes('/')) return resolve(command);
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}
