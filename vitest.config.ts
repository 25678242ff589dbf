import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/**/*.test.ts', 'test/**/*.test.ts', 'python/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Real binaries (promtool, prometheus) run in tests; two cores: keep parallelism modest.
    maxWorkers: 2,
  },
});
