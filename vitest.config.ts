import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Forks: each test file gets its own process (PGlite, msw and env changes stay isolated).
    pool: 'forks',
    // Most files wait on child processes, PGlite or sockets: two at a time even on a 2-core machine.
    maxWorkers: Math.max(2, availableParallelism()),
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { TZ: 'UTC', LOG_LEVEL: 'silent' },
  },
});
