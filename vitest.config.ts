import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * The workspace runs from source: `@greyhaven/*` packages export `dist/` to the world and, under this condition,
 * their `src/*.ts` (tsconfig.json's customConditions says the same to the type checker).
 */
const SOURCE_CONDITION = '@greyhaven/source';

export default defineConfig({
  ssr: { resolve: { conditions: [SOURCE_CONDITION, ...defaultServerConditions] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/**/*.test.ts', 'test/**/*.test.ts', 'python/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Real binaries (promtool, prometheus) run in tests; two cores: keep parallelism modest.
    maxWorkers: 2,
  },
});
