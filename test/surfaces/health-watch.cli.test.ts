/**
 * What issue 15 must show, on a fresh `npm start` (dist/, embedded database, demo estate) driven by the `steward`
 * CLI as a newcomer would: `demo outage aws/eu-west-1` → a failover proposal by steward:watch, risk critical, in
 * `approvals --json` within 60 s; `health --json` shows the region degraded with evidence; two approvals run it;
 * `demo recover aws/eu-west-1` → a failback proposal; `demo fault <instance>` → one restart proposal, only one.
 * Readiness is polled (the deadlines are generous upper bounds, not timings).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHILD_TEST_TIMEOUT_MS, runCli, startServerProcess, tempDataDir, type ServerProcess } from '../support/spawn.js';

interface ProposalRow {
  id: string;
  status: string;
  risk: string;
  requester: string;
  title: string;
}

describe('health watch on a fresh npm start, through the CLI', () => {
  let server: ServerProcess;
  const dir = tempDataDir('steward-watch-cli-');
  const cli = async (args: string[], user = 'alice') => {
    const r = await runCli([...args], { STEWARD_DATA_DIR: dir, STEWARD_USER: user });
    expect(r.code, `steward ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`).toBe(0);
    return r.stdout;
  };
  const json = async <T>(args: string[], user?: string): Promise<T> => JSON.parse(await cli([...args, '--json'], user)) as T;
  const watchProposals = async () => (await json<{ proposals: ProposalRow[] }>(['approvals'])).proposals.filter((p) => p.requester === 'steward:watch');
  async function until<T>(what: string, deadlineMs: number, probe: () => Promise<T | undefined>): Promise<T> {
    const end = Date.now() + deadlineMs;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() > end) throw new Error(`${what}: not seen within ${deadlineMs / 1000} s\n${server.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  beforeAll(async () => {
    server = await startServerProcess({ STEWARD_DATA_DIR: dir, LOG_LEVEL: 'warn' });
  }, CHILD_TEST_TIMEOUT_MS);
  afterAll(async () => {
    await server?.stop();
  });

  it(
    'outage → failover proposal by steward:watch (critical) → health degraded → approvals run it → recover → failback proposal',
    async () => {
      await cli(['demo', 'outage', 'aws/eu-west-1']);
      const failover = await until('a failover proposal by steward:watch', 60_000, async () => (await watchProposals()).find((p) => p.title.startsWith('Failover')));
      expect(failover.risk).toBe('critical');
      const health = await json<{ regions: { cloud: string; region: string; state: string; evidence: string[] }[] }>(['health']);
      const region = health.regions.find((r) => r.cloud === 'aws' && r.region === 'eu-west-1');
      expect(region?.state).toBe('degraded');
      expect(region?.evidence.length).toBeGreaterThan(0);

      await cli(['approve', failover.id], 'alice');
      await cli(['approve', failover.id], 'bob');
      await until('the failover to finish', 90_000, async () => {
        const p = await json<{ status: string; outcome: string | null }>(['proposal', failover.id]);
        return ['succeeded', 'failed', 'rolled_back'].includes(p.status) ? p : undefined;
      }).then((p) => expect(p.status, p.outcome ?? '').toBe('succeeded'));

      await cli(['demo', 'recover', 'aws/eu-west-1']);
      const failback = await until('a failback proposal', 60_000, async () => (await watchProposals()).find((p) => p.title.startsWith('Failback')));
      expect(failback.status).toBe('proposed');
    },
    CHILD_TEST_TIMEOUT_MS * 2,
  );

  it(
    'demo fault <instance> → exactly one restart proposal for it',
    async () => {
      const inv = await json<{ instances: { id: string; name: string; provider: string; region: string; state: string }[] }>(['inventory', '--provider', 'gcp', '--state', 'running']);
      const victim = inv.instances[0];
      if (!victim) throw new Error('no running gcp instance');
      await cli(['demo', 'fault', victim.name]);
      const restart = await until('a restart proposal', 60_000, async () => (await watchProposals()).find((p) => p.title.startsWith(`Restart ${victim.name} `)));
      expect(restart.risk).toBe('medium');
      // A few more passes of the watch (every 5 s) do not add a second one.
      await new Promise((r) => setTimeout(r, 12_000));
      expect((await watchProposals()).filter((p) => p.title.startsWith('Restart'))).toHaveLength(1);
    },
    CHILD_TEST_TIMEOUT_MS,
  );
});
