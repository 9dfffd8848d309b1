/**
 * Issue 9.1: a CLI command forwarded to the running server (it holds the embedded database) keeps its `cli:`
 * identity, so one OS user on the forwarded and the standalone path is one actor; and the server lets nobody
 * claim a `cli:` identity without the secret that only the server's OS account can read (src/surfaces/cli/link.ts).
 * The CLI runs as a child (bin/steward.js over dist/), exactly as a user types it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/lib/logger.js';
import { startServer } from '../../src/main.js';
import { CLI_SECRET_HEADER, cliSecretPath } from '../../src/surfaces/cli/link.js';
import { CHILD_TEST_TIMEOUT_MS, clusterDataDir, runCli } from '../support/spawn.js';

describe('CLI commands forwarded to the running server', () => {
  const dir = clusterDataDir('steward-cli-forward-');
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  const osUser = userInfo().username.replace(/[^\w.-]/g, '');
  // STEWARD_USER empty: the CLI is who the OS says it is, on both paths.
  const asOsUser = { STEWARD_DATA_DIR: dir, STEWARD_USER: '' };

  beforeAll(async () => {
    const config = loadConfig({ STEWARD_DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', STEWARD_DEMO_INSTANCES: '40', STEWARD_DEMO_SEED: '42', LOG_LEVEL: 'silent' });
    server = await startServer(config, { log: silentLogger() });
  }, CHILD_TEST_TIMEOUT_MS);
  afterAll(async () => {
    await server?.stop();
  });

  const post = (path: string, headers: Record<string, string>, body: unknown) =>
    fetch(`${server!.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('lets nobody claim a cli: identity without the secret the server wrote for its own account (mode 0600)', async () => {
    const path = cliSecretPath(dir);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const secret = readFileSync(path, 'utf8');
    expect(secret.length).toBeGreaterThanOrEqual(40);

    expect((await post('/api/cli', {}, { argv: ['help'], user: 'root' })).status).toBe(401);
    expect((await post('/api/cli', { [CLI_SECRET_HEADER]: 'x'.repeat(secret.length) }, { argv: ['help'], user: 'root' })).status).toBe(401);
    const ok = await post('/api/cli', { [CLI_SECRET_HEADER]: secret }, { argv: ['approvals', '--json'], user: 'root' });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { outcome: string }).outcome).toBe('ok');

    // The console's user field is a console name, whatever it says.
    const viaConsole = await post('/api/command', {}, { text: 'help', user: 'cli:root' });
    expect(viaConsole.status).toBe(200);
    const name = await runningInstance();
    const proposed = (await (await post('/api/command', {}, { text: `stop ${name} --json`, user: 'cli:root' })).json()) as { data: { id: string } };
    const p = (await server!.app.approvals.get(proposed.data.id))!.proposal;
    expect(p.requester).toMatchObject({ id: 'console:cliroot', surface: 'console' });
    await server!.app.approvals.cancel({ proposalId: p.id, actor: { id: 'console:cliroot', displayName: 'cliroot', surface: 'console' } });
  });

  async function runningInstance(): Promise<string> {
    const viewer = { id: 'console:reader', displayName: 'reader', surface: 'console' as const };
    const inv = (await server!.app.dispatcher.run({ text: 'inventory --state running --limit 500 --json', actor: viewer, surface: 'console' })).data as { instances: { name: string }[] };
    const counts = new Map<string, number>();
    for (const i of inv.instances) counts.set(i.name, (counts.get(i.name) ?? 0) + 1);
    const taken = new Set((await server!.app.approvals.pending()).flatMap((x) => x.plan.steps.map((s) => s.targetName)));
    const name = inv.instances.find((i) => counts.get(i.name) === 1 && !taken.has(i.name))?.name;
    if (!name) throw new Error('no unique running instance');
    return name;
  }

  it(
    'steward stop forwarded, then the same OS user approving standalone, is refused as self-approval',
    async () => {
      const name = await runningInstance();
      const stop = await runCli(['stop', name, '--json'], asOsUser);
      expect(stop.code, stop.stderr).toBe(0);
      const id = (JSON.parse(stop.stdout) as { id: string }).id;
      const proposal = (await server!.app.approvals.get(id))!.proposal;
      expect(proposal.requester).toMatchObject({ id: `cli:${osUser}`, surface: 'cli' });

      // The server stops (its secret goes with it); the CLI now opens the database itself.
      await server!.stop();
      server = undefined;
      expect(existsSync(cliSecretPath(dir))).toBe(false);
      const approve = await runCli(['approve', id], asOsUser);
      expect(approve.code, `${approve.stdout}\n${approve.stderr}`).toBe(3);
      expect(approve.stderr).toMatch(new RegExp(`You requested proposal ${id}, and nobody approves their own proposal`));
      const shown = await runCli(['proposal', id, '--json'], asOsUser);
      expect((JSON.parse(shown.stdout) as { status: string }).status).toBe('proposed');
    },
    CHILD_TEST_TIMEOUT_MS,
  );
});
