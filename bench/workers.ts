// The Workers runtime as a bridge: `wrangler dev` (workerd, local Durable
// Objects) from test/hosts/workers-host.ts, one tenant and one agent; skipped
// with a note when it does not start.
import { pin } from './affinity';
import { procCpuUs } from './proc-stat';
import { attachAgent, childProbe, closeAll, type Target } from './stack';
import { waitRoutable, type BenchContext } from './workloads/context';

/** The Workers runtime under `wrangler dev`, with its own agent; undefined (and a note) when it cannot start. */
export async function startWorkers(ctx: BenchContext, simUrl: string): Promise<{ target: Target; closers: { close(): Promise<void> }[] } | undefined> {
  const closers: { close(): Promise<void> }[] = [];
  try {
    const { startWorkersEdge } = await import('../test/hosts/workers-host');
    const adminToken = `bench-admin-${Math.random().toString(36).slice(2)}`;
    const workers = await startWorkersEdge({ adminToken, queueTimeoutMs: 120_000, testHooks: false });
    closers.push(workers);
    // Straight to the Worker's workerd, past wrangler's ProxyWorker: that hop pools
    // connections that both ends drop after 5 s idle, and a burst sent ~5 s after the
    // last one lost up to 60 % of its requests to the race ("Your worker restarted
    // mid-request", though nothing restarted). Production has no such proxy.
    const edgeUrl = await workers.workerUrl();
    const { agent, target } = await attachAgent({
      edgeUrl, adminToken: workers.adminToken, tenantName: 'bench-workers', simUrl,
      maxInflight: 256, logDir: ctx.logDir, name: 'agent-workers', cpus: ctx.layout?.agent,
    });
    closers.push(agent);
    // wrangler and both its workerd processes (the Worker's too, which runs on a port of its own).
    const pids = workers.pids();
    for (const pid of pids) pin(pid, ctx.layout?.proxy);
    const workerd = { name: 'workers', read: async () => ({ cpuUs: pids.reduce((a, p) => a + procCpuUs(p), 0) }) };
    const t: Target = { name: 'workers', ...target, probes: [workerd, childProbe('agent', agent)] };
    await waitRoutable(ctx, t, 60_000);
    return { target: t, closers };
  } catch (err) {
    ctx.notes.push(`workers: skipped, wrangler dev did not start or serve: ${(err as Error).message.split('\n')[0]}`);
    await closeAll(closers);
    return undefined;
  }
}
