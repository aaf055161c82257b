// Starts what a workload measures: a simulator, and in front of it the Node
// edge (or the Workers runtime) with one agent, each its own process. The
// direct target is the same simulator, so every ratio compares like with like.
import { randomBytes } from 'node:crypto';
import { BenchChild, spawnChild } from './processes';

/** Reads one process's (or process group's) CPU time so far, µs. */
/** One reading of a process's own accounting, cumulative since it started. */
export interface ProbeReading {
  cpuUs: number;
  /** GC pauses, ms, where the process reports them (the Node children). */
  gcMs?: number;
}

export interface CpuProbe {
  name: string;
  read(): Promise<ProbeReading>;
}

export interface Target {
  /** direct | node | workers | nginx */
  name: string;
  url: string;
  headers: Record<string, string>;
  /** The processes in this target's path whose CPU a run reports (the simulator's included). */
  probes?: CpuProbe[];
}

export function childProbe(name: string, child: BenchChild): CpuProbe {
  return {
    name,
    read: async () => {
      const p = await child.probe();
      return { cpuUs: p.userUs + p.systemUs, gcMs: p.gcMs };
    },
  };
}

export interface Tenant {
  tenant: string;
  apiKey: string;
  agentToken: string;
}

export interface NodeEdge {
  child: BenchChild;
  url: string;
  adminToken: string;
}

/** The admin API both edge hosts share: one tenant, its API key and agent token. */
export async function createTenant(edgeUrl: string, adminToken: string, name: string): Promise<Tenant> {
  const res = await fetch(`${edgeUrl}/admin/v1/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`creating tenant ${name} at ${edgeUrl}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as Tenant;
}

export async function startNodeEdgeChild(logDir: string, cpuProf: boolean, name = 'edge', cpus?: string, nodeArgs?: string[]): Promise<NodeEdge> {
  const adminToken = `bench-admin-${randomBytes(12).toString('hex')}`;
  // Queued requests (1,000 concurrent against 256 sequences) must wait, not fail.
  const child = await spawnChild({ name, script: 'child-edge.ts', logDir, cpuProf, cpus, nodeArgs, opts: { adminToken, queueTimeoutMs: 120_000 } });
  return { child, url: String(child.info.url), adminToken };
}

export interface SimSpec {
  stepBaseMs?: number;
  stepPerSeqMs?: number;
  prefillPerTokenMs?: number;
  maxNumSeqs?: number;
}

export async function startSimChild(logDir: string, name: string, spec: SimSpec, cpus?: string): Promise<BenchChild> {
  return spawnChild({ name, script: 'child-sim.ts', logDir, cpus, opts: { ...spec } });
}

/** A tenant on the edge and one agent serving the simulator through it. */
export async function attachAgent(o: {
  edgeUrl: string;
  adminToken: string;
  tenantName: string;
  simUrl: string;
  maxInflight: number;
  logDir: string;
  name: string;
  cpuProf?: boolean;
  cpus?: string;
  nodeArgs?: string[];
}): Promise<{ agent: BenchChild; target: Omit<Target, 'name'> }> {
  const t = await createTenant(o.edgeUrl, o.adminToken, o.tenantName);
  const agent = await spawnChild({
    name: o.name,
    script: 'child-agent.ts',
    logDir: o.logDir,
    cpuProf: o.cpuProf,
    cpus: o.cpus,
    nodeArgs: o.nodeArgs,
    opts: { edge: o.edgeUrl, token: t.agentToken, upstream: o.simUrl, maxInflight: o.maxInflight },
  });
  return { agent, target: { url: o.edgeUrl, headers: { authorization: `Bearer ${t.apiKey}` } } };
}

/** Closes children in reverse start order; a failure to close one does not stop the rest. */
export async function closeAll(children: readonly (BenchChild | { close(): Promise<void> } | undefined)[]): Promise<void> {
  for (const c of [...children].reverse()) {
    try {
      await c?.close();
    } catch {
      // best effort: the run is ending
    }
  }
}
