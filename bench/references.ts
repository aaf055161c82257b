// Reference paths in front of a simulator, measured beside the bridge so its
// figures have a reference on the same machine in the same run:
// - pipes: two bare Node TCP relays (bench/child-pipe.ts) pinned where the edge
//   and the agent run: the least two Node processes in the path can add here;
// - floor: a bare HTTP ↔ WebSocket ↔ HTTP bridge in two Node processes
//   (bench/child-floor.ts), pinned the same way: what the bridge's design costs
//   in Node before any of the project's own work (keys, limits, metrics, flow
//   control, checks);
// - nginx: a plain streaming reverse proxy, what a user with an open port would
//   run instead (skipped with a note when nginx is absent).
import { findNginx, startNginx, type NginxProxy } from './nginx';
import { spawnChild, type BenchChild } from './processes';
import { childProbe, type CpuProbe, type Target } from './stack';
import type { BenchContext } from './workloads/context';

export interface References {
  targets: Target[];
  closers: { close(): Promise<void> }[];
  /** What nginx was, or why it was skipped. */
  nginx: string;
  /** The running nginx, for workloads that probe more than its CPU (memory). */
  proxy?: NginxProxy;
}

/**
 * Starts the references `which` names in front of `simUrl`. `simProbe`, if any, joins each
 * target's probes; the pipes report as `edge` and `agent` (first and second relay), so
 * tables put their CPU in the same columns as the bridge's.
 */
export async function startReferences(ctx: BenchContext, simUrl: string, simProbe: CpuProbe | undefined, label: string, which: { pipes: boolean; nginx: boolean; floor?: boolean } = { pipes: true, nginx: true }): Promise<References> {
  const sim = simProbe ? [simProbe] : [];
  const closers: { close(): Promise<void> }[] = [];
  const targets: Target[] = [];
  if (which.pipes) {
    const second = await spawnChild({ name: `pipe-${label}-2`, script: 'child-pipe.ts', logDir: ctx.logDir, cpus: ctx.layout?.agent, opts: { upstream: new URL(simUrl).host } });
    closers.push(second);
    const first = await spawnChild({ name: `pipe-${label}-1`, script: 'child-pipe.ts', logDir: ctx.logDir, cpus: ctx.layout?.edge, opts: { upstream: new URL(String(second.info.url)).host } });
    closers.push(first);
    targets.push({ name: 'pipes', url: String(first.info.url), headers: {}, probes: [...sim, childProbe('edge', first), childProbe('agent', second)] });
  }
  if (which.floor) targets.push(await startFloor(ctx, simUrl, sim, label, closers));
  if (!which.nginx) return { targets, closers, nginx: 'not run here' };
  const binary = findNginx();
  let nginx = binary ? `nginx (${binary}), 1 worker, proxy_buffering off, keepalive upstream` : 'skipped: nginx is not installed';
  let proxy: NginxProxy | undefined;
  if (binary) {
    try {
      proxy = await startNginx(binary, `${ctx.logDir}/nginx-${label}`, Number(new URL(simUrl).port), ctx.layout?.proxy);
      closers.push(proxy);
      const running = proxy;
      const probe: CpuProbe = { name: 'nginx', read: async () => ({ cpuUs: running.probe().cpuUs }) };
      targets.push({ name: 'nginx', url: proxy.url, headers: {}, probes: [...sim, probe] });
    } catch (err) {
      nginx = `skipped: nginx failed to start: ${(err as Error).message}`;
    }
  }
  if (nginx.startsWith('skipped')) ctx.notes.push(`${label}: ${nginx}`);
  return { targets, closers, nginx, proxy };
}

/** The floor bridge (bench/child-floor.ts): its edge where the edge runs, its agent where the agent runs. */
export async function startFloor(ctx: Pick<BenchContext, 'logDir' | 'layout'>, simUrl: string, sim: CpuProbe[], label: string, closers: { close(): Promise<void> }[], nodeArgs?: string[]): Promise<FloorTarget> {
  const edge = await spawnChild({ name: `floor-${label}-edge`, script: 'child-floor.ts', logDir: ctx.logDir, cpus: ctx.layout?.edge, opts: { role: 'edge' }, nodeArgs });
  closers.push(edge);
  const agent = await spawnChild({ name: `floor-${label}-agent`, script: 'child-floor.ts', logDir: ctx.logDir, cpus: ctx.layout?.agent, opts: { role: 'agent', edgeUrl: edge.info.url, upstream: simUrl }, nodeArgs });
  closers.push(agent);
  return { name: FLOOR, url: String(edge.info.url), headers: {}, probes: [...sim, childProbe('edge', edge), childProbe('agent', agent)], children: { edge, agent } };
}

/** The floor's target, with its two processes for workloads that probe more than CPU (memory). */
export interface FloorTarget extends Target {
  children: { edge: BenchChild; agent: BenchChild };
}

export const FLOOR = 'floor';

/** The notes printed under a table that has reference rows. */
export const REFERENCE_NOTE =
  'pipes: two bare Node TCP relays where the edge and agent run (no parsing, no tunnel, no coalescing of writes): what two Node hops add on this machine. floor: a bare HTTP ↔ WebSocket ↔ HTTP bridge in the same two places, without the project’s own work: what the design costs in Node. nginx: one plain reverse proxy.';
