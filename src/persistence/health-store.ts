/** Health events with their history, incidents and watch subscriptions (issue 15, docs/health.md). */
import { and, asc, desc, eq, gte, inArray, isNull, ne, or, sql } from 'drizzle-orm';
import type { Actor } from '../domain/model/actor.js';
import type { Cloud } from '../domain/model/cloud.js';
import type { HealthEvent, Incident, IncidentEvidence } from '../domain/model/health.js';
import type { InstanceRef } from '../domain/model/instance.js';
import type { HealthEventChange, HealthStore, StoredHealthEvent, WatchSubscription } from '../domain/ports/health-store.port.js';
import type { Db } from './db.js';
import { auditLog, healthEventHistory, healthEvents, healthIncidents, watchSubscriptions } from './schema.js';

type EventRow = typeof healthEvents.$inferSelect;
type IncidentRow = typeof healthIncidents.$inferSelect;

const WATCH_STAMP = { actorId: 'steward:watch', actorName: 'Steward health watch', surface: 'system' };

function toEvent(r: EventRow): StoredHealthEvent {
  return {
    key: r.key,
    source: r.source as StoredHealthEvent['source'],
    cloud: r.cloud as Cloud,
    region: r.region,
    scope: r.scope as StoredHealthEvent['scope'],
    kind: r.kind as StoredHealthEvent['kind'],
    service: r.service,
    state: r.state as StoredHealthEvent['state'],
    severity: r.severity as StoredHealthEvent['severity'],
    started: r.started,
    updated: r.updated,
    ...(r.ended ? { ended: r.ended } : {}),
    affected: r.affected as StoredHealthEvent['affected'],
    summary: r.summary,
    firstSeen: r.firstSeen,
    lastSeen: r.lastSeen,
    stateSince: r.stateSince,
  };
}

function toIncident(r: IncidentRow): Incident {
  return {
    id: r.id,
    key: r.key,
    kind: r.kind as Incident['kind'],
    cloud: r.cloud as Cloud,
    region: r.region,
    ...(r.instance ? { instance: r.instance as InstanceRef } : {}),
    state: r.state as Incident['state'],
    openedAt: r.openedAt,
    updatedAt: r.updatedAt,
    ...(r.closedAt ? { closedAt: r.closedAt } : {}),
    evidence: r.evidence as IncidentEvidence,
    ...(r.proposalId ? { proposalId: r.proposalId } : {}),
    ...(r.failbackProposalId ? { failbackProposalId: r.failbackProposalId } : {}),
  };
}

/** What counts as a change worth a history row. */
const changed = (a: EventRow, e: HealthEvent) =>
  a.state !== e.state || a.severity !== e.severity || a.summary !== e.summary || (a.affected as unknown[]).length !== e.affected.length || a.updated !== e.updated;

export function createHealthStore(db: Db): HealthStore {
  return {
    async recordEvents(events, now) {
      const out: string[] = [];
      if (!events.length) return out;
      await db.transaction(async (tx) => {
        const keys = [...new Set(events.map((e) => e.key))];
        const existing = new Map((await tx.select().from(healthEvents).where(inArray(healthEvents.key, keys)).for('update')).map((r) => [r.key, r]));
        const seen = new Set<string>();
        for (const e of events) {
          if (seen.has(e.key)) continue;
          seen.add(e.key);
          const row = existing.get(e.key);
          const values = {
            source: e.source,
            cloud: e.cloud,
            region: e.region,
            scope: e.scope,
            kind: e.kind,
            service: e.service,
            state: e.state,
            severity: e.severity,
            started: e.started,
            updated: e.updated,
            ended: e.ended ?? null,
            affected: e.affected,
            summary: e.summary,
            lastSeen: now,
          };
          if (!row) {
            // Two replicas may insert the same new event: the second insert does nothing.
            const inserted = await tx.insert(healthEvents).values({ key: e.key, ...values, firstSeen: now, stateSince: now }).onConflictDoNothing().returning({ key: healthEvents.key });
            if (inserted.length) {
              out.push(e.key);
              await tx.insert(healthEventHistory).values({ key: e.key, at: now, state: e.state, severity: e.severity, affected: e.affected.length, summary: e.summary });
            }
            continue;
          }
          if (!changed(row, e)) {
            await tx.update(healthEvents).set({ lastSeen: now }).where(eq(healthEvents.key, e.key));
            continue;
          }
          await tx
            .update(healthEvents)
            .set({ ...values, ...(row.state !== e.state ? { stateSince: now } : {}) })
            .where(eq(healthEvents.key, e.key));
          await tx.insert(healthEventHistory).values({ key: e.key, at: now, state: e.state, severity: e.severity, affected: e.affected.length, summary: e.summary });
          out.push(e.key);
        }
      });
      return out;
    },

    async events(filter = {}) {
      const live = ne(healthEvents.state, 'closed');
      const where = filter.closedSince ? or(live, gte(healthEvents.stateSince, filter.closedSince)) : live;
      const rows = await db
        .select()
        .from(healthEvents)
        .where(filter.clouds?.length ? and(where, inArray(healthEvents.cloud, [...filter.clouds])) : where)
        .orderBy(asc(healthEvents.firstSeen), asc(healthEvents.key));
      return rows.map(toEvent);
    },

    async event(key) {
      const [row] = await db.select().from(healthEvents).where(eq(healthEvents.key, key));
      return row ? toEvent(row) : undefined;
    },

    async history(key): Promise<HealthEventChange[]> {
      const rows = await db.select().from(healthEventHistory).where(eq(healthEventHistory.key, key)).orderBy(asc(healthEventHistory.id));
      return rows.map((r) => ({ key: r.key, at: r.at, state: r.state as HealthEventChange['state'], severity: r.severity as HealthEventChange['severity'], affected: r.affected, summary: r.summary }));
    },

    async openIncident(input) {
      return db.transaction(async (tx) => {
        const inserted = await tx
          .insert(healthIncidents)
          .values({
            id: input.id,
            key: input.key,
            kind: input.kind,
            cloud: input.cloud,
            region: input.region,
            instance: input.instance ?? null,
            state: 'open',
            openedAt: input.now,
            updatedAt: input.now,
            evidence: input.evidence,
          })
          .onConflictDoNothing()
          .returning();
        if (inserted[0]) {
          await tx.insert(auditLog).values({ ...WATCH_STAMP, at: input.now, action: 'health.incident.opened', toStatus: 'open', after: inserted[0].evidence as object, detail: `${input.kind} incident ${input.id} (${input.key}): ${input.evidence.confirmedBy}` });
          return { incident: toIncident(inserted[0]), created: true };
        }
        const [open] = await tx.select().from(healthIncidents).where(and(eq(healthIncidents.key, input.key), eq(healthIncidents.state, 'open')));
        if (!open) throw new Error(`incident ${input.key} could be neither opened nor found`);
        return { incident: toIncident(open), created: false };
      });
    },

    async updateEvidence(id, evidence, now) {
      await db.update(healthIncidents).set({ evidence, updatedAt: now }).where(and(eq(healthIncidents.id, id), eq(healthIncidents.state, 'open')));
    },

    async closeIncident(id, now, note) {
      return db.transaction(async (tx) => {
        const [row] = await tx
          .update(healthIncidents)
          .set({ state: 'closed', closedAt: now, updatedAt: now })
          .where(and(eq(healthIncidents.id, id), eq(healthIncidents.state, 'open')))
          .returning();
        if (!row) return false;
        await tx.insert(auditLog).values({ ...WATCH_STAMP, at: now, action: 'health.incident.closed', fromStatus: 'open', toStatus: 'closed', detail: `${row.kind} incident ${id} (${row.key}): ${note}` });
        return true;
      });
    },

    async attachProposal(id, field, proposalId) {
      const rows =
        field === 'proposal'
          ? await db.update(healthIncidents).set({ proposalId }).where(and(eq(healthIncidents.id, id), isNull(healthIncidents.proposalId))).returning({ id: healthIncidents.id })
          : await db.update(healthIncidents).set({ failbackProposalId: proposalId }).where(and(eq(healthIncidents.id, id), isNull(healthIncidents.failbackProposalId))).returning({ id: healthIncidents.id });
      return rows.length > 0;
    },

    async incidents(filter) {
      const rows = await db
        .select()
        .from(healthIncidents)
        .where(filter.state ? eq(healthIncidents.state, filter.state) : sql`true`)
        .orderBy(desc(healthIncidents.openedAt), asc(healthIncidents.id))
        .limit(filter.limit ?? 200);
      return rows.map(toIncident);
    },

    async incident(id) {
      const [row] = await db.select().from(healthIncidents).where(eq(healthIncidents.id, id));
      return row ? toIncident(row) : undefined;
    },

    async incidentByProposal(proposalId) {
      const [row] = await db
        .select()
        .from(healthIncidents)
        .where(or(eq(healthIncidents.proposalId, proposalId), eq(healthIncidents.failbackProposalId, proposalId)));
      return row ? toIncident(row) : undefined;
    },

    async subscribe(sub, by: Actor) {
      await db.transaction(async (tx) => {
        await tx.insert(watchSubscriptions).values({ id: sub.id, surface: sub.target.surface, target: sub.target, createdBy: sub.createdBy, createdAt: new Date(sub.createdAt) });
        await tx.insert(auditLog).values({ at: new Date(sub.createdAt), actorId: by.id, actorName: by.displayName, surface: by.surface, action: 'watch.subscribe', detail: `watch subscription ${sub.id}`, after: sub as unknown as object });
      });
    },

    async unsubscribe(id, by, at) {
      return db.transaction(async (tx) => {
        const [row] = await tx.update(watchSubscriptions).set({ removedAt: at }).where(and(eq(watchSubscriptions.id, id), isNull(watchSubscriptions.removedAt))).returning();
        if (!row) return undefined;
        const sub: WatchSubscription = { id: row.id, target: row.target as WatchSubscription['target'], createdBy: row.createdBy, createdAt: row.createdAt.toISOString() };
        await tx.insert(auditLog).values({ at, actorId: by.id, actorName: by.displayName, surface: by.surface, action: 'watch.unsubscribe', detail: `watch subscription ${id}`, after: sub as unknown as object });
        return sub;
      });
    },

    async subscriptions() {
      const rows = await db.select().from(watchSubscriptions).where(isNull(watchSubscriptions.removedAt)).orderBy(asc(watchSubscriptions.createdAt), asc(watchSubscriptions.id));
      return rows.map((r) => ({ id: r.id, target: r.target as WatchSubscription['target'], createdBy: r.createdBy, createdAt: r.createdAt.toISOString() }));
    },
  };
}
