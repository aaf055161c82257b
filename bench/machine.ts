// The machine a run happened on and how busy it was: core count and model,
// and how much other work competed with the benchmark (printed and stored).
import { cpus, loadavg, release, totalmem } from 'node:os';
import type { Results } from './targets';

/**
 * How much of one core this process gets when it asks for it: a 300 ms spin.
 * Other work on the machine (a test run, a build) shows here as a figure well
 * under 1, and every timing of the run should be read with it in mind.
 */
function cpuAvailable(): number {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < 300) {
    // spin: the point is to ask for the whole core
  }
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / (performance.now() - t0);
}

export function machineLoad(): { loadavg1m: number; cpuAvailable: number } {
  return { loadavg1m: +loadavg()[0].toFixed(2), cpuAvailable: +cpuAvailable().toFixed(2) };
}

/** Before the run the load average is all other work; after it, it includes the benchmark itself. */
export function busyWarning(l: { loadavg1m: number; cpuAvailable: number }, cores: number, before = true): string {
  // A load average a little over the core count is often our own previous run winding down.
  return l.cpuAvailable < 0.9 || (before && l.loadavg1m > 2 * cores) ? ' — MACHINE BUSY: other work competes for the cores; absolute figures are pessimistic' : '';
}

/** The most cores other work took during any measured run, and the mean. */
export function otherWork(r: Results): { max: number; mean: number } {
  const all = [
    ...(r.batch?.rows ?? []), ...(r.sequential?.rows ?? []), ...(r.relay?.rows ?? []), ...(r.relay?.perRequest ?? []),
  ].map((x) => x.otherCores).filter(Number.isFinite);
  return { max: all.length ? Math.max(...all) : Number.NaN, mean: all.length ? all.reduce((a, b) => a + b, 0) / all.length : Number.NaN };
}

export function machine() {
  const c = cpus();
  return { cpus: c.length, cpuModel: c[0]?.model ?? 'unknown', memGiB: +(totalmem() / 2 ** 30).toFixed(1), node: process.version, platform: `${process.platform} ${release()}` };
}
