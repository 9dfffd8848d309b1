import { afterEach, describe, expect, it, vi } from 'vitest';
import cron from 'node-cron';
import { openDatabase, type Database } from '../../src/persistence/db.js';
import { createRunClaims } from '../../src/persistence/digest-store.js';
import { createClaimCoordinator } from '../../src/scheduler/claims.js';
import { periodOf } from '../../src/domain/digests/schedule.js';
import { describeStores } from '../support/db.js';
import { criticalKeys, makeScheduler, sub, type Posted } from './harness.js';

const daily9utc = { cadence: 'daily' as const, time: '09:00', timezone: 'UTC' };

describeStores('digest scheduler', (db, backend) => {
  /** A second connection pool to the same database: another replica. */
  async function replica(): Promise<Database> {
    const d = db();
    if (backend === 'pglite') return d;
    return openDatabase({ kind: 'postgres', url: (d as Database & { url: string }).url, poolSize: 5 }, { migrate: false });
  }
  const opened: Database[] = [];
  afterEach(async () => {
    for (const d of opened.splice(0)) if (d !== db()) await d.close();
  });

  it('two schedulers sweeping the same due period at once post it exactly once', async () => {
    const other = await replica();
    opened.push(other);
    const posted: Posted[] = [];
    const now = () => new Date('2026-03-02T09:00:30Z');
    const subs = () => [sub('s-once', daily9utc)];
    const a = makeScheduler(db(), 'replica-a', { subs, now, posted });
    const b = makeScheduler(other, 'replica-b', { subs, now, posted });
    const rounds = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).scheduler.sweep()));
    expect(posted).toHaveLength(1);
    expect(rounds.flat().filter((r) => r.outcome === 'posted')).toHaveLength(1);
    const run = await a.claims.get('digest:s-once', '2026-03-02');
    expect(run).toMatchObject({ status: 'done', late: false, attempts: 1 });
    expect(posted[0]?.reply.visibility).toBe('channel');
  });

  it("node-cron's run coordinator elects one replica per slot, and one per period when a local hour repeats", async () => {
    const other = await replica();
    opened.push(other);
    const tz = { cadence: 'daily' as const, time: '01:30', timezone: 'America/New_York' };
    const coord = (d: Database, owner: string) => createClaimCoordinator({ claims: createRunClaims(d.db), owner, taskName: 'digest:s-dst', job: 'digest:s-dst', periodOf: (s) => periodOf(tz, s), now: () => new Date('2026-11-01T05:30:00Z') });
    const [x, y] = [coord(db(), 'a'), coord(other, 'b')];
    const first = await Promise.all([x.shouldRun('digest:s-dst:2026-11-01T05:30:00.000Z', 30_000), y.shouldRun('digest:s-dst:2026-11-01T05:30:00.000Z', 30_000)]);
    expect(first.filter(Boolean)).toHaveLength(1);
    // 01:30 again after the clocks went back (06:30Z): same local day, same period, nobody elected.
    expect(await Promise.all([x.shouldRun('digest:s-dst:2026-11-01T06:30:00.000Z', 30_000), y.shouldRun('digest:s-dst:2026-11-01T06:30:00.000Z', 30_000)])).toEqual([false, false]);
  });

  it('after downtime posts the latest missed period once, marked late, and none of the older ones', async () => {
    const posted: Posted[] = [];
    let now = new Date('2026-04-05T12:00:00Z');
    const subs = () => [sub('s-late', daily9utc, '2026-04-01T00:00:00Z')];
    const s = makeScheduler(db(), 'replica-a', { subs, now: () => now, posted });
    await s.scheduler.sweep();
    await s.scheduler.sweep();
    expect(posted).toHaveLength(1);
    expect(JSON.stringify(posted[0]?.reply)).toContain('late for 2026-04-05 09:00 UTC');
    expect(await s.claims.get('digest:s-late', '2026-04-05')).toMatchObject({ status: 'done', late: true });
    for (const day of ['2026-04-02', '2026-04-03', '2026-04-04']) expect(await s.claims.get('digest:s-late', day)).toBeUndefined();
    // Back on time the next day: not late.
    now = new Date('2026-04-06T09:00:20Z');
    await s.scheduler.sweep();
    expect(posted).toHaveLength(2);
    expect(await s.claims.get('digest:s-late', '2026-04-06')).toMatchObject({ late: false });
  });

  it('never posts a period that was due before the subscription existed', async () => {
    const posted: Posted[] = [];
    const s = makeScheduler(db(), 'a', { subs: () => [sub('s-new', daily9utc, '2026-05-01T10:00:00Z')], now: () => new Date('2026-05-01T10:05:00Z'), posted });
    expect((await s.scheduler.sweep())[0]?.outcome).toBe('not-due');
    expect(posted).toHaveLength(0);
  });

  it('retries a failed post with backoff (Retry-After first), recording every attempt, then posts', async () => {
    const posted: Posted[] = [];
    const sleeps: number[] = [];
    const s = makeScheduler(db(), 'a', { subs: () => [sub('s-retry', daily9utc)], now: () => new Date('2026-06-01T09:00:05Z'), posted, failPosts: 2, sleeps });
    const [r] = await s.scheduler.sweep();
    expect(r?.outcome).toBe('posted');
    expect(posted).toHaveLength(1);
    expect(sleeps).toEqual([1000, 1000]);
    expect(await s.claims.get('digest:s-retry', '2026-06-01')).toMatchObject({ status: 'done', attempts: 3, error: 'ratelimited' });
  });

  it('gives up after the last attempt and records the failure; no other replica posts it again', async () => {
    const posted: Posted[] = [];
    const sleeps: number[] = [];
    const boom = new Error('channel_not_found');
    const subs = () => [sub('s-fail', daily9utc)];
    const s = makeScheduler(db(), 'a', { subs, now: () => new Date('2026-06-02T09:00:05Z'), posted, failPosts: 99, failWith: boom, sleeps, extra: { retry: { attempts: 3, baseMs: 100, maxMs: 1000 } } });
    expect((await s.scheduler.sweep())[0]?.outcome).toBe('failed');
    expect(sleeps).toEqual([100, 200]);
    expect(await s.claims.get('digest:s-fail', '2026-06-02')).toMatchObject({ status: 'failed', attempts: 3, error: 'channel_not_found' });
    const again = makeScheduler(db(), 'b', { subs, now: () => new Date('2026-06-02T09:30:00Z'), posted });
    await again.scheduler.sweep();
    expect(posted).toHaveLength(0);
  });

  it('sends a critical anomaly at once to each cost-digest subscription, once, whatever the replicas', async () => {
    const other = await replica();
    opened.push(other);
    const posted: Posted[] = [];
    criticalKeys.splice(0, criticalKeys.length, 'total:2026-06-10');
    try {
      // Both subscriptions are new today: no digest is due yet, only the alert goes out.
      const subs = () => [sub('s-alert-1', daily9utc, '2026-06-10T08:00:00Z'), { ...sub('s-alert-2', daily9utc, '2026-06-10T08:00:00Z'), target: { surface: 'slack' as const, address: { channel: 'C0OTHER' } } }];
      const now = () => new Date('2026-06-10T08:30:00Z');
      const a = makeScheduler(db(), 'a', { subs, now, posted });
      const b = makeScheduler(other, 'b', { subs, now, posted });
      await Promise.all([a.scheduler.sweep(), b.scheduler.sweep(), a.scheduler.sweep()]);
      expect(posted.map((p) => p.target.address.channel).sort()).toEqual(['C0DIGEST', 'C0OTHER']);
      expect(JSON.stringify(posted[0]?.reply)).toContain('critical anomaly');
    } finally {
      criticalKeys.splice(0);
    }
  });

  it('takes over a period whose owner died mid-work once its lease ran out', async () => {
    const posted: Posted[] = [];
    const claims = createRunClaims(db().db);
    await claims.claim({ job: 'digest:s-dead', period: '2026-06-03', scheduledFor: new Date('2026-06-03T09:00:00Z'), owner: 'dead', leaseMs: 60_000, now: new Date('2026-06-03T09:00:01Z') });
    const subs = () => [sub('s-dead', daily9utc)];
    const early = makeScheduler(db(), 'b', { subs, now: () => new Date('2026-06-03T09:00:30Z'), posted, extra: { leaseMs: 60_000 } });
    await early.scheduler.sweep();
    expect(posted).toHaveLength(0);
    const later = makeScheduler(db(), 'b', { subs, now: () => new Date('2026-06-03T09:05:00Z'), posted, extra: { leaseMs: 60_000 } });
    await later.scheduler.sweep();
    expect(posted).toHaveLength(1);
    expect(await claims.get('digest:s-dead', '2026-06-03')).toMatchObject({ owner: 'b', status: 'done' });
  });
});

describe('digest scheduler with node-cron (fake timers)', () => {
  afterEach(async () => {
    vi.useRealTimers();
    await cron.shutdown?.(0);
  });

  it('fires at 09:00 in the subscription’s zone, once, through the claim coordinator', async () => {
    const database = await openDatabase({ kind: 'pglite', dataDir: 'memory://' });
    try {
      vi.useFakeTimers({ now: new Date('2026-07-01T06:59:00Z'), toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
      const posted: Posted[] = [];
      const berlin = { cadence: 'daily' as const, time: '09:00', timezone: 'Europe/Berlin' };
      const s = makeScheduler(database, 'a', { subs: () => [sub('s-cron', berlin, '2026-07-01T06:00:00Z')], now: () => new Date(), posted, extra: { cron: true } });
      await s.scheduler.start();
      expect(posted).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(2 * 60_000);
      for (let i = 0; i < 50 && posted.length === 0; i++) await vi.advanceTimersByTimeAsync(1000);
      expect(posted).toHaveLength(1);
      expect(await s.claims.get('digest:s-cron', '2026-07-01')).toMatchObject({ status: 'done', scheduledFor: '2026-07-01T07:00:00.000Z', late: false });
      await vi.advanceTimersByTimeAsync(5 * 60_000);
      expect(posted).toHaveLength(1);
      vi.useRealTimers();
      await s.scheduler.stop();
    } finally {
      vi.useRealTimers();
      await database.close();
    }
  });
});
