import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHILD_TEST_TIMEOUT_MS, ROOT, childEnv, runNode, tempDataDir } from '../support/spawn.js';

// What `steward help`, `--version` and a usage error must never load: a database driver, the HTTP server, the
// chart renderer or any chat or cloud SDK (issue 12: the CLI answers these at once).
const HEAVY = /^(@electric-sql\/pglite|drizzle-orm|pg|express|echarts|@resvg\/.*|@aws-sdk\/.*|@smithy\/.*|@azure\/.*|@google-cloud\/.*|google-auth-library|google-gax|@slack\/.*|botbuilder.*|highs|prom-client|node-cron)$/;
const TRACE = join(ROOT, 'test/support/trace-packages.mjs');

async function traced(args: string[]) {
  const dataDir = tempDataDir('steward-cli-fast-');
  const traceFile = join(dataDir, 'packages.txt');
  const r = await runNode(['--import', TRACE, 'bin/steward.js', ...args], { env: childEnv({ STEWARD_DATA_DIR: dataDir, STEWARD_TRACE_PACKAGES: traceFile }) });
  const packages = existsSync(traceFile) ? readFileSync(traceFile, 'utf8').split('\n').filter(Boolean) : [];
  return { ...r, packages, heavy: packages.filter((p) => HEAVY.test(p)), openedDatabase: existsSync(join(dataDir, 'pglite')) };
}

describe('the CLI answers help, --version and usage errors without the database or any SDK', { timeout: CHILD_TEST_TIMEOUT_MS }, () => {
  it('the package trace sees what a child loads (so the checks below can fail)', async () => {
    const file = join(tempDataDir('steward-trace-'), 'p.txt');
    const r = await runNode(['--import', TRACE, '--input-type=module', '-e', "await import('pg');"], { env: childEnv({ STEWARD_TRACE_PACKAGES: file }) });
    expect(r.code).toBe(0);
    expect(readFileSync(file, 'utf8').split('\n')).toContain('pg');
  });

  it('help lists the commands without opening the database or loading an SDK', async () => {
    const r = await traced(['help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('inventory');
    expect(r.stdout).toContain('optimize');
    expect(r.heavy).toEqual([]);
    expect(r.openedDatabase).toBe(false);
  });

  it('help of one command and <command> --help answer without the database', async () => {
    const a = await traced(['help', 'optimize']);
    expect(a.code).toBe(0);
    expect(a.stdout).toContain('--max-moves');
    const b = await traced(['optimize', '--help']);
    expect(b.code).toBe(0);
    expect(b.stdout).toContain('--max-moves');
    expect([...a.heavy, ...b.heavy]).toEqual([]);
    expect(a.openedDatabase || b.openedDatabase).toBe(false);
  });

  it('--version prints the package version and exits 0 without the database', async () => {
    const r = await traced(['--version']);
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`steward ${version}`);
    expect(r.heavy).toEqual([]);
    expect(r.openedDatabase).toBe(false);
  });

  it('a usage error exits 2 with its JSON error, without the database', async () => {
    const r = await traced(['inventory', '--limit', 'lots', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { outcome: 'usage' } });
    expect(r.stderr).toContain('--limit');
    expect(r.heavy).toEqual([]);
    expect(r.openedDatabase).toBe(false);
  });

  it('an unknown command exits 2 with a did-you-mean, without the database', async () => {
    const r = await traced(['invetory']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Did you mean `inventory`?');
    expect(r.heavy).toEqual([]);
    expect(r.openedDatabase).toBe(false);
  });
});
