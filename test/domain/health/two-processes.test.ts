/**
 * Several replicas watch without double-proposing: two processes on one PostgreSQL database run the health watch
 * over the same injected outage and fault, both polling, at the same time, for several poll slots; exactly one
 * failover and one restart proposal exist at the end. (PGlite is one process's database, so this needs the server,
 * which .ci/run always provides.)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { bootstrap } from '../../../src/main.js';
import { silentLogger } from '../../../src/lib/logger.js';
import { fromRoot } from '../../../src/lib/paths.js';
import { WATCH_ACTOR } from '../../../src/domain/model/actor.js';
import { openScratchPostgres, POSTGRES_SKIPPED } from '../../support/db.js';
import { pollUntil } from '../../support/poll.js';
import { CHILD_DEADLINE_MS, CHILD_TEST_TIMEOUT_MS, childEnv, killChild, spawnNode, tempDataDir, type ChildResult } from '../../support/spawn.js';

/** One replica (watch-child.ts): `ready()` once it printed READY (it throws if the replica exited first); `done`
 * with its output once it exits. */
function runWatchChild(env: NodeJS.ProcessEnv): { ready(): boolean; done: Promise<ChildResult> } {
  let closed = false;
  const child = spawnNode(['--import', 'tsx', fromRoot('test/domain/health/watch-child.ts')], { env });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<ChildResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      killChild(child);
      reject(new Error(`watch replica did not finish in ${CHILD_DEADLINE_MS / 1000} s and was killed:\n${stdout}\n${stderr}`));
    }, CHILD_DEADLINE_MS);
    child.on('close', (code, signal) => {
      closed = true;
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    ready() {
      if (stdout.includes('READY\n')) return true;
      if (closed) throw new Error(`a watch replica exited before it was ready:\n${stdout}\n${stderr}`);
      return false;
    },
    done,
  };
}

const url = process.env.TEST_DATABASE_URL;

describe.skipIf(!url)(`health watch: two processes propose each remedy once [postgres, child processes]${url ? '' : ` ${POSTGRES_SKIPPED}`}`, () => {
  let scratch: Awaited<ReturnType<typeof openScratchPostgres>>;
  beforeAll(async () => {
    scratch = await openScratchPostgres(url as string, 2);
  });
  afterAll(async () => {
    await scratch?.dispose();
  });

  it(
    'one failover for the outage and one restart for the faulted instance, whoever polls',
    async () => {
      const setup = await bootstrap(loadConfig({ DATABASE_URL: scratch.url, LOG_LEVEL: 'silent' }), { log: silentLogger() });
      // With PostgreSQL the default policy makes nobody an admin, so the faults are injected through the demo control.
      const demo = setup.services.demo?.health;
      if (!demo) throw new Error('no demo fault injection');
      expect((await demo.outage('aws', 'eu-west-1', new Date())).created).toBe(true);
      const inventory = await setup.services.inventory.collect({});
      const victim = inventory.instances.find((i) => i.state === 'running' && i.provider === 'gcp');
      if (!victim) throw new Error('no running gcp instance in the demo estate');
      expect((await demo.fault(victim.id, new Date())).impaired).toMatch(/status check failed/);
      await setup.close();

      // Both replicas start, and only once both are up do they race, for the same window of several poll slots:
      // however long a start takes on a busy machine, neither polls alone.
      const goFile = join(tempDataDir('steward-watch-go-'), 'go');
      const env = childEnv({ DATABASE_URL: scratch.url, GO_FILE: goFile });
      const children = [0, 1].map(() => runWatchChild(env));
      await pollUntil('both watch replicas ready', () => (children.every((c) => c.ready()) ? true : undefined), { everyMs: 100 });
      writeFileSync(goFile, String(Date.now() + 8_000));
      const [a, b] = await Promise.all(children.map((c) => c.done));
      if (!a || !b) throw new Error('a watch replica gave no result');
      for (const r of [a, b]) expect(r.code, r.stderr + r.stdout).toBe(0);
      const proposedBy = [a, b].map((r) => JSON.parse(/PROPOSED (.*)/.exec(r.stdout)?.[1] ?? '[]') as string[]);

      const check = await bootstrap(loadConfig({ DATABASE_URL: scratch.url, LOG_LEVEL: 'silent' }), { log: silentLogger() });
      try {
        const mine = (await check.approvals.pending()).filter((p) => p.requester.id === WATCH_ACTOR.id);
        expect(mine.map((p) => p.plan.origin?.action).sort()).toEqual(['failover', 'restart']);
        expect(proposedBy.flat().sort()).toEqual(mine.map((p) => p.id).sort());
        const restart = mine.find((p) => p.plan.origin?.action === 'restart');
        expect(restart?.plan.steps.map((s) => [s.kind, s.target.id])).toEqual([['reboot', victim.id]]);
        const incidents = await check.services.health?.store.incidents({ state: 'open' });
        expect(incidents?.map((i) => i.key).sort()).toEqual([`instance:gcp:${victim.id}`, 'region:aws:eu-west-1']);
      } finally {
        await check.close();
      }
    },
    CHILD_TEST_TIMEOUT_MS,
  );
});
