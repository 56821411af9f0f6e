import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Node resolves `graphql` to its CommonJS build (the package has no "exports"); Vite would pick the
    // ESM build, and a schema would then meet two copies of graphql-js. Use the one Node uses.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Each file starts its own sandbox and gateway on free ports; two cores, two workers.
    pool: 'forks',
    maxWorkers: 2,
  },
});
