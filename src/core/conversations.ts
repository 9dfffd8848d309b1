/**
 * The conversation-reference store as chat surfaces see it (the port lives with the other ports; persistence
 * implements it and main.ts hands it to the surface).
 */
export type { ConversationStore, StoredConversation } from '../domain/ports/conversation-store.port.js';
