// Runs a TypeScript entry point from a prebuilt JavaScript bundle (dist/), built
// with esbuild on first use and rebuilt whenever a source file is newer, so a
// clean clone needs no build step and an edited file takes effect at once.
//
// Why not run the sources through tsx, as before: tsx keeps a loader thread and
// esbuild's service alive in every process (~50 MiB of RSS before serving
// anything), and it compiles with keepNames, which gives every closure made per
// request a `name` property (~256 bytes each, ~2 % of the relay's CPU:
// bench/README.md). Without the bundle (esbuild absent, dist/ not writable)
// the sources still run through tsx.
import { mkdirSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Newest modification time among the bundle's inputs, or Infinity when one is gone. */
function newestInput(inputs) {
  let newest = 0;
  for (const input of inputs) {
    try {
      newest = Math.max(newest, statSync(join(root, input)).mtimeMs);
    } catch {
      return Infinity;
    }
  }
  return newest;
}

function isFresh(outfile) {
  try {
    const built = statSync(outfile).mtimeMs;
    const inputs = JSON.parse(readFileSync(`${outfile}.inputs.json`, 'utf8'));
    return newestInput(inputs) <= built;
  } catch {
    return false;
  }
}

/**
 * The path of an up-to-date bundle of `entry` (relative to the project root),
 * at `out` under dist/. Dependencies stay imports of node_modules, as with tsx.
 * Concurrent builders write private files and rename them into place.
 */
export async function bundle(entry, out) {
  const outfile = join(root, 'dist', out);
  if (isFresh(outfile)) return outfile;
  const { build } = await import('esbuild');
  const started = new Date();
  const result = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile,
    write: false,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'error',
  });
  mkdirSync(dirname(outfile), { recursive: true });
  const output = (path) => result.outputFiles.find((f) => f.path === path).contents;
  // The bundle last: a reader that sees it fresh also finds its map and input list.
  const files = [
    [`${outfile}.map`, output(`${outfile}.map`)],
    [`${outfile}.inputs.json`, JSON.stringify(Object.keys(result.metafile.inputs))],
    [outfile, output(outfile)],
  ];
  for (const [path, contents] of files) {
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, contents);
    renameSync(tmp, path);
  }
  // Dated to when the build read its inputs: a file saved during the build makes it stale.
  utimesSync(outfile, started, started);
  return outfile;
}

/** Imports `entry` from its bundle, or through tsx when the bundle cannot be had. */
export async function runEntry(entry, out) {
  let file;
  try {
    file = await bundle(entry, out);
  } catch (err) {
    if (process.env.VLLAMA_DEBUG) process.stderr.write(`vllama: running from sources (bundle failed: ${err.message})\n`);
  }
  if (file) {
    // Stack traces name the TypeScript sources (dist/*.map), as they did under tsx.
    process.setSourceMapsEnabled(true);
    await import(pathToFileURL(file).href);
    return;
  }
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, entry)).href);
}
