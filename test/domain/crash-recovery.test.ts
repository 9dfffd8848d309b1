/**
 * Crash injection: a child process executes a 3-step plan against a scratch PostgreSQL database and is SIGKILLed
 * at a chosen point (before a step's apply, after the cloud applied it but before it was recorded, after it was
 * recorded). Recovery then runs here. Whatever the point, every step was applied at most once, and the estate ends
 * either fully rolled back or fully done.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Instance } from '../../src/domain/model/instance.js';
import type { CloudProvider } from '../../src/domain/ports/cloud-provider.port.js';
import { systemClock } from '../../src/domain/ports/clock.port.js';
import { createPlanExecutor } from '../../src/domain/plans/execute-plan.js';
import { createProposalStore } from '../../src/persistence/proposal-store.js';
import { fromRoot } from '../../src/lib/paths.js';
import { demoEstate, newProposal, otherType, planOf, resizeStep, step } from '../support/approvals.js';
import { openScratchPostgres, POSTGRES_SKIPPED } from '../support/db.js';
import { CHILD_DEADLINE_MS, CHILD_TEST_TIMEOUT_MS, killChild, spawnNode } from '../support/spawn.js';

const url = process.env.TEST_DATABASE_URL;
const POINTS = [1, 2, 3].flatMap((n) => [`before-apply:${n}`, `applied:${n}`, `recorded:${n}`]);

function runChild(dbUrl: string, proposalId: string, point: string, logFile: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // Killed at the crash point, past the deadline, and at the end of the test whatever happens.
    const child = spawnNode(['--import', 'tsx', fromRoot('test/support/crash-child.ts'), proposalId, point, logFile], {
      cwd: fromRoot(),
      env: { ...process.env, DATABASE_URL: dbUrl },
    });
    let out = '';
    let err = '';
    let killed = false;
    const timer = setTimeout(() => {
      killChild(child);
      reject(new Error(`child did not reach ${point} in ${CHILD_DEADLINE_MS / 1000} s and was killed:\n${out}\n${err}`));
    }, CHILD_DEADLINE_MS);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (!killed && out.includes('CRASH-POINT')) {
        killed = true;
        killChild(child);
      }
    });
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL' && killed) resolve(out);
      else reject(new Error(`child ended without reaching ${point} (code ${code}, signal ${signal}):\n${out}\n${err}`));
    });
  });
}

// Two processes share the database here (the crashing child and the recovering test), which PGlite — one
// process's database — cannot do; the suite needs the PostgreSQL server, which .ci/run always provides.
describe.skipIf(!url)(`crash after each step → recovery applies nothing twice [postgres, child process]${url ? '' : ` ${POSTGRES_SKIPPED}`}`, () => {
  let scratch: Awaited<ReturnType<typeof openScratchPostgres>>;
  let estate: Awaited<ReturnType<typeof demoEstate>>;
  const dir = mkdtempSync(join(tmpdir(), 'steward-crash-'));
  let nextRunning = 0;
  let nextStopped = 0;

  beforeAll(async () => {
    scratch = await openScratchPostgres(url as string, 4);
    estate = await demoEstate(scratch.db, { seed: 3, instances: 120 });
    expect(estate.running.length).toBeGreaterThan(2 * POINTS.length);
    expect(estate.stopped.length).toBeGreaterThan(POINTS.length);
  }, 60_000);
  afterAll(async () => {
    await scratch?.dispose();
  });

  it.each(POINTS)('crash at %s', async (point) => {
    const [kind, nText] = point.split(':') as [string, string];
    const n = Number(nText);
    const a = estate.running[nextRunning++] as Instance;
    const b = estate.running[nextRunning++] as Instance;
    const c = estate.stopped[nextStopped++] as Instance;
    const toType = otherType(estate.catalog, b);
    const plan = planOf([step('stop', a, 's1'), resizeStep(b, toType, 's2'), step('start', c, 's3')]);
    const store = createProposalStore(scratch.db);
    const id = `crash-${point.replace(':', '-')}`;
    await store.create(newProposal(id, { plan, createdAt: new Date(), expiresAt: new Date(Date.now() + 3600_000) }));
    await store.decide({ proposalId: id, by: { id: 'console:bob', name: 'bob', surface: 'console' }, role: 'approver', decision: 'approve', now: new Date() });

    const log = join(dir, `${id}.log`);
    writeFileSync(log, '');
    await runChild(scratch.url, id, point, log);
    expect((await store.get(id))?.status).toBe('executing');

    // The restart: a new process (owner) takes the silent execution over.
    const counted: CloudProvider = {
      ...estate.demo,
      async apply(s, o) {
        if (!o.dryRun) writeFileSync(log, `${s.id.endsWith('-undo') ? 'undo' : 'apply'} ${s.id.replace(/-undo$/, '')} (recovery)\n`, { flag: 'a' });
        return estate.demo.apply(s, o);
      },
    };
    const executor = createPlanExecutor({ store, providerFor: () => counted, invalidate: () => undefined, clock: systemClock, owner: 'restarted', retry: { attempts: 2, baseMs: 1, maxMs: 2 } });
    const reports = await executor.recover(new Date(Date.now() + 1000));
    expect(reports.map((r) => r.proposalId)).toEqual([id]);

    const lines = readFileSync(log, 'utf8').trim().split('\n').filter(Boolean);
    const forward = lines.filter((l) => l.startsWith('apply '));
    // At most once per step, and never by the recovery.
    for (const sid of ['s1', 's2', 's3']) expect(forward.filter((l) => l === `apply ${sid}`).length).toBeLessThanOrEqual(1);
    expect(forward.filter((l) => l.includes('(recovery)'))).toEqual([]);
    const appliedCount = kind === 'before-apply' ? n - 1 : n;
    expect(forward).toHaveLength(appliedCount);

    const execution = await store.getExecution(id);
    const final = (await store.get(id))?.status;
    if (appliedCount === 3) {
      // Everything had taken effect: recorded as done, nothing undone.
      expect(final).toBe('succeeded');
      expect(lines.filter((l) => l.startsWith('undo'))).toEqual([]);
      expect(await estate.demo.describe(a)).toMatchObject({ state: 'stopped' });
      expect(await estate.demo.describe(b)).toMatchObject({ type: toType });
      expect(await estate.demo.describe(c)).toMatchObject({ state: 'running' });
    } else {
      expect(final).toBe('rolled_back');
      // Each applied step undone exactly once, last first; the estate is as it was.
      expect(lines.filter((l) => l.startsWith('undo'))).toEqual(forward.map((l) => `undo ${l.slice(6)} (recovery)`).reverse());
      expect(await estate.demo.describe(a)).toMatchObject({ state: 'running', type: a.type });
      expect(await estate.demo.describe(b)).toMatchObject({ state: b.state, type: b.type });
      expect(await estate.demo.describe(c)).toMatchObject({ state: 'stopped' });
      const expected = [1, 2, 3].map((k) => (k <= appliedCount ? 'undone' : k === n ? 'failed' : 'skipped'));
      expect(execution?.steps.map((s) => s.status)).toEqual(expected);
      expect(reports[0]?.summary).toMatch(/Steward stopped while this plan was running/);
    }
  }, CHILD_TEST_TIMEOUT_MS);
});
