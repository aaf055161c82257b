// Benchmark child: the load generator in its own process, so its CPU never
// counts against the edge, the agent or the simulator it measures.
import { serveChild } from './child-harness';
import { closePools, holdStreams, runLoad, type HeldStreams, type LoadSpec, type RequestSpec } from './load';

/** Held sets add up until `release`, so memory can be probed at two counts. */
let held: HeldStreams[] = [];

await serveChild(async () => ({
  info: {},
  close: () => closePools(),
  commands: {
    run: (spec) => runLoad(spec as LoadSpec),
    async hold(payload) {
      const { spec, count, openTimeoutMs } = payload as { spec: RequestSpec; count: number; openTimeoutMs: number };
      const h = await holdStreams(spec, count, openTimeoutMs);
      held.push(h);
      return { opened: h.opened, failed: h.failed, errors: h.errors };
    },
    async release() {
      const all = held;
      held = [];
      const results = await Promise.all(all.map((h) => h.release()));
      return { aborted: results.reduce((a, r) => a + r.aborted, 0) };
    },
    closePools: () => closePools(),
  },
}));
