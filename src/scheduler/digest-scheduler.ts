/**
 * Posts subscribed digests on their schedules, exactly once per (subscription, period) across replicas.
 *
 * - One node-cron task per subscription, in its time zone, `distributed` with a RunCoordinator backed by the database
 *   claims: the replica whose claim row is inserted builds and posts the digest.
 * - A sweep (at start and every minute) posts what node-cron did not: the latest period missed while no replica ran
 *   (marked late), a local time that did not exist on a spring-forward day (node-cron skips it; schedule.ts moves it
 *   after the gap), and subscriptions added on another replica. It claims through the same rows.
 * - The digest is built by the command layer (`digest run <id>` as the system actor) and posted through the notifier
 *   hub; a failed post is retried with backoff (Retry-After when the platform gives one), every attempt recorded.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Dispatcher } from '../core/dispatch.js';
import type { ChannelTarget, NotifierHub } from '../core/notifier.js';
import type { Reply } from '../core/reply.js';
import { cronExpression, digestJob, latestOccurrence, periodOf, SYSTEM_ACTOR, type DigestSubscription, type Occurrence, type RunClaims } from '../core/scheduling.js';
import type { Logger } from '../lib/logger.js';
import { createClaimCoordinator } from './claims.js';

export interface DigestSchedulerDeps {
  dispatcher: Dispatcher;
  post: NotifierHub['post'];
  subscriptions(): Promise<DigestSubscription[]>;
  claims: RunClaims;
  now(): Date;
  log: Logger;
  owner: string;
  /** A claim still `claimed` after this long belongs to a process that died and may be taken over. */
  leaseMs?: number;
  /** Posted later than this after its time, a digest says it is late. */
  lateAfterMs?: number;
  retry?: { attempts: number; baseMs: number; maxMs: number };
  sleep?: (ms: number) => Promise<void>;
  /** Run node-cron tasks (off in tests that drive `sweep` directly). */
  cron?: boolean;
}

export type RunOutcome = 'posted' | 'not-elected' | 'failed' | 'not-due';

export interface DigestScheduler {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Claims and posts the latest due period of every subscription that has none yet. */
  sweep(): Promise<{ subscription: string; period: string; outcome: RunOutcome }[]>;
  /** Builds and posts one period whose claim this replica holds. */
  deliver(sub: DigestSubscription, occ: Occurrence, late: boolean): Promise<RunOutcome>;
  idle(): Promise<void>;
}

function retryAfterMs(err: unknown): number | undefined {
  const e = err as { retryAfter?: number; retryAfterMs?: number; data?: { retryAfter?: number } };
  if (typeof e?.retryAfterMs === 'number') return e.retryAfterMs;
  if (typeof e?.retryAfter === 'number') return e.retryAfter * 1000;
  return undefined;
}

export function createDigestScheduler(deps: DigestSchedulerDeps): DigestScheduler {
  const leaseMs = deps.leaseMs ?? 10 * 60_000;
  const lateAfterMs = deps.lateAfterMs ?? 10 * 60_000;
  const retry = deps.retry ?? { attempts: 5, baseMs: 2000, maxMs: 60_000 };
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref()));
  const log = deps.log.child({ area: 'scheduler' });
  const tasks = new Map<string, { task: ScheduledTask; signature: string }>();
  const inflight = new Set<Promise<unknown>>();
  let sweepTimer: NodeJS.Timeout | undefined;
  let stopped = false;

  const track = <T>(p: Promise<T>): Promise<T> => {
    inflight.add(p);
    void p.finally(() => inflight.delete(p)).catch(() => undefined);
    return p;
  };

  async function deliver(sub: DigestSubscription, occ: Occurrence, late: boolean): Promise<RunOutcome> {
    const job = digestJob(sub.id);
    const argv = ['digest', 'run', sub.id, ...(late ? ['--late', `${occ.at.toISOString().slice(0, 16).replace('T', ' ')} UTC`] : [])];
    let lastError = 'unknown error';
    for (let attempt = 1; attempt <= retry.attempts; attempt++) {
      try {
        const result = await deps.dispatcher.run({ text: argv.join(' '), argv, actor: SYSTEM_ACTOR, surface: 'system' });
        if (result.outcome !== 'ok') throw Object.assign(new Error(`digest build ${result.outcome}${result.errorCode ? ` (${result.errorCode})` : ''}`), { permanent: result.outcome === 'usage' });
        const message: Reply = { ...result.reply, visibility: 'channel' };
        const ref = await deps.post(sub.target as ChannelTarget, message);
        if (!ref) throw Object.assign(new Error(`the ${sub.target.surface} surface is not running here or cannot post`), { permanent: false });
        const summary = (result.data as { summary?: unknown } | undefined)?.summary;
        await deps.claims.finish(job, occ.period, deps.owner, { status: 'done', result: { summary, message: ref, late } }, deps.now());
        log.info({ subscription: sub.id, period: occ.period, late, attempt }, 'digest posted');
        return 'posted';
      } catch (err) {
        lastError = (err as Error).message;
        const permanent = (err as { permanent?: boolean }).permanent === true;
        if (attempt === retry.attempts || permanent || stopped) break;
        await deps.claims.attempt(job, occ.period, deps.owner, lastError, deps.now(), leaseMs);
        const wait = retryAfterMs(err) ?? Math.min(retry.maxMs, retry.baseMs * 2 ** (attempt - 1));
        log.warn({ subscription: sub.id, period: occ.period, attempt, waitMs: wait, err: { message: lastError } }, 'digest post failed; retrying');
        await sleep(wait);
      }
    }
    await deps.claims.finish(job, occ.period, deps.owner, { status: 'failed', error: lastError }, deps.now());
    log.error({ subscription: sub.id, period: occ.period, err: { message: lastError } }, 'digest not posted');
    return 'failed';
  }

  async function claimAndDeliver(sub: DigestSubscription, occ: Occurrence): Promise<RunOutcome> {
    const now = deps.now();
    // A subscription never posts for a period that ended before it existed.
    if (occ.at.getTime() < new Date(sub.createdAt).getTime()) return 'not-due';
    const late = now.getTime() - occ.at.getTime() > lateAfterMs;
    const ok = await deps.claims.claim({ job: digestJob(sub.id), period: occ.period, scheduledFor: occ.at, owner: deps.owner, leaseMs, now, late });
    if (!ok) return 'not-elected';
    return deliver(sub, occ, late);
  }

  /**
   * Once a UTC day (claimed like a digest): today's cost snapshot; critical anomalies go at once to every cost-digest
   * subscription, each (subscription, anomalies) claimed so it is sent once.
   */
  async function dailySnapshot(subs: DigestSubscription[]): Promise<void> {
    const now = deps.now();
    const day = now.toISOString().slice(0, 10);
    if (!(await deps.claims.claim({ job: 'cost-snapshot', period: day, scheduledFor: new Date(`${day}T00:00:00Z`), owner: deps.owner, leaseMs, now }))) return;
    const r = await deps.dispatcher.run({ text: 'digest snapshot', argv: ['digest', 'snapshot'], actor: SYSTEM_ACTOR, surface: 'system' });
    const keys = r.outcome === 'ok' ? ((r.data as { keys?: string[] } | undefined)?.keys ?? []) : [];
    await deps.claims.finish('cost-snapshot', day, deps.owner, r.outcome === 'ok' ? { status: 'done', result: { critical: keys } } : { status: 'failed', error: `digest snapshot ${r.outcome}` }, deps.now());
    if (!keys.length) return;
    for (const sub of subs.filter((s) => s.kind === 'cost')) {
      const job = `anomaly:${sub.id}`;
      const period = keys.join(',');
      if (!(await deps.claims.claim({ job, period, scheduledFor: now, owner: deps.owner, leaseMs, now }))) continue;
      try {
        const ref = await deps.post(sub.target as ChannelTarget, { ...r.reply, visibility: 'channel' });
        await deps.claims.finish(job, period, deps.owner, ref ? { status: 'done', result: { message: ref } } : { status: 'failed', error: 'surface not running here' }, deps.now());
        log.warn({ subscription: sub.id, anomalies: keys }, 'critical cost anomaly sent');
      } catch (err) {
        await deps.claims.finish(job, period, deps.owner, { status: 'failed', error: (err as Error).message }, deps.now());
      }
    }
  }

  async function sweep() {
    const subs = await deps.subscriptions();
    const out: { subscription: string; period: string; outcome: RunOutcome }[] = [];
    if (subs.some((s) => s.kind === 'cost')) await dailySnapshot(subs).catch((err: unknown) => log.error({ err }, 'daily cost snapshot failed'));
    for (const sub of subs) {
      const occ = latestOccurrence(sub.schedule, deps.now());
      const existing = await deps.claims.get(digestJob(sub.id), occ.period);
      if (existing && !(existing.status === 'claimed' && new Date(existing.claimedAt).getTime() + leaseMs < deps.now().getTime())) continue;
      out.push({ subscription: sub.id, period: occ.period, outcome: await track(claimAndDeliver(sub, occ)) });
    }
    if (deps.cron !== false && !stopped) syncTasks(subs);
    return out;
  }

  function syncTasks(subs: DigestSubscription[]) {
    const wanted = new Map(subs.map((s) => [s.id, s]));
    for (const [id, t] of tasks) {
      if (!wanted.has(id) || t.signature !== JSON.stringify(wanted.get(id)?.schedule)) {
        void t.task.destroy();
        tasks.delete(id);
      }
    }
    for (const sub of subs) {
      if (tasks.has(sub.id)) continue;
      const name = digestJob(sub.id);
      const task = cron.schedule(
        cronExpression(sub.schedule),
        async (ctx) => {
          // Elected by the claim coordinator: this replica owns (subscription, period).
          await track(deliver(sub, { at: ctx.date, period: periodOf(sub.schedule, ctx.date) }, false));
        },
        {
          name,
          timezone: sub.schedule.timezone,
          noOverlap: true,
          distributed: true,
          distributedLease: leaseMs,
          runCoordinator: createClaimCoordinator({ claims: deps.claims, owner: deps.owner, taskName: name, job: name, periodOf: (slot) => periodOf(sub.schedule, slot), now: deps.now, leaseMs }),
          logger: { info: (m: string) => log.debug(m), warn: (m: string) => log.warn(m), error: (m: string, e?: unknown) => log.error({ err: e }, m), debug: (m: string) => log.debug(m) },
        },
      );
      tasks.set(sub.id, { task, signature: JSON.stringify(sub.schedule) });
    }
  }

  return {
    async start() {
      stopped = false;
      await sweep().catch((err: unknown) => log.error({ err }, 'digest sweep failed'));
      const tick = () => {
        if (stopped) return;
        void sweep()
          .catch((err: unknown) => log.error({ err }, 'digest sweep failed'))
          .finally(() => {
            if (!stopped) sweepTimer = setTimeout(tick, 60_000).unref();
          });
      };
      sweepTimer = setTimeout(tick, 60_000).unref();
    },
    async stop() {
      stopped = true;
      if (sweepTimer) clearTimeout(sweepTimer);
      for (const t of tasks.values()) await t.task.destroy();
      tasks.clear();
      await Promise.allSettled([...inflight]);
    },
    sweep,
    deliver,
    async idle() {
      while (inflight.size) await Promise.allSettled([...inflight]);
    },
  };
}
