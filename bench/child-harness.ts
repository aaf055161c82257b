// The child side of a benchmark process: starts one component from options in
// BENCH_CHILD_OPTS, then answers the parent over the IPC channel — CPU and
// memory probes from the process's own accounting, and component commands.
import { createServer, type Socket } from 'node:net';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';

export interface ProcessProbe {
  /** process.cpuUsage(), µs. */
  userUs: number;
  systemUs: number;
  rss: number;
  /** V8 heap committed (what RSS sees of the heap); heapUsed is what is live in it. */
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** performance.now() in the child, ms. */
  at: number;
  /** Event-loop utilisation since start (0..1). */
  elu: number;
  /** Garbage-collection pauses since start, ms (perf_hooks 'gc' entries; 0 before the observer runs). */
  gcMs: number;
  /**
   * Resident bytes of V8's young generation (new space). Empty after a full GC,
   * yet its pages count in RSS as allocation touches them: capacity, not state.
   */
  youngResident: number;
}

let gcMs = 0;

/** Sums GC pauses from here on; the entries arrive a little after each collection. */
export function observeGc(): void {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration;
  }).observe({ entryTypes: ['gc'] });
}

export interface Component {
  /** Sent to the parent with `ready` (URLs, ports). */
  info: Record<string, unknown>;
  close(): Promise<void>;
  /** Extra commands the parent may call by name. */
  commands?: Record<string, (payload: unknown) => Promise<unknown> | unknown>;
}

export interface ChildRequest {
  id: number;
  type: string;
  payload?: unknown;
}

export function probe(): ProcessProbe {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  return {
    userUs: cpu.user, systemUs: cpu.system,
    rss: mem.rss, heapTotal: mem.heapTotal, heapUsed: mem.heapUsed, external: mem.external, arrayBuffers: mem.arrayBuffers,
    at: performance.now(), elu: performance.eventLoopUtilization().utilization, gcMs,
    youngResident: getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.physical_space_size ?? 0,
  };
}

function send(message: unknown): void {
  process.send?.(message);
}

/**
 * A TCP server on a free loopback port for the bare children (echo, pipe).
 * `track` takes a socket into its care: no Nagle delay, destroyed on error,
 * and destroyed by close() if still open.
 */
export async function tcpServer(
  onConnection: (socket: Socket, track: (s: Socket) => void) => void,
): Promise<{ port: number; close(): Promise<void> }> {
  const open = new Set<Socket>();
  const track = (s: Socket) => {
    open.add(s);
    s.setNoDelay(true);
    s.on('error', () => s.destroy());
    s.on('close', () => open.delete(s));
  };
  const server = createServer((s) => onConnection(s, track));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export async function serveChild(start: (opts: Record<string, unknown>) => Promise<Component>): Promise<void> {
  if (!process.send) throw new Error('A benchmark child must be started with an IPC channel (bench/processes.ts)');
  const opts = JSON.parse(process.env.BENCH_CHILD_OPTS ?? '{}') as Record<string, unknown>;
  observeGc();
  let component: Component;
  try {
    component = await start(opts);
  } catch (err) {
    send({ type: 'failed', error: (err as Error)?.stack ?? String(err) });
    process.exit(1);
  }
  const builtins: Record<string, (payload: unknown) => unknown> = {
    probe: () => probe(),
    gc: () => {
      // --expose-gc is passed by bench/processes.ts; twice so weak refs and finalizers settle.
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      gc?.();
      return probe();
    },
    /** Writes a V8 heap snapshot (for finding what an in-flight stream holds); returns its path. */
    heapSnapshot: (payload) => writeHeapSnapshot(typeof payload === 'string' ? payload : undefined),
    close: async () => {
      await component.close();
      setImmediate(() => process.exit(0));
      return true;
    },
  };
  process.on('message', async (msg: ChildRequest) => {
    const fn = builtins[msg.type] ?? component.commands?.[msg.type];
    try {
      if (!fn) throw new Error(`unknown command ${msg.type}`);
      send({ id: msg.id, ok: true, value: await fn(msg.payload) });
    } catch (err) {
      send({ id: msg.id, ok: false, error: (err as Error)?.stack ?? String(err) });
    }
  });
  // The parent going away must not leave servers running.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', info: component.info });
}
