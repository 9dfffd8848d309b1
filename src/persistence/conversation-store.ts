/** Conversation references of the chat surfaces (Teams proactive messaging), one row per conversation. */
import { and, desc, eq, or, sql, type SQL } from 'drizzle-orm';
import type { ConversationStore, StoredConversation } from '../domain/ports/conversation-store.port.js';
import type { Db } from './db.js';
import { conversationRefs } from './schema.js';

export function createConversationStore(db: Db): ConversationStore {
  return {
    async save(c, at) {
      const values = {
        surface: c.surface,
        conversationId: c.id,
        tenantId: c.tenantId ?? null,
        kind: c.kind,
        name: c.name ?? null,
        reference: c.reference,
        pausedReason: null,
        pausedAt: null,
        updatedAt: at,
      };
      await db
        .insert(conversationRefs)
        .values(values)
        .onConflictDoUpdate({
          target: [conversationRefs.surface, conversationRefs.conversationId],
          // A message names no conversation name (only installs do): keep the one we have.
          set: { tenantId: values.tenantId, kind: values.kind, reference: values.reference, pausedReason: null, pausedAt: null, updatedAt: at, ...(c.name ? { name: c.name } : {}) },
        });
    },
    async get(surface, id) {
      const [row] = await db
        .select()
        .from(conversationRefs)
        .where(and(eq(conversationRefs.surface, surface), eq(conversationRefs.conversationId, id)));
      return row ? toStored(row) : undefined;
    },
    async personalOf(surface, user) {
      // The stored reference names its user (`reference.user`: the surface's id and, on Teams, the AAD object id).
      const who: SQL[] = [];
      if (user.id) who.push(sql`${conversationRefs.reference}->'user'->>'id' = ${user.id}`);
      if (user.aadObjectId) who.push(sql`${conversationRefs.reference}->'user'->>'aadObjectId' = ${user.aadObjectId}`);
      if (!who.length) return undefined;
      const [row] = await db
        .select()
        .from(conversationRefs)
        .where(and(eq(conversationRefs.surface, surface), eq(conversationRefs.kind, 'personal'), or(...who), user.tenantId ? eq(conversationRefs.tenantId, user.tenantId) : undefined))
        .orderBy(desc(conversationRefs.updatedAt))
        .limit(1);
      return row ? toStored(row) : undefined;
    },
    async pause(surface, id, reason, at) {
      await db
        .update(conversationRefs)
        .set({ pausedReason: reason, pausedAt: at, updatedAt: at })
        .where(and(eq(conversationRefs.surface, surface), eq(conversationRefs.conversationId, id)));
    },
  };
}

function toStored(row: typeof conversationRefs.$inferSelect): StoredConversation {
  return {
    surface: row.surface as StoredConversation['surface'],
    id: row.conversationId,
    tenantId: row.tenantId ?? undefined,
    kind: row.kind,
    name: row.name ?? undefined,
    reference: row.reference as Record<string, unknown>,
    pausedReason: row.pausedReason ?? undefined,
    updatedAt: row.updatedAt,
  };
}
