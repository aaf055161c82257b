// The machine a run happened on and how busy it was: core count and model,
// and how much other work competed with the benchmark (printed and stored).
import { connect } from 'node:net';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { median } from './stats';
import { spawnChild } from './processes';
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

export interface WakeCost {
  /** Round trip to a Node echo server pinged back to back, µs (median). */
  hotRttUs: number;
  /** The same, pinged every 4 ms (the simulator's step): the server wakes from idle each time. */
  coldRttUs: number;
  /** The echo server's CPU per ping in each case, µs. */
  hotCpuUs: number;
  coldCpuUs: number;
}

/**
 * What it costs a Node process to wake for one tiny request, on this machine:
 * a TCP echo child (pinned to `cpus`, where the edge and agent run) pinged
 * back to back and then every 4 ms. A process that sleeps between requests runs
 * its code with cold caches; how much dearer that is varies widely between
 * machines (a VM sharing its host: several times), and every hop of the bridge
 * pays it, so the sequential figures are read against it.
 */
export async function wakeCost(logDir: string, cpus: string | undefined, pings = 200): Promise<WakeCost> {
  const echo = await spawnChild({ name: 'echo', script: 'child-echo.ts', logDir, cpus });
  try {
    const socket = connect({ port: Number(echo.info.port), host: '127.0.0.1', noDelay: true });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const ping = () =>
      new Promise<number>((resolve) => {
        const t0 = performance.now();
        socket.once('data', () => resolve((performance.now() - t0) * 1000));
        socket.write('x');
      });
    const series = async (gapMs: number) => {
      for (let i = 0; i < 20; i++) await ping(); // warm
      const before = await echo.probe();
      const rtts: number[] = [];
      for (let i = 0; i < pings; i++) {
        if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
        rtts.push(await ping());
      }
      const after = await echo.probe();
      return { rtt: median(rtts), cpu: (after.userUs + after.systemUs - before.userUs - before.systemUs) / pings };
    };
    const hot = await series(0);
    const cold = await series(4);
    socket.destroy();
    const r = (v: number) => Math.round(v);
    return { hotRttUs: r(hot.rtt), coldRttUs: r(cold.rtt), hotCpuUs: r(hot.cpu), coldCpuUs: r(cold.cpu) };
  } finally {
    await echo.close();
  }
}
