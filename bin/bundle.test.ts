import { mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bundle, root } from './bundle.js';

// A throwaway entry inside the checkout (inputs are tracked relative to its root).
const name = `bundle-test-${process.pid}`;
const srcDir = join(root, 'dist', `${name}-src`);
const entry = `dist/${name}-src/entry.ts`;
const out = `${name}/entry.mjs`;
const outfile = join(root, 'dist', out);

function writeSources(value: string): void {
  mkdirSync(srcDir, { recursive: true });
  writeFileSync(join(srcDir, 'dep.ts'), `export const value: string = ${JSON.stringify(value)};\n`);
  writeFileSync(join(srcDir, 'entry.ts'), `import { value } from './dep';\nexport const make = () => () => value;\n`);
}

async function load(file: string): Promise<string> {
  const mod = (await import(pathToFileURL(file).href)) as { make: () => () => string };
  return mod.make()();
}

/** The value the bundle holds, read from its text (a module is imported once per test run). */
const valueIn = (file: string) => /var value = "(\w+)"/.exec(readFileSync(file, 'utf8'))?.[1];

afterAll(() => {
  rmSync(srcDir, { recursive: true, force: true });
  rmSync(join(root, 'dist', name), { recursive: true, force: true });
});

describe('bundle', () => {
  it('builds a runnable bundle with its map and input list, without keepNames', async () => {
    writeSources('one');
    const file = await bundle(entry, out);
    expect(file).toBe(outfile);
    expect(await load(file)).toBe('one');
    const js = readFileSync(file, 'utf8');
    expect(js).not.toContain('__name');
    expect(js).toMatch(/\/\/# sourceMappingURL=entry\.mjs\.map\s*$/);
    expect(JSON.parse(readFileSync(`${file}.map`, 'utf8')).sources.some((s: string) => s.endsWith('dep.ts'))).toBe(true);
    expect(JSON.parse(readFileSync(`${file}.inputs.json`, 'utf8'))).toEqual([`dist/${name}-src/dep.ts`, entry]);
  });

  it('reuses a fresh bundle and rebuilds once any input is newer', async () => {
    writeSources('two');
    rmSync(outfile);
    const past = new Date(Date.now() - 60_000);
    for (const f of ['dep.ts', 'entry.ts']) utimesSync(join(srcDir, f), past, past);
    await bundle(entry, out);
    const built = statSync(outfile).mtimeMs;
    expect(valueIn(outfile)).toBe('two');

    await bundle(entry, out);
    expect(statSync(outfile).mtimeMs).toBe(built); // nothing changed: not rebuilt

    writeFileSync(join(srcDir, 'dep.ts'), `export const value: string = "three";\n`);
    const later = new Date(built + 5_000);
    utimesSync(join(srcDir, 'dep.ts'), later, later);
    await bundle(entry, out);
    expect(valueIn(outfile)).toBe('three');
  });
});
