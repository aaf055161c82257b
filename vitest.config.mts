import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', '.wrangler/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // End-to-end suites start real processes and ports; two cores here.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
