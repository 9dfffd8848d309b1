/** Conversation references of the chat surfaces (Teams proactive messaging), one row per conversation. */
import { and, eq } from 'drizzle-orm';
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
      if (!row) return undefined;
      const out: StoredConversation = {
        surface: row.surface as StoredConversation['surface'],
        id: row.conversationId,
        tenantId: row.tenantId ?? undefined,
        kind: row.kind,
        name: row.name ?? undefined,
        reference: row.reference as Record<string, unknown>,
        pausedReason: row.pausedReason ?? undefined,
        updatedAt: row.updatedAt,
      };
      return out;
    },
    async pause(surface, id, reason, at) {
      await db
        .update(conversationRefs)
        .set({ pausedReason: reason, pausedAt: at, updatedAt: at })
        .where(and(eq(conversationRefs.surface, surface), eq(conversationRefs.conversationId, id)));
    },
  };
}
