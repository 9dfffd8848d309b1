/**
 * Where a chat surface keeps what it needs to post into a conversation without being asked (Teams conversation
 * references): saved on install and on every message, read for proactive posts and in-place updates, and paused
 * when the platform says the bot may no longer post there (until someone there writes to it again).
 */
export interface StoredConversation {
  surface: 'teams';
  /** The conversation's id without a thread suffix (Teams: `19:…@thread.tacv2`, `a:…` for a personal chat). */
  id: string;
  tenantId: string | undefined;
  /** personal | groupChat | channel */
  kind: string;
  name: string | undefined;
  /** The surface's own reference (service URL, bot, conversation); opaque to the store. */
  reference: Record<string, unknown>;
  /** Set while the bot may not post here (removed, uninstalled, disabled by an admin). */
  pausedReason: string | undefined;
  updatedAt: Date;
}

export interface ConversationStore {
  /** Inserts or refreshes a conversation; a save means someone there spoke to the bot, so it also lifts a pause. */
  save(c: Omit<StoredConversation, 'pausedReason' | 'updatedAt'>, at: Date): Promise<void>;
  get(surface: StoredConversation['surface'], id: string): Promise<StoredConversation | undefined>;
  /**
   * The user's personal (1:1) conversation with the bot, when one is stored (they wrote to it there, or installed it
   * personally): by the user's surface id or directory id (Teams `29:…` / AAD object id), within their tenant.
   */
  personalOf(surface: StoredConversation['surface'], user: { id?: string | undefined; aadObjectId?: string | undefined; tenantId?: string | undefined }): Promise<StoredConversation | undefined>;
  /** Marks a conversation paused; no-op when it is unknown. */
  pause(surface: StoredConversation['surface'], id: string, reason: string, at: Date): Promise<void>;
}
