/** Digest subscriptions, security mutes, cost history and scheduled-run claims (docs/digests.md). */
import { and, asc, desc, eq, gt, gte, isNull, lt, or, sql } from 'drizzle-orm';
import type { Actor } from '../domain/model/actor.js';
import type { CostSnapshotRow, DigestStore, DigestSubscription, DigestTarget } from '../domain/ports/digest-store.port.js';
import type { RunClaim, RunClaims } from '../domain/ports/run-claims.port.js';
import type { DigestKind } from '../domain/model/digest.js';
import type { Db } from './db.js';
import { auditLog, costSnapshots, digestSubscriptions, scheduledRuns, securityMutes } from './schema.js';

const INSERT_BATCH = 1000;

function auditRow(by: Actor, at: Date, action: string, detail: string, after: unknown) {
  return { at, actorId: by.id, actorName: by.displayName, surface: by.surface, action, detail, after: after as object };
}

function toSubscription(r: typeof digestSubscriptions.$inferSelect): DigestSubscription {
  return {
    id: r.id,
    kind: r.kind as DigestKind,
    schedule: { cadence: r.cadence as 'daily' | 'weekly', ...(r.weekday !== null ? { weekday: r.weekday } : {}), time: r.time, timezone: r.timezone },
    target: r.target as DigestTarget,
    createdBy: r.createdBy,
    createdAt: r.createdAt.toISOString(),
  };
}

export function createDigestStore(db: Db): DigestStore {
  return {
    async subscribe(sub, by) {
      await db.transaction(async (tx) => {
        await tx.insert(digestSubscriptions).values({
          id: sub.id,
          kind: sub.kind,
          cadence: sub.schedule.cadence,
          weekday: sub.schedule.weekday ?? null,
          time: sub.schedule.time,
          timezone: sub.schedule.timezone,
          surface: sub.target.surface,
          target: sub.target,
          createdBy: sub.createdBy,
          createdAt: new Date(sub.createdAt),
        });
        await tx.insert(auditLog).values(auditRow(by, new Date(sub.createdAt), 'digest.subscribe', `${sub.kind} digest ${sub.id}`, sub));
      });
    },
    async unsubscribe(id, by, at) {
      return db.transaction(async (tx) => {
        const [row] = await tx
          .update(digestSubscriptions)
          .set({ removedAt: at })
          .where(and(eq(digestSubscriptions.id, id), isNull(digestSubscriptions.removedAt)))
          .returning();
        if (!row) return undefined;
        const sub = toSubscription(row);
        await tx.insert(auditLog).values(auditRow(by, at, 'digest.unsubscribe', `${sub.kind} digest ${sub.id}`, sub));
        return sub;
      });
    },
    async subscription(id) {
      const [row] = await db.select().from(digestSubscriptions).where(and(eq(digestSubscriptions.id, id), isNull(digestSubscriptions.removedAt)));
      return row ? toSubscription(row) : undefined;
    },
    async subscriptions() {
      const rows = await db.select().from(digestSubscriptions).where(isNull(digestSubscriptions.removedAt)).orderBy(asc(digestSubscriptions.createdAt), asc(digestSubscriptions.id));
      return rows.map(toSubscription);
    },

    async addMute(m, by) {
      await db.transaction(async (tx) => {
        await tx.insert(securityMutes).values({
          id: m.id,
          checkId: m.checkId,
          targetKind: m.target.kind,
          targetKey: m.target.kind === 'tag' ? m.target.key : null,
          targetValue: m.target.value,
          reason: m.reason,
          createdBy: m.createdBy,
          createdAt: new Date(m.createdAt),
          expiresAt: new Date(m.expiresAt),
        });
        await tx.insert(auditLog).values(auditRow(by, new Date(m.createdAt), 'security.mute', `${m.checkId} muted until ${m.expiresAt}: ${m.reason}`, m));
      });
    },
    async mutes(now) {
      const rows = await db.select().from(securityMutes).where(gt(securityMutes.expiresAt, now)).orderBy(asc(securityMutes.expiresAt));
      return rows.map((r) => ({
        id: r.id,
        checkId: r.checkId,
        target: r.targetKind === 'tag' ? { kind: 'tag' as const, key: r.targetKey ?? '', value: r.targetValue } : { kind: 'resource' as const, value: r.targetValue },
        reason: r.reason,
        createdBy: r.createdBy,
        createdAt: r.createdAt.toISOString(),
        expiresAt: r.expiresAt.toISOString(),
      }));
    },

    async costHistory(fromDay) {
      const rows = await db.select().from(costSnapshots).where(gte(costSnapshots.day, fromDay)).orderBy(asc(costSnapshots.day));
      return rows.map((r) => ({ ...r, hourlyMicros: Number(r.hourlyMicros), source: r.source as CostSnapshotRow['source'] }));
    },
    async costHistoryDays() {
      const [row] = await db.select({ n: sql<number>`count(distinct ${costSnapshots.day})::int` }).from(costSnapshots);
      return Number(row?.n ?? 0);
    },
    async saveCostSnapshot(rows) {
      let inserted = 0;
      for (let i = 0; i < rows.length; i += INSERT_BATCH) {
        const batch = rows.slice(i, i + INSERT_BATCH);
        const out = await db.insert(costSnapshots).values(batch.map((r) => ({ ...r }))).onConflictDoNothing().returning({ day: costSnapshots.day });
        inserted += out.length;
      }
      return inserted;
    },
  };
}

function toClaim(r: typeof scheduledRuns.$inferSelect): RunClaim {
  return {
    job: r.job,
    period: r.period,
    status: r.status as RunClaim['status'],
    owner: r.owner,
    scheduledFor: r.scheduledFor.toISOString(),
    claimedAt: r.claimedAt.toISOString(),
    late: r.late === 1,
    attempts: r.attempts,
    ...(r.error ? { error: r.error } : {}),
    ...(r.result !== null && r.result !== undefined ? { result: r.result } : {}),
    ...(r.finishedAt ? { finishedAt: r.finishedAt.toISOString() } : {}),
  };
}

/** The claims behind exactly-once scheduling: a unique (job, period) row, taken with one INSERT … ON CONFLICT. */
export function createRunClaims(db: Db): RunClaims {
  return {
    async claim({ job, period, scheduledFor, owner, leaseMs, now, late }) {
      const leaseUntil = new Date(now.getTime() + leaseMs);
      const inserted = await db
        .insert(scheduledRuns)
        .values({ job, period, status: 'claimed', owner, scheduledFor, claimedAt: now, leaseUntil, late: late ? 1 : 0 })
        .onConflictDoNothing()
        .returning({ job: scheduledRuns.job });
      if (inserted.length === 1) return true;
      // A claim whose owner died mid-work (lease expired, still `claimed`) is taken over, by one replica only.
      const taken = await db
        .update(scheduledRuns)
        .set({ owner, claimedAt: now, leaseUntil, late: late ? 1 : 0 })
        .where(and(eq(scheduledRuns.job, job), eq(scheduledRuns.period, period), eq(scheduledRuns.status, 'claimed'), lt(scheduledRuns.leaseUntil, now)))
        .returning({ job: scheduledRuns.job });
      return taken.length === 1;
    },
    async attempt(job, period, owner, error, now, leaseMs) {
      await db
        .update(scheduledRuns)
        .set({ attempts: sql`${scheduledRuns.attempts} + 1`, error: error.slice(0, 2000), leaseUntil: new Date(now.getTime() + leaseMs) })
        .where(and(eq(scheduledRuns.job, job), eq(scheduledRuns.period, period), eq(scheduledRuns.owner, owner), eq(scheduledRuns.status, 'claimed')));
    },
    async finish(job, period, owner, outcome, now) {
      const rows = await db
        .update(scheduledRuns)
        .set({
          status: outcome.status,
          finishedAt: now,
          attempts: sql`${scheduledRuns.attempts} + 1`,
          // A success after failed attempts keeps the last error on record.
          ...(outcome.error !== undefined ? { error: outcome.error.slice(0, 2000) } : {}),
          result: (outcome.result ?? null) as object | null,
        })
        .where(and(eq(scheduledRuns.job, job), eq(scheduledRuns.period, period), eq(scheduledRuns.owner, owner), eq(scheduledRuns.status, 'claimed')))
        .returning({ job: scheduledRuns.job });
      return rows.length === 1;
    },
    async get(job, period) {
      const [row] = await db.select().from(scheduledRuns).where(and(eq(scheduledRuns.job, job), eq(scheduledRuns.period, period)));
      return row ? toClaim(row) : undefined;
    },
    async latest(job, status = 'done') {
      const [row] = await db
        .select()
        .from(scheduledRuns)
        .where(and(eq(scheduledRuns.job, job), or(eq(scheduledRuns.status, status))))
        .orderBy(desc(scheduledRuns.scheduledFor))
        .limit(1);
      return row ? toClaim(row) : undefined;
    },
  };
}
