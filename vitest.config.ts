import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Forks: each test file gets its own process (PGlite, msw and env changes stay isolated).
    pool: 'forks',
    // Most files wait on child processes, PGlite or sockets: two at a time even on a 2-core machine. Not more than
    // the cores: on a shared 2-core box with one core busy, more workers only make every file slower.
    maxWorkers: Math.max(2, availableParallelism()),
    globalSetup: ['test/global-setup.ts'],
    // A file that leaves a child process running fails (test/support/setup-children.ts); the run fails if any process
    // it started outlives it (test/global-setup.ts, test/support/strays.ts).
    setupFiles: ['test/support/setup-children.ts'],
    // Ceilings for a test that hangs, not expectations of speed: a busy 2-core machine runs a PGlite bootstrap or a
    // CLI child ten times slower than an idle one. Child-process tests set their own (test/support/spawn.ts), and
    // every child is killed before its test's ceiling.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
    env: { TZ: 'UTC', LOG_LEVEL: 'silent' },
  },
});
