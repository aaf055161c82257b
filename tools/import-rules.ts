// The import rules of the layout, as data, and the checker that test/import-rules.test.ts
// and tools/relayout run. Paths are posix and relative to the repository root.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { isRelative, matches, repoRoot, resolveSpec, scan } from './imports';

/** Files the checker reads. */
export const SOURCES = ['**/*.ts', '**/*.mts', '**/*.mjs', '**/*.js'];
export const IGNORED = ['node_modules/**', 'dist/**', '.wrangler/**', 'bench/results/**', '**/*.d.ts'];
/**
 * Not production code: suites, their support, folders of test-only entry points, and the
 * tooling that drives processes the way the suites do (bench/ starts the Workers host of
 * test/hosts/; neither it nor tools/ is part of the CLI's bundle or the Worker).
 */
export const TEST_CODE = ['**/*.test.ts', 'test/**', '**/testing/**', 'tools/**', 'bench/**'];

/**
 * A part is a folder that others see only through its faces. `subparts`: each
 * sub-folder is a part of its own (face `<sub>/index.ts`), and the files at the
 * top of the folder may import any sub-part's face; `shared` are top files every
 * sub-part, and every outsider, may import as they are.
 */
export interface Part {
  dir: string;
  faces: string[];
  subparts?: boolean;
  shared?: string[];
}

export const PARTS: Part[] = [
  { dir: 'protocol', faces: ['protocol/index.ts'] },
  { dir: 'agent', faces: ['agent/index.ts'], subparts: true },
  // errors.ts (HttpError, thrown by every part) and defaults.ts (every number, read by the
  // hosts too) import nothing of the core, so they stay leaves that anyone may import.
  // log.ts (the logger interface and its no-op) is such a leaf too.
  { dir: 'edge/core', faces: [], subparts: true, shared: ['edge/core/errors.ts', 'edge/core/defaults.ts', 'edge/core/log.ts'] },
];

/** A forbidden edge of the import graph: files matching `importer` (minus `except`) may not import `target`. */
export interface Ban {
  rule: string;
  importer: string[];
  except?: string[];
  /** Repository globs, or `node:*` for Node's built-in modules. */
  target: string[];
  /** Targets that stay allowed. */
  allow?: string[];
}

export const BANS: Ban[] = [
  { rule: 'production code never imports test code or fixtures', importer: ['**'], except: TEST_CODE, target: ['test/**', '**/fixtures/**', '**/testing/**', '**/*.test.ts'] },
  { rule: 'edge/core never imports a host', importer: ['edge/core/**'], target: ['edge/node/**', 'edge/cloudflare/**'] },
  { rule: "edge/core's production code uses no Node built-in (it runs on Workers too)", importer: ['edge/core/**'], except: TEST_CODE, target: ['node:*'] },
  { rule: 'protocol imports nothing of ours', importer: ['protocol/**'], target: ['**'], allow: ['protocol/**'] },
  { rule: 'the edge never imports the agent', importer: ['edge/**'], target: ['agent/**'] },
  { rule: 'the agent never imports the edge', importer: ['agent/**'], target: ['edge/**'] },
];

export interface Violation {
  file: string;
  spec: string;
  target: string;
  rule: string;
}

/** The repository's source files (tracked and untracked-but-not-ignored). */
export function sourceFiles(root = repoRoot): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: root, encoding: 'utf8' });
  const files = [...new Set(out.split('\0').filter(Boolean))];
  return files.filter((f) => matches(f, SOURCES) && !matches(f, IGNORED) && safeExists(root, f));
}

function safeExists(root: string, f: string): boolean {
  try {
    readFileSync(`${root}/${f}`);
    return true;
  } catch {
    return false;
  }
}

const NODE_BUILTINS = new Set(builtinModules);

/** Where `file` sits: its part and, in a part with sub-parts, its sub-part (undefined at the top). */
export function placeOf(file: string): { part?: Part; sub?: string } {
  const part = PARTS.find((p) => file.startsWith(`${p.dir}/`));
  if (!part) return {};
  const rest = file.slice(part.dir.length + 1);
  const sub = part.subparts && rest.includes('/') ? `${part.dir}/${rest.split('/')[0]}` : undefined;
  return { part, sub };
}

/** Why `file` may not import `target` by the faces rule, or undefined when it may. */
export function faceViolation(file: string, target: string): string | undefined {
  const to = placeOf(target);
  if (!to.part) return undefined;
  const from = placeOf(file);
  const part = to.part;
  if (part.shared?.includes(target)) return undefined;
  if (from.part !== part) {
    if (part.faces.includes(target)) return undefined;
    if (to.sub && target === `${to.sub}/index.ts`) return undefined;
    return `outside ${part.dir}/ only its face is imported (${[...part.faces, ...(part.subparts ? [`${part.dir}/<part>/index.ts`] : [])].join(', ')})`;
  }
  // Inside the part: a sub-part's files are seen through its face from anywhere else in the part.
  if (to.sub && from.sub !== to.sub && target !== `${to.sub}/index.ts`) return `from outside ${to.sub}/ only ${to.sub}/index.ts is imported`;
  // The part's own face is for outsiders: imported from inside it, it would close a cycle.
  if (part.faces.includes(target) && from.part === part) return `${target} is the face for code outside ${part.dir}/`;
  return undefined;
}

export function checkImports(root = repoRoot, files = sourceFiles(root)): Violation[] {
  const violations: Violation[] = [];
  for (const file of files) {
    const text = readFileSync(`${root}/${file}`, 'utf8');
    for (const s of scan(text)) {
      if (s.kind === 'url') continue; // a path handed to a process or read as data, not a module edge
      let target: string | undefined;
      if (isRelative(s.spec)) target = resolveSpec(root, file, s.spec);
      else if (s.spec.startsWith('node:') || NODE_BUILTINS.has(s.spec.split('/')[0])) target = `node:${s.spec.replace(/^node:/, '')}`;
      if (!target) continue;
      for (const ban of BANS) {
        if (!matches(file, ban.importer) || (ban.except && matches(file, ban.except))) continue;
        const hit = target.startsWith('node:') ? ban.target.includes('node:*') : matches(target, ban.target.filter((t) => t !== 'node:*'));
        if (hit && !(ban.allow && matches(target, ban.allow))) violations.push({ file, spec: s.spec, target, rule: ban.rule });
      }
      if (!target.startsWith('node:')) {
        const why = faceViolation(file, target);
        if (why) violations.push({ file, spec: s.spec, target, rule: why });
      }
    }
  }
  return violations;
}
