// Re-lays out agent/ and edge/core/ by the data in map.ts, re-runnable on any tree:
//   npx tsx tools/relayout/relayout.ts [--dry-run]
// 1. `git mv`s every mapped file that exists, and files it does not name by the first matching
//    pattern (a `x.test.ts` beside a moved `x.ts` follows it);
// 2. rewrites every relative import/export/dynamic import/vi.mock/new URL(…, import.meta.url)
//    in the whole repository to the new paths, and every root-relative mention of a moved
//    path (docs, configs, scripts);
// 3. points imports that cross a part's boundary at the part's face (index.ts), and adds
//    each name imported that way to the face;
// 4. applies the renames of map.ts;
// 5. lists files at the top of agent/ or edge/core/ that the map does not cover, and the
//    import-rule violations left (tools/import-rules.ts).
// Running it twice changes nothing the second time.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { checkImports, faceViolation, placeOf } from '../import-rules';
import { isRelative, matches, repoRoot as root, resolveSpec, scan, specFor, type ImportedName } from '../imports';
import { faces, moves, patterns, relaidFolders, renames, retargets, roots, textExtensions, untouched } from './map';

const dryRun = process.argv.includes('--dry-run');
const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' });

// --- 1. the files and where each goes -------------------------------------------------
const listed = git('ls-files', '--cached', '--others', '--exclude-standard', '-z').split('\0').filter(Boolean);
const tracked = new Set(git('ls-files', '--cached', '-z').split('\0').filter(Boolean));
const files = [...new Set(listed)].filter((f) => existsSync(join(root, f))).sort();
const present = new Set(files);

const plan = new Map<string, string>();
for (const [from, to] of Object.entries(moves)) {
  if (!present.has(from)) continue;
  if (present.has(to)) {
    console.error(`relayout: both ${from} and ${to} exist; leaving ${from} where it is`);
    continue;
  }
  plan.set(from, to);
}
// Files the map does not name, at the top of a re-laid-out folder: moved by the first matching pattern.
const byPattern: string[] = [];
for (const file of files) {
  if (plan.has(file) || moves[file] !== undefined || roots.includes(file) || /\.test\.(ts|mts)$/.test(file)) continue;
  if (!relaidFolders.includes(dirname(file)) || Object.values(moves).includes(file)) continue;
  const rule = patterns.find((p) => matches(file, [p.match]));
  if (!rule) continue;
  const to = `${rule.to}/${basename(file)}`;
  if (present.has(to)) continue;
  plan.set(file, to);
  byPattern.push(`${file} → ${to}`);
}
// A test beside a moved file follows it, unless the map says otherwise.
for (const [from, to] of [...plan]) {
  const test = (p: string) => p.replace(/\.(ts|mts)$/, '.test.$1');
  if (test(from) === from || moves[test(from)] !== undefined) continue;
  if (present.has(test(from)) && !present.has(test(to))) plan.set(test(from), test(to));
}
const newPath = (p: string) => plan.get(p) ?? p;
const existsAfter = new Set(files.map(newPath));
const faceDirs = new Set(faces.map((f) => f.dir));
for (const dir of faceDirs) existsAfter.add(`${dir}/index.ts`);

// --- 2-4. new contents ------------------------------------------------------------------
/** face path → source path (relative to the repository) → name → type-only. */
const faceNeeds = new Map<string, Map<string, Map<string, boolean>>>();
function need(face: string, source: string, names: ImportedName[] | undefined): void {
  let bySource = faceNeeds.get(face);
  if (!bySource) faceNeeds.set(face, (bySource = new Map()));
  let byName = bySource.get(source);
  if (!byName) bySource.set(source, (byName = new Map()));
  if (!names) byName.set('*', false);
  else for (const n of names) byName.set(n.name, (byName.get(n.name) ?? true) && n.type);
}

/** The face that `importer` must use for `target`, or undefined when it may import it as it is. */
function faceFor(importer: string, target: string): string | undefined {
  if (!faceViolation(importer, target)) return undefined;
  const to = placeOf(target);
  const from = placeOf(importer);
  if (!to.part) return undefined;
  if (from.part === to.part) return to.sub ? `${to.sub}/index.ts` : undefined;
  // From outside: the part's own face if it has one, else the sub-part's.
  if (to.part.faces.length > 0) return to.part.faces[0];
  return to.sub ? `${to.sub}/index.ts` : undefined;
}

/** Names `face` must export for an import of `names` from `target`; chains through sub-part faces. */
function route(face: string, target: string, names: ImportedName[] | undefined): void {
  const sub = placeOf(target).sub;
  const via = sub && face !== `${sub}/index.ts` && target !== `${sub}/index.ts` ? `${sub}/index.ts` : undefined;
  if (via) {
    need(face, via, names);
    need(via, target, names);
  } else if (target !== face) need(face, target, names);
}

const isText = (f: string) => textExtensions.includes(extname(f)) && !matches(f, untouched);
const movedPathPattern = (() => {
  const olds = [...plan.keys()].sort((a, b) => b.length - a.length).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return olds.length ? new RegExp(`(?<![\\w./-])(${olds.join('|')})(?![\\w-]|\\.\\w)`, 'g') : undefined;
})();

/**
 * One import statement per face: single-line `import { … } from '…/index'` statements
 * naming the same face (as the rewrite leaves them) become the first of them.
 */
function mergeFaceImports(text: string): string {
  const IMPORT = /^import (type )?\{([^}\n]*)\} from '([^'\n]+\/index)';$/gm;
  const bySpec = new Map<string, { names: string[]; count: number }>();
  for (const m of text.matchAll(IMPORT)) {
    const entry = bySpec.get(m[3]) ?? { names: [], count: 0 };
    bySpec.set(m[3], entry);
    entry.count++;
    for (const raw of m[2].split(',').map((n) => n.trim()).filter(Boolean)) {
      const name = m[1] ? `type ${raw.replace(/^type\s+/, '')}` : raw;
      if (!entry.names.includes(name)) entry.names.push(name);
    }
  }
  const done = new Set<string>();
  return text.replace(IMPORT, (line, _type, _names, spec: string) => {
    const entry = bySpec.get(spec)!;
    if (entry.count < 2) return line;
    if (done.has(spec)) return '\u0000';
    done.add(spec);
    const names = entry.names.filter((n) => !n.startsWith('type ') || !entry.names.includes(n.slice(5)));
    const allTypes = names.every((n) => n.startsWith('type '));
    const list = allTypes ? names.map((n) => n.slice(5)) : names;
    return `import ${allTypes ? 'type ' : ''}{ ${list.join(', ')} } from '${spec}';`;
  }).replace(/\u0000\n/g, '');
}

const writes = new Map<string, string>();
for (const oldFile of files) {
  if (!isText(oldFile)) continue;
  const file = newPath(oldFile);
  const before = readFileSync(join(root, oldFile), 'utf8');
  let text = before;

  // Renames first, so the names the faces collect below are the new ones: in the files of
  // `in`, and in any file that imports the file defining the name.
  const imported = new Set<string>();
  if (/\.(m|c)?[jt]s$/.test(file)) {
    for (const s of scan(text)) {
      const target = isRelative(s.spec) ? resolveSpec(root, oldFile, s.spec, (p) => present.has(p) || existsSync(join(root, p))) : undefined;
      if (target) imported.add(newPath(target));
    }
  }
  for (const r of renames) {
    if (matches(file, r.in) || (r.definedIn !== undefined && (file === r.definedIn || imported.has(r.definedIn)))) text = text.replace(new RegExp(r.from, 'g'), r.to);
  }

  if (/\.(m|c)?[jt]s$/.test(file)) {
    const edits: { start: number; end: number; spec: string }[] = [];
    for (const s of scan(text)) {
      if (!isRelative(s.spec)) continue;
      const target = resolveSpec(root, oldFile, s.spec, (p) => present.has(p) || existsAfter.has(p) || existsSync(join(root, p)));
      if (!target) continue;
      let to = newPath(target);
      const retarget = retargets.find((r) => r.from === to && matches(file, [r.importer]));
      if (retarget) to = retarget.to;
      if (s.kind !== 'url' && /\.(m|c)?ts$/.test(to)) {
        const face = faceFor(file, to);
        if (face) {
          route(face, to, s.names);
          to = face;
        }
      }
      const spec = to === target && file === oldFile ? s.spec : specFor(file, to, s.spec);
      if (spec !== s.spec) edits.push({ start: s.start, end: s.start + s.spec.length, spec });
    }
    for (const e of edits.reverse()) text = text.slice(0, e.start) + e.spec + text.slice(e.end);
  }
  if (/\.(m|c)?[jt]s$/.test(file)) text = mergeFaceImports(text);
  if (movedPathPattern) text = text.replace(movedPathPattern, (p) => plan.get(p) ?? p);
  if (text !== before || file !== oldFile) writes.set(file, text);
}

// Faces: parse what each exports, add what is needed, keep everything else.
interface FaceLine {
  source: string;
  names: Map<string, boolean>;
}
function parseFace(text: string): { head: string; lines: Map<string, FaceLine>; rest: string[] } {
  const lines = new Map<string, FaceLine>();
  const rest: string[] = [];
  const headLines: string[] = [];
  let inHead = true;
  for (const line of text.split('\n')) {
    if (inHead && line.startsWith('//')) {
      headLines.push(line);
      continue;
    }
    inHead = false;
    const m = /^export\s+(type\s+)?(\*|\{([^}]*)\})\s+from\s+'([^']+)';?\s*$/.exec(line);
    if (!m) {
      if (line.trim()) rest.push(line);
      continue;
    }
    const [, type, star, braced, spec] = m;
    const entry = lines.get(spec) ?? { source: spec, names: new Map<string, boolean>() };
    lines.set(spec, entry);
    if (star === '*') entry.names.set('*', false);
    else for (const part of braced.split(',').map((s) => s.trim()).filter(Boolean)) {
      const t = Boolean(type) || part.startsWith('type ');
      const name = part.replace(/^type\s+/, '');
      entry.names.set(name, (entry.names.get(name) ?? true) && t);
    }
  }
  return { head: headLines.join('\n'), lines, rest };
}
function renderFace(head: string, lines: Map<string, FaceLine>, rest: string[]): string {
  const out = [head];
  for (const spec of [...lines.keys()].sort()) {
    const { names } = lines.get(spec)!;
    if (names.has('*')) {
      out.push(`export * from '${spec}';`);
      continue;
    }
    const values = [...names].filter(([, t]) => !t).map(([n]) => n).sort();
    const types = [...names].filter(([, t]) => t).map(([n]) => n).sort();
    if (values.length) out.push(`export { ${values.join(', ')} } from '${spec}';`);
    if (types.length) out.push(`export type { ${types.join(', ')} } from '${spec}';`);
  }
  return `${[...out, ...rest].join('\n')}\n`;
}
const exportedAlready = (existing: Map<string, FaceLine>, spec: string, name: string) =>
  existing.get(spec)?.names.has('*') || existing.get(spec)?.names.get(name) === false;

for (const { dir, note } of faces) {
  const face = `${dir}/index.ts`;
  const current = writes.get(face) ?? (existsSync(join(root, face)) ? readFileSync(join(root, face), 'utf8') : undefined);
  const parsed = current ? parseFace(current) : { head: `// ${note}\n// Face of ${dir}/: code outside the folder imports only this file (test/import-rules.test.ts).`, lines: new Map<string, FaceLine>(), rest: [] };
  let changed = current === undefined && [...plan.values()].some((p) => p.startsWith(`${dir}/`));
  for (const [source, names] of faceNeeds.get(face) ?? []) {
    const spec = specFor(face, source, 'x');
    for (const [name, type] of names) {
      if (name === '*' ? parsed.lines.get(spec)?.names.has('*') : exportedAlready(parsed.lines, spec, name) || (type && parsed.lines.get(spec)?.names.has(name))) continue;
      // protocol/index.ts and the like re-export whole files: a name from such a file is there already.
      if (name !== '*' && parsed.lines.get(spec)?.names.has('*')) continue;
      const entry = parsed.lines.get(spec) ?? { source: spec, names: new Map<string, boolean>() };
      parsed.lines.set(spec, entry);
      entry.names.set(name, (entry.names.get(name) ?? true) && type);
      changed = true;
    }
  }
  if (changed) writes.set(face, renderFace(parsed.head, parsed.lines, parsed.rest));
}

// --- apply ------------------------------------------------------------------------------
if (dryRun) {
  for (const [from, to] of plan) console.log(`move ${from} → ${to}`);
  for (const f of [...writes.keys()].sort()) console.log(`write ${f}`);
} else {
  for (const [from, to] of plan) {
    mkdirSync(dirname(join(root, to)), { recursive: true });
    if (tracked.has(from)) git('mv', from, to);
    else renameSync(join(root, from), join(root, to));
  }
  for (const [file, text] of writes) {
    const path = join(root, file);
    if (existsSync(path) && readFileSync(path, 'utf8') === text) continue;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  const created = [...writes.keys()].filter((f) => !tracked.has(f) && !plan.has(f) && ![...plan.values()].includes(f));
  if (created.length) git('add', '--', ...created);
  console.log(`relayout: ${plan.size} files moved, ${[...writes.keys()].filter((f) => !plan.has(f)).length} files rewritten or created`);
}

// --- 5. what the map does not cover, and what the rules still find ----------------------
if (byPattern.length) {
  console.log('\nrelayout: moved by a pattern of map.ts (check each; name it in moves to place it elsewhere):');
  for (const line of byPattern) console.log(`  ${line}`);
}
const after = [...new Set(files.map(newPath))];
const uncovered = after.filter((f) => relaidFolders.some((d) => dirname(f) === d) && !roots.includes(f) && !Object.values(moves).includes(f));
if (uncovered.length) {
  console.log('\nrelayout: files at the top of a re-laid-out folder that map.ts does not cover (add them to moves or roots):');
  for (const f of uncovered) console.log(`  ${f}`);
}
if (!dryRun) {
  const violations = checkImports(root);
  if (violations.length) {
    console.log(`\nrelayout: ${violations.length} import-rule violations left (tools/import-rules.ts):`);
    for (const v of violations) console.log(`  ${v.file}: '${v.spec}' → ${v.target}: ${v.rule}`);
    process.exitCode = 1;
  } else console.log('relayout: no import-rule violations');
}
