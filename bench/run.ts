// `npm run bench`: starts the simulator, the Node edge (and the Workers runtime),
// agents and a load generator as separate processes, runs the workloads, prints
// tables and writes bench/results/<date>.json. Every figure sits beside the same
// workload sent direct to the same simulator in the same run.
import { mkdirSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { canPin, describeLayout, layout as coreLayout } from './affinity';
import { busyWarning, machine, machineLoad, otherWork, wakeCost } from './machine';
import { summarizeProfiles } from './profile-summary';
import { spawnChild, type BenchChild } from './processes';
import { attachAgent, childProbe, closeAll, startNodeEdgeChild, startSimChild, type NodeEdge, type Target } from './stack';
import { evaluateTargets, printTargets, type Results } from './targets';
import { startReferences } from './references';
import { printBatch, runBatch } from './workloads/batch';
import { waitRoutable, warmUp, type BenchContext } from './workloads/context';
import { startWorkers } from './workers';
import { printMemory, runMemory } from './workloads/memory';
import { printRelay, runRelay } from './workloads/relay';
import { printSequential, runSequential } from './workloads/sequential';

const WORKLOADS = ['batch', 'sequential', 'relay', 'memory'] as const;
const HOSTS = ['node', 'workers'] as const;

const HELP = `Usage: npm run bench -- [flags]

Runs the relay benchmarks and writes bench/results/<YYYY-MM-DD>.json.

Flags:
  --quick            A subset in under a minute (default hosts: node)
  --only NAMES       Comma-separated workloads: ${WORKLOADS.join(', ')} (default: all)
  --hosts NAMES      Comma-separated bridges to compare with direct: ${HOSTS.join(', ')}
                     (default: node,workers; --quick: node)
  --out FILE         Results file (default: bench/results/<date>.json, <date>-quick.json with --quick)
  --profile          Write V8 CPU profiles of the edge and agents and print their top functions
  --no-pin           Let every process run on every core (default: the simulator gets a core
                     of its own, as vLLM would on a GPU host; see bench/README.md)
  -h, --help         Show this help

See bench/README.md for what each column means.`;

/** A bad command line: printed as one line, exit status 2. */
class UsageError extends Error {
  override name = 'UsageError';
  readonly code = 'ERR_USAGE';
}

function parseList<T extends string>(raw: string | undefined, allowed: readonly T[], flag: string): T[] | undefined {
  if (raw === undefined) return undefined;
  const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const i of items) if (!allowed.includes(i as T)) throw new UsageError(`--${flag}: unknown "${i}" (choose from ${allowed.join(', ')})`);
  return items as T[];
}

function parseFlags() {
  try {
    return parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        only: { type: 'string' },
        hosts: { type: 'string' },
        out: { type: 'string' },
        profile: { type: 'boolean', default: false },
        'no-pin': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }).values;
  } catch (err) {
    // parseArgs names the flag; its first line is the message.
    throw new UsageError(String((err as Error).message).split('\n')[0]);
  }
}

async function main(): Promise<number> {
  const values = parseFlags();
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const quick = values.quick ?? false;
  const only = parseList(values.only, WORKLOADS, 'only') ?? [...WORKLOADS];
  const hosts = parseList(values.hosts, HOSTS, 'hosts') ?? (quick ? ['node'] : [...HOSTS]);
  const date = new Date().toISOString().slice(0, 10);
  const resultsDir = join(dirname(fileURLToPath(import.meta.url)), 'results');
  const out = values.out ?? join(resultsDir, `${date}${quick ? '-quick' : ''}.json`);
  const logDir = mkdtempSync(join(tmpdir(), 'vllama-bench-'));
  const m = machine();
  const pinned = !values['no-pin'] && canPin() ? coreLayout(m.cpus) : undefined;
  const t0 = performance.now();
  const loadBefore = machineLoad();

  process.stdout.write(`vllama bench${quick ? ' --quick' : ''}: ${only.join(', ')} via direct, ${hosts.join(', ')}\n`);
  process.stdout.write(`machine: ${m.cpus} cores (${m.cpuModel}), ${m.memGiB} GiB, Node ${m.node}, ${m.platform}\n`);
  process.stdout.write(`  The load generator, simulator, edge and agent are separate processes. ${describeLayout(pinned)}.\n`);
  process.stdout.write(`load before: 1-min load average ${loadBefore.loadavg1m}, a spinning process got ${Math.round(loadBefore.cpuAvailable * 100)}% of a core${busyWarning(loadBefore, m.cpus)}\n`);
  process.stdout.write(`logs${values.profile ? ' and CPU profiles' : ''}: ${logDir}\n`);
  const wake = await wakeCost(logDir, pinned?.edge, quick ? 100 : 200);
  process.stdout.write(`wake-up: a bare Node echo on the edge's core answers in ${wake.hotRttUs} µs pinged back to back, ${wake.coldRttUs} µs pinged every 4 ms (its CPU per ping ${wake.hotCpuUs} → ${wake.coldCpuUs} µs): what each hop pays to wake for a request here\n`);

  const notes: string[] = [];
  const children: ({ close(): Promise<void> } | undefined)[] = [];
  const results: Results = {};
  const durations: Record<string, number> = {};
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    try {
      return await fn();
    } finally {
      durations[name] = +((performance.now() - start) / 1000).toFixed(1);
    }
  };
  let load: BenchChild | undefined;
  let edge: NodeEdge | undefined;
  try {
    load = await spawnChild({ name: 'loadgen', script: 'child-load.ts', logDir, cpus: pinned?.loadgen });
    children.push(load);
    if (hosts.includes('node')) {
      edge = await startNodeEdgeChild(logDir, values.profile ?? false, 'edge', pinned?.edge);
      children.push(edge.child);
    }
    const ctx: BenchContext = {
      quick, hosts, logDir, cpuProf: values.profile ?? false, layout: pinned, load, edge, notes,
      progress: (line) => process.stderr.write(`  … ${line}\n`),
    };

    if (only.includes('batch') || only.includes('sequential')) {
      // The seed's stack: default (calibrated) simulator timing, one agent per bridge.
      const sim = await startSimChild(logDir, 'sim', {}, pinned?.sim);
      children.push(sim);
      const simUrl = String(sim.info.url);
      const simProbe = childProbe('sim', sim);
      const targets: Target[] = [{ name: 'direct', url: simUrl, headers: {}, probes: [simProbe] }];
      if (edge) {
        const { agent, target } = await attachAgent({
          edgeUrl: edge.url, adminToken: edge.adminToken, tenantName: 'bench-batch', simUrl,
          maxInflight: 256, logDir, name: 'agent-batch', cpuProf: ctx.cpuProf, cpus: pinned?.agent,
        });
        children.push(agent);
        targets.push({ name: 'node', ...target, probes: [simProbe, childProbe('edge', edge.child), childProbe('agent', agent)] });
      }
      if (hosts.includes('workers')) {
        const workers = await startWorkers(ctx, simUrl);
        if (workers) {
          children.push(...workers.closers);
          targets.push({ ...workers.target, probes: [simProbe, ...(workers.target.probes ?? [])] });
        }
      }
      // Quick mode keeps within its minute with the pipes alone.
      const refs = await startReferences(ctx, simUrl, simProbe, 'batch', { pipes: true, nginx: !quick, floor: !quick });
      children.push(...refs.closers);
      targets.push(...refs.targets);
      for (const t of targets) await waitRoutable(ctx, t, 60_000);
      for (const t of targets) await warmUp(ctx, t);
      if (only.includes('batch')) {
        results.batch = await timed('batch', () => runBatch(ctx, targets));
        process.stdout.write(`${printBatch(results.batch)}\n`);
      }
      if (only.includes('sequential')) {
        results.sequential = await timed('sequential', () => runSequential(ctx, targets));
        process.stdout.write(`${printSequential(results.sequential)}\n`);
      }
    }
    if (only.includes('relay')) {
      if (!edge) notes.push('relay: no Node edge (--hosts without node): direct and nginx only');
      results.relay = await timed('relay', () => runRelay(ctx));
      process.stdout.write(`${printRelay(results.relay)}\n`);
    }
    if (only.includes('memory')) {
      if (!hosts.includes('node')) notes.push('memory: needs the Node edge (--hosts node); skipped');
      else {
        results.memory = await timed('memory', () => runMemory(ctx));
        process.stdout.write(`${printMemory(results.memory)}\n`);
      }
    }
  } finally {
    await closeAll(children);
  }

  const loadAfter = machineLoad();
  process.stdout.write(`\nload after: 1-min load average ${loadAfter.loadavg1m}, a spinning process got ${Math.round(loadAfter.cpuAvailable * 100)}% of a core${busyWarning(loadAfter, m.cpus, false)}\n`);
  const other = otherWork(results);
  if (Number.isFinite(other.max)) {
    process.stdout.write(`other work during measured runs: ${other.mean.toFixed(2)} cores on average, ${other.max.toFixed(2)} at most${other.max > 0.3 ? ' — figures from runs with a high "other" are pessimistic' : ''}\n`);
  }
  // Issue 17's tighter limits hold where the load generator, simulator, edge and agent each have a core.
  const corePerProcess = pinned !== undefined && new Set([pinned.loadgen, pinned.sim, pinned.edge, pinned.agent]).size === 4;
  const targets = evaluateTargets(results, hosts, { corePerProcess });
  process.stdout.write(`${printTargets(targets)}\n`);
  if (notes.length) process.stdout.write(`\nNotes:\n${notes.map((n) => `  - ${n}`).join('\n')}\n`);
  let profiles: ReturnType<typeof summarizeProfiles> | undefined;
  if (values.profile) {
    profiles = summarizeProfiles(logDir);
    process.stdout.write(`\n${profiles.text}\n`);
  }
  const seconds = (performance.now() - t0) / 1000;
  const json = {
    schema: 1, date, finishedAt: new Date().toISOString(), seconds: +seconds.toFixed(1), quick, hosts, workloads: only,
    machine: { ...m, loadBefore, loadAfter, wake, otherCores: otherWork(results), pinning: pinned ?? null }, durations, results, targets, notes, profiles: profiles?.top,
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(`${out}.tmp`, `${JSON.stringify(json, null, 2)}\n`);
  renameSync(`${out}.tmp`, out);
  const parts = Object.entries(durations).map(([k, v]) => `${k} ${v} s`).join(', ');
  process.stdout.write(`\nwrote ${out} (${seconds.toFixed(1)} s${parts ? `: ${parts}` : ''})\n`);
  return 0;
}

process.exitCode = await main().catch((err) => {
  if (err instanceof UsageError) {
    process.stderr.write(`bench: ${err.message} (see npm run bench -- --help)\n`);
    return 2;
  }
  process.stderr.write(`bench: ${(err as Error)?.stack ?? String(err)}\n`);
  return 1;
});
