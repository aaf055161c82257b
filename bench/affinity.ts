// Which cores each benchmark process may run on. The simulator stands in for
// vLLM, which on a GPU host has CPU of its own: pinning it apart from the
// bridge keeps the bridge's CPU from slowing the simulator's steps, so the
// ratio to direct measures the bridge, not two processes fighting for a core.
import { execFileSync } from 'node:child_process';

export type Role = 'sim' | 'loadgen' | 'edge' | 'agent' | 'proxy';

export type Layout = Record<Role, string>;

/** Cores per role for a machine with `cores` cores; undefined when there is nothing to separate. */
export function layout(cores: number): Layout | undefined {
  if (cores < 2) return undefined;
  if (cores === 2) return { sim: '0', loadgen: '1', edge: '1', agent: '1', proxy: '1' };
  if (cores === 3) return { sim: '0', loadgen: '1', edge: '2', agent: '2', proxy: '2' };
  return { sim: '0', loadgen: '1', edge: '2', agent: '3', proxy: '2' };
}

export function describeLayout(l: Layout | undefined): string {
  if (!l) return 'not pinned: every process may run on every core';
  const byCore = new Map<string, Role[]>();
  for (const [role, cpus] of Object.entries(l) as [Role, string][]) byCore.set(cpus, [...(byCore.get(cpus) ?? []), role]);
  return [...byCore].map(([cpus, roles]) => `core ${cpus}: ${roles.join(' + ')}`).join('; ');
}

/** True when `taskset` can set affinities here (util-linux). */
export function canPin(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Pins a running process and all its threads; later threads inherit it. */
export function pin(pid: number, cpus: string | undefined): void {
  if (!cpus || !pid) return;
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
}
