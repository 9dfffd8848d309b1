import { describe, expect, it } from 'vitest';
import { CHILD_TEST_TIMEOUT_MS, runCli, clusterDataDir } from '../support/spawn.js';

// Each test has a data folder of its own: a CLI child that is slow or killed never holds another test's lock.
describe('steward CLI (bin/steward.js)', { timeout: CHILD_TEST_TIMEOUT_MS }, () => {
  const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { STEWARD_DATA_DIR: clusterDataDir('steward-cli-'), ...env });

  it('prints inventory as JSON with instances of all three providers', async () => {
    const r = await cli(['inventory', '--json']);
    expect(r.code).toBe(0);
    const data = JSON.parse(r.stdout) as { instances: Record<string, unknown>[] };
    expect(new Set(data.instances.map((i) => i.provider))).toEqual(new Set(['aws', 'azure', 'gcp']));
    for (const i of data.instances) {
      expect(Object.keys(i)).toEqual(expect.arrayContaining(['provider', 'region', 'id', 'name', 'type', 'state', 'hourlyUsd']));
    }
  });

  it('exits 2 with a did-you-mean for an unknown command', async () => {
    const r = await cli(['invetory']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Did you mean `inventory`?');
    expect(r.stdout).toBe('');
  });

  it('exits 2 with the way to list commands for a command with nothing close', async () => {
    const r = await cli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Unknown command `frobnicate`');
    expect(r.stderr).toContain('help');
  });

  it('exits 2 on a bad option and prints a JSON error with --json', async () => {
    const r = await cli(['inventory', '--limit', 'lots', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { outcome: 'usage' } });
  });

  it('keeps a change made through one run for the next (shared embedded database)', async () => {
    const env = { STEWARD_DATA_DIR: clusterDataDir('steward-cli-'), STEWARD_DEMO_SEED: '3', STEWARD_DEMO_INSTANCES: '9' };
    const a = await runCli(['demo', 'reset', '--seed', '3', '--instances', '9', '--json'], env);
    expect(a.code).toBe(0);
    const b = await runCli(['inventory', '--json'], env);
    expect((JSON.parse(b.stdout) as { total: number }).total).toBe(9);
  });

  it('names a bad environment variable and exits 78', async () => {
    const r = await cli(['inventory'], { STEWARD_PROVIDERS: 'oracle' });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('STEWARD_PROVIDERS');
  });

  it('prints usage without a command', async () => {
    const r = await cli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('Usage: steward <command>');
  });
});
