import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', '.wrangler/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // One file at a time: end-to-end suites run an edge, an agent and the simulator
    // as separate processes on a 2-core machine, and some compare the bridge's
    // wall time with going direct, which a second suite's load would distort.
    fileParallelism: false,
  },
});
