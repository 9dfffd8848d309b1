import { execFileSync } from 'node:child_process';

/** The CLI and server tests run the compiled output, exactly what `npx steward` and `npm start` run
 * (`tsc -b` only rebuilds when a source changed). */
export default function setup() {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-b', 'tsconfig.build.json'], { stdio: 'inherit' });
  if (!process.env.TEST_DATABASE_URL) {
    // The suites that need it are listed as skipped, with this reason in their titles (test/support/db.ts).
    process.stdout.write('PostgreSQL suites are skipped: TEST_DATABASE_URL is not set (.ci/run sets it; or export TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test).\n');
  }
}
