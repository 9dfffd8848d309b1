/**
 * The card-refresh queue in PostgreSQL (or PGlite): `card_refreshes`, one row per (proposal, message). Enqueue is an
 * upsert (a repeat bumps `version` and makes the row due now); a claim is `UPDATE … WHERE id IN (SELECT … FOR UPDATE
 * SKIP LOCKED) RETURNING`, so two replicas draining at once each get different rows, and a row under a live lease
 * is handed to nobody; completing deletes only the version that was claimed.
 */
import { createHash } from 'node:crypto';
import { and, asc, eq, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { Surface } from '../domain/model/actor.js';
import type { CardRefresh, CardRefreshQueue } from '../domain/ports/card-refresh.port.js';
import type { Db } from './db.js';
import { auditLog, cardRefreshes } from './schema.js';

type Row = typeof cardRefreshes.$inferSelect;

/** The same message whatever order its address fields were stored in; hashed (a response_url is a credential of sorts). */
export function messageKey(address: Record<string, string>): string {
  const canonical = JSON.stringify(Object.entries(address).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return createHash('sha256').update(canonical).digest('hex');
}

function toRefresh(r: Row): CardRefresh {
  return {
    id: r.id,
    proposalId: r.proposalId,
    ref: { surface: r.surface as Surface, address: r.address as Record<string, string> },
    version: r.version,
    attempts: r.attempts,
    ...(r.lastError ? { lastError: r.lastError } : {}),
  };
}

export function createCardRefreshStore(db: Db): CardRefreshQueue {
  return {
    async enqueue({ proposalId, ref, now }) {
      await db
        .insert(cardRefreshes)
        .values({ proposalId, surface: ref.surface, messageKey: messageKey(ref.address), address: ref.address, dueAt: now, createdAt: now })
        .onConflictDoUpdate({
          target: [cardRefreshes.proposalId, cardRefreshes.surface, cardRefreshes.messageKey],
          // A newer state to show: due now, and its attempts count afresh.
          set: { version: sql`${cardRefreshes.version} + 1`, dueAt: now, attempts: 0, address: ref.address },
        });
    },

    async claim({ owner, surfaces, now, leaseMs, limit }) {
      if (!surfaces.length || limit <= 0) return [];
      const until = new Date(now.getTime() + leaseMs);
      const due = db
        .select({ id: cardRefreshes.id })
        .from(cardRefreshes)
        .where(and(inArray(cardRefreshes.surface, surfaces), lte(cardRefreshes.dueAt, now), or(isNull(cardRefreshes.claimedUntil), lte(cardRefreshes.claimedUntil, now))))
        .orderBy(asc(cardRefreshes.dueAt), asc(cardRefreshes.id))
        .limit(limit)
        .for('update', { skipLocked: true });
      const rows = await db
        .update(cardRefreshes)
        .set({ claimedBy: owner, claimedUntil: until, attempts: sql`${cardRefreshes.attempts} + 1` })
        .where(and(inArray(cardRefreshes.id, due), or(isNull(cardRefreshes.claimedUntil), lte(cardRefreshes.claimedUntil, now))))
        .returning();
      return rows.sort((a, b) => a.id - b.id).map(toRefresh);
    },

    async complete(row, owner, now) {
      const gone = await db
        .delete(cardRefreshes)
        .where(and(eq(cardRefreshes.id, row.id), eq(cardRefreshes.claimedBy, owner), eq(cardRefreshes.version, row.version)))
        .returning({ id: cardRefreshes.id });
      if (gone.length) return;
      // Enqueued again while this drainer was sending an older state: the next drain sends the newer one.
      await db
        .update(cardRefreshes)
        .set({ claimedBy: null, claimedUntil: null, dueAt: now })
        .where(and(eq(cardRefreshes.id, row.id), eq(cardRefreshes.claimedBy, owner)));
    },

    async retry(row, owner, { retryAt, error }) {
      await db
        .update(cardRefreshes)
        .set({ claimedBy: null, claimedUntil: null, dueAt: retryAt, lastError: error.slice(0, 500) })
        .where(and(eq(cardRefreshes.id, row.id), eq(cardRefreshes.claimedBy, owner)));
    },

    async giveUp(row, owner, { now, error, by }) {
      return db.transaction(async (tx) => {
        const gone = await tx
          .delete(cardRefreshes)
          .where(and(eq(cardRefreshes.id, row.id), eq(cardRefreshes.claimedBy, owner)))
          .returning({ id: cardRefreshes.id });
        if (!gone.length) return false;
        await tx.insert(auditLog).values({
          at: now,
          actorId: by.id,
          actorName: by.name,
          surface: by.surface,
          action: 'card.refresh_failed',
          proposalId: row.proposalId,
          after: { surface: row.ref.surface, attempts: row.attempts },
          detail: `gave up updating the card on ${row.ref.surface} after ${row.attempts} attempts: ${error.slice(0, 300)}`,
        });
        return true;
      });
    },

    async pending(proposalId) {
      const rows = await db
        .select()
        .from(cardRefreshes)
        .where(proposalId ? eq(cardRefreshes.proposalId, proposalId) : undefined)
        .orderBy(asc(cardRefreshes.id));
      return rows.map(toRefresh);
    },
  };
}
