import { defineConfig } from 'vitest/config';

// The judges that need a checkout of another tool (ImageBuilder), which Debian does not package:
// `npm run test:imagebuilder`, where IMAGEBUILDER names one (see the test file).
export default defineConfig({
  test: {
    include: ['test/**/*.differential.test.ts'],
    testTimeout: 120_000,
    pool: 'forks',
  },
});
