// Reads the V8 CPU profiles (`node --cpu-prof`) the edge and agent children
// wrote and lists the functions with the most self time, so a missed target
// points at code rather than at a process.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { formatTable, heading } from './table';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber?: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileTop {
  process: string;
  totalMs: number;
  functions: { name: string; where: string; selfMs: number; share: number }[];
  /** The project's own functions (not node: or node_modules) by time including callees. */
  inclusive: { name: string; where: string; totalMs: number; share: number }[];
}

const sourceMaps = new Map<string, SourceMap | undefined>();

/** The bundle's source map (`<file>.map`, as bin/bundle.js writes it), if it has one. */
function sourceMapOf(path: string): SourceMap | undefined {
  if (!sourceMaps.has(path)) {
    const mapFile = `${path}.map`;
    let map: SourceMap | undefined;
    try {
      if (existsSync(mapFile)) map = new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')));
    } catch {
      map = undefined; // unreadable: name the bundle's line instead
    }
    sourceMaps.set(path, map);
  }
  return sourceMaps.get(path);
}

/** file:line:column (1-based) in the TypeScript source when the code ran from a bundle with a map. */
function location(url: string, line: number, column: number, root: string): { file: string; line: number; column: number } {
  if (!url.startsWith('file://')) return { file: url, line, column };
  const path = new URL(url).pathname;
  const entry = sourceMapOf(path)?.findEntry(line, column);
  if (entry && 'originalSource' in entry) {
    const source = entry.originalSource.startsWith('file://') ? new URL(entry.originalSource).pathname : resolve(dirname(path), entry.originalSource);
    return { file: relative(root, source), line: entry.originalLine, column: entry.originalColumn };
  }
  return { file: relative(root, path), line, column };
}

function frameKey(node: ProfileNode, root: string): { key: string; name: string; where: string; own: boolean } {
  const { functionName, url, lineNumber, columnNumber } = node.callFrame;
  const at = location(url, lineNumber, columnNumber ?? 0, root);
  const file = at.file;
  // A line can hold several functions (compiled output), so the column tells them apart.
  const where = file ? `${file}:${at.line + 1}:${at.column + 1}` : '';
  const own = url.startsWith('file://') && !file.startsWith('node_modules') && !file.startsWith('..');
  return { key: `${functionName}@${where}`, name: functionName || '(anonymous)', where, own };
}

/** Self time per function (name + file:line:column), and inclusive time of the project's own functions. */
export function topFunctions(profile: CpuProfile, limit = 25, root = process.cwd()): Omit<ProfileTop, 'process'> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, { name: string; where: string; us: number }>();
  const incl = new Map<string, { name: string; where: string; us: number }>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (!node) return;
    if (node.callFrame.functionName === '(idle)' || node.callFrame.functionName === '(program)') return;
    total += dt;
    const f = frameKey(node, root);
    const entry = self.get(f.key) ?? { name: f.name, where: f.where, us: 0 };
    entry.us += dt;
    self.set(f.key, entry);
    const seen = new Set<string>();
    for (let n: ProfileNode | undefined = node; n; n = byId.get(parent.get(n.id) ?? -1)) {
      const g = frameKey(n, root);
      if (!g.own || seen.has(g.key)) continue;
      seen.add(g.key);
      const e = incl.get(g.key) ?? { name: g.name, where: g.where, us: 0 };
      e.us += dt;
      incl.set(g.key, e);
    }
  });
  const functions = [...self.values()].sort((a, b) => b.us - a.us).slice(0, limit)
    .map((f) => ({ name: f.name, where: f.where, selfMs: f.us / 1000, share: total ? f.us / total : 0 }));
  const inclusive = [...incl.values()].sort((a, b) => b.us - a.us).slice(0, limit)
    .map((f) => ({ name: f.name, where: f.where, totalMs: f.us / 1000, share: total ? f.us / total : 0 }));
  return { totalMs: total / 1000, functions, inclusive };
}

/**
 * Profiles of each child's main thread: `prof-<child>/CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile`,
 * thread 0 being the main one (others are worker threads, if any).
 */
export function summarizeProfiles(dir: string): { top: ProfileTop[]; text: string } {
  const files = readdirSync(dir).filter((d) => d.startsWith('prof-')).sort().flatMap((d) =>
    readdirSync(join(dir, d)).filter((f) => /\.0\.\d+\.cpuprofile$/.test(f)).map((f) => ({ process: d.slice(5), path: join(dir, d, f) })));
  const top = files.map((f) => ({ process: f.process, ...topFunctions(JSON.parse(readFileSync(f.path, 'utf8')) as CpuProfile) }));
  const parts = [heading('CPU profiles (self time, idle excluded)')];
  for (const p of top) {
    parts.push(`\n  ${p.process}: ${p.totalMs.toFixed(0)} ms busy`);
    parts.push(formatTable(
      [{ header: 'self ms' }, { header: 'share' }, { header: 'function', align: 'left' }, { header: 'where', align: 'left' }],
      p.functions.map((f) => [f.selfMs.toFixed(0), `${(f.share * 100).toFixed(1)}%`, f.name, f.where]),
    ));
    parts.push(`\n  ${p.process}: project functions, time including callees`);
    parts.push(formatTable(
      [{ header: 'total ms' }, { header: 'share' }, { header: 'function', align: 'left' }, { header: 'where', align: 'left' }],
      p.inclusive.map((f) => [f.totalMs.toFixed(0), `${(f.share * 100).toFixed(1)}%`, f.name, f.where]),
    ));
  }
  if (files.length === 0) parts.push(`  no main-thread .cpuprofile files under ${dir}/prof-*`);
  return { top, text: parts.join('\n') };
}
