import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Each file starts its own sandbox and gateway on free ports; two cores, two workers.
    pool: 'forks',
    maxWorkers: 2,
  },
});
