import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { killStrays, straysAfter } from './support/strays.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PGlite cluster after initdb only (no migrations, no estate): test/support/spawn.ts clusterDataDir copies it. */
    pgliteTemplate: string;
    /** This run's ledger of child processes (test/support/strays.ts): spawn.ts records each child there. */
    childLedger: string;
  }
}

/** The CLI and server tests run the compiled output, exactly what `npx steward` and `npm start` run
 * (`tsc -b` only rebuilds when a source changed). */
export default function setup(project: TestProject) {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-b', 'tsconfig.build.json'], { stdio: 'inherit' });
  if (!process.env.TEST_DATABASE_URL) {
    // The suites that need it are listed as skipped, with this reason in their titles (test/support/db.ts).
    process.stdout.write('PostgreSQL suites are skipped: TEST_DATABASE_URL is not set (.ci/run sets it; or export TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test).\n');
  }
  // initdb once for the suite: on a busy 2-core machine it is most of a fresh folder's first start (≈50 s of a 65 s
  // CLI run at load 22). Tests that are not about the first run copy this cluster; the first-run tests (npm start
  // on a fresh folder) still initialise their own.
  const root = mkdtempSync(join(tmpdir(), 'steward-pglite-template-'));
  const script = 'const { PGlite } = await import("@electric-sql/pglite"); const c = await PGlite.create(process.argv[1]); await c.close();';
  execFileSync(process.execPath, ['--input-type=module', '-e', script, join(root, 'pglite')], { stdio: 'inherit', timeout: 600_000 });
  project.provide('pgliteTemplate', join(root, 'pglite'));
  const ledger = mkdtempSync(join(tmpdir(), 'steward-children-'));
  project.provide('childLedger', ledger);
  return async () => {
    rmSync(root, { recursive: true, force: true });
    await failOnStrays(ledger);
  };
}

/**
 * No process the suite started may outlive it (issue 9.17: a server left orphaned on a port, a CLI holding a data
 * folder's lock). A child gets a few seconds to notice its test process is gone; one still alive after that is
 * killed, named, and fails the run.
 */
async function failOnStrays(ledger: string): Promise<void> {
  const strays = await straysAfter(ledger, 15_000);
  rmSync(ledger, { recursive: true, force: true });
  if (strays.length === 0) return;
  killStrays(strays);
  process.exitCode = 1;
  const list = strays.map((s) => `  pid ${s.pid}: ${s.command}`).join('\n');
  process.stderr.write(`\nThe run left ${strays.length} process(es) it started still running (now killed); their tests must stop them:\n${list}\n`);
  throw new Error(`child processes outlived the test run:\n${list}`);
}
