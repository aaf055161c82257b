// CPU and memory of a process we did not write (nginx), read from /proc the
// way `ps` does: utime+stime in clock ticks, VmRSS in kB.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100; // USER_HZ on every Linux architecture Node runs on
    }
  }
  return ticksPerSecond;
}

/** Fields after the command name, which is in parentheses and may contain spaces. */
function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** utime + stime of one process, µs (resolution: one clock tick, usually 10 ms). */
export function procCpuUs(pid: number): number {
  const f = statFields(pid);
  if (!f) return 0;
  // After the name: state(0) ppid(1) ... utime(11) stime(12), i.e. fields 14 and 15 of proc(5).
  return ((Number(f[11]) + Number(f[12])) / clockTicks()) * 1e6;
}

export function procRssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Processes whose /proc stat field (counted after the name: state 0, ppid 1, pgrp 2) equals `value`. */
function pidsWithStat(field: number, value: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const f = statFields(Number(name));
    if (f && Number(f[field]) === value) out.push(Number(name));
  }
  return out;
}

/** Direct children of a process (nginx's workers of its master). */
export const childPids = (ppid: number): number[] => pidsWithStat(1, ppid);

/** The processes of a process group (wrangler and its workerd processes). */
export const groupPids = (pgid: number): number[] => pidsWithStat(2, pgid);

/** CPU time all processes on the machine spent busy (everything but idle and iowait), µs. */
export function machineBusyUs(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    // cpu user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user)
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const busy = f[0] + f[1] + f[2] + f[5] + f[6];
    return (busy / clockTicks()) * 1e6;
  } catch {
    return Number.NaN;
  }
}
