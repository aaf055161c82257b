// A small scanner for the module paths a source file names: static and dynamic
// imports, re-exports, vi.mock, and `new URL('./x', import.meta.url)`. Shared by
// the import-rules test (test/import-rules.test.ts) and tools/relayout.
import { existsSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, resolve } from 'node:path';

export interface ImportedName {
  /** The name as the target exports it. */
  name: string;
  /** Imported with `type` (or in an `import type` clause). */
  type: boolean;
}

export interface Specifier {
  /** The path as written. */
  spec: string;
  /** Offset of the path's first character (inside the quotes). */
  start: number;
  kind: 'static' | 'dynamic' | 'mock' | 'url';
  /** The names taken from the target; undefined when unknown (namespace, `export *`, bare dynamic import). */
  names?: ImportedName[];
  /** A whole-statement `import type`/`export type`. */
  typeOnly: boolean;
}

const STATIC = /\b(import|export)\s+(type\s+)?(\{[^}]*\}|\*\s+as\s+[\w$]+|\*|[\w$]+\s*,\s*\{[^}]*\}|[\w$]+)\s*from\s*(['"])([^'"\n]+)\4/g;
const SIDE_EFFECT = /\bimport\s*(['"])([^'"\n]+)\1/g;
const DYNAMIC = /(?:\{([^{}]*)\}\s*=\s*await\s+)?\bimport\s*\(\s*(['"])([^'"\n]+)\2\s*\)/g;
const MOCK = /\bvi\.(?:mock|doMock|unmock|importActual|importMock)\s*\(\s*(['"])([^'"\n]+)\1/g;
const URL_REF = /\bnew\s+URL\s*\(\s*(['"])([^'"\n]+)\1\s*,\s*import\.meta\.url\s*\)/g;

function parseNames(braced: string, allTypes: boolean): ImportedName[] {
  const inner = braced.replace(/^\{|\}$/g, '');
  const names: ImportedName[] = [];
  for (const raw of inner.split(',')) {
    const part = raw.replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '').trim();
    if (!part) continue;
    const type = allTypes || /^type\s+/.test(part);
    const name = part.replace(/^type\s+/, '').split(/\s+as\s+|\s*:\s*/)[0].trim();
    if (name) names.push({ name, type });
  }
  return names;
}

export function scan(text: string): Specifier[] {
  const found: Specifier[] = [];
  const seen = new Set<number>();
  const add = (s: Specifier) => {
    if (seen.has(s.start)) return;
    seen.add(s.start);
    found.push(s);
  };
  const at = (m: RegExpExecArray, quote: string, spec: string) => m.index + m[0].lastIndexOf(quote + spec + quote) + 1;
  for (const m of text.matchAll(STATIC)) {
    const [, , typeKw, clause, quote, spec] = m;
    const typeOnly = Boolean(typeKw);
    let names: ImportedName[] | undefined;
    const braced = /\{[^}]*\}/.exec(clause)?.[0];
    if (braced && !/^[\w$]+\s*,/.test(clause)) names = parseNames(braced, typeOnly);
    add({ spec, start: at(m, quote, spec), kind: 'static', names, typeOnly });
  }
  for (const m of text.matchAll(SIDE_EFFECT)) add({ spec: m[2], start: at(m, m[1], m[2]), kind: 'static', names: [], typeOnly: false });
  for (const m of text.matchAll(DYNAMIC)) {
    const names = m[1] === undefined ? undefined : parseNames(`{${m[1].replace(/:\s*[\w$]+/g, '')}}`, false);
    add({ spec: m[3], start: at(m, m[2], m[3]), kind: 'dynamic', names, typeOnly: false });
  }
  for (const m of text.matchAll(MOCK)) add({ spec: m[2], start: at(m, m[1], m[2]), kind: 'mock', typeOnly: false });
  for (const m of text.matchAll(URL_REF)) add({ spec: m[2], start: at(m, m[1], m[2]), kind: 'url', typeOnly: false });
  return found.sort((a, b) => a.start - b.start);
}

export const SOURCE_EXTENSIONS = ['.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs'];

export function isRelative(spec: string): boolean {
  return spec.startsWith('./') || spec.startsWith('../') || spec === '.' || spec === '..';
}

/**
 * The repository path (posix, relative to `root`) that a relative specifier in
 * `fromFile` names, trying TypeScript's extension and index rules; `exists`
 * decides what a path is (defaults to the disk). Undefined when nothing matches.
 */
export function resolveSpec(root: string, fromFile: string, spec: string, exists: (path: string) => boolean = (p) => existsSync(join(root, p))): string | undefined {
  const base = toPosix(normalize(join(dirname(fromFile), spec)));
  const candidates = [base, ...SOURCE_EXTENSIONS.map((e) => base + e), ...SOURCE_EXTENSIONS.map((e) => `${base}/index${e}`)];
  // `./x.js` may name `./x.ts` (TypeScript's rule for ESM output).
  const js = /\.(m|c)?js$/.exec(base);
  if (js) candidates.push(base.slice(0, -js[0].length) + `.${js[1] ?? ''}ts`);
  for (const c of candidates) if (exists(c) && !isDir(root, c)) return c;
  if (exists(base)) return base; // a directory, e.g. new URL('../..', import.meta.url)
  return undefined;
}

function isDir(root: string, path: string): boolean {
  try {
    return statSync(join(root, path)).isDirectory();
  } catch {
    return false;
  }
}

export function toPosix(p: string): string {
  return p.split('\\').join('/');
}

/** `./x`-style specifier from `fromFile` to `target`, written as `like` was (extension or not, trailing slash). */
export function specFor(fromFile: string, target: string, like: string): string {
  let rel = toPosix(relative(dirname(fromFile), target)) || '.';
  if (!rel.startsWith('.')) rel = `./${rel}`;
  const hadExt = SOURCE_EXTENSIONS.some((e) => like.endsWith(e)) || /\.[a-z]+$/i.test(like.split('/').pop() ?? '');
  if (!hadExt) rel = rel.replace(/\.(ts|mts|cts|tsx)$/, '');
  else if (/\.js$/.test(like) && /\.ts$/.test(rel)) rel = rel.replace(/\.ts$/, '.js');
  if (like.endsWith('/') && !rel.endsWith('/')) rel += '/';
  return rel;
}

/** Glob (`**`, `*`, `?`) → RegExp over posix paths. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += /[.+^${}()|[\]\\]/.test(ch) ? `\\${ch}` : ch;
  }
  return new RegExp(`^${re}$`);
}

const globCache = new Map<string, RegExp>();
export function matches(path: string, globs: string[]): boolean {
  return globs.some((g) => {
    let re = globCache.get(g);
    if (!re) globCache.set(g, (re = globToRegExp(g)));
    return re.test(path);
  });
}

export const repoRoot = resolve(dirname(new URL(import.meta.url).pathname), '..');
