// Benchmark child: the vLLM simulator in its own process, so its CPU is not the edge's or the load generator's.
import { startSim, type SimOptions } from '../sim/server';
import { serveChild } from './child-harness';

await serveChild(async (opts) => {
  const sim = await startSim({ host: '127.0.0.1', port: 0, ...(opts as SimOptions) });
  return {
    info: { url: sim.url, port: sim.port },
    close: () => sim.close(),
    commands: {
      engine: () => ({ running: sim.engine.running, waiting: sim.engine.waiting, ...sim.engine.stats }),
    },
  };
});
