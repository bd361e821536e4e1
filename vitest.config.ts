import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // *.differential.test.ts need a checkout of another tool: `npm run test:imagebuilder`.
    exclude: ['test/e2e/**', 'node_modules/**', 'test/**/*.differential.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
