/**
 * Proposal cards waiting to be updated by a process that can reach their surface (issue 9): a decision or an
 * execution in a process without Slack or Teams (a standalone CLI, a replica without the surface configured), or
 * an update that failed after the send retries, leaves a row here; a server with that surface drains it.
 * Shared by every replica (the database), claimed so that one of them sends each update.
 */
import type { Surface } from '../model/actor.js';
import type { ActorStamp, StoredMessageRef } from '../model/proposal.js';

export interface CardRefresh {
  id: number;
  proposalId: string;
  ref: StoredMessageRef;
  /** Grows on every enqueue of the same (proposal, message): a drainer completes only the version it claimed. */
  version: number;
  /** Claims so far, this one included. */
  attempts: number;
  lastError?: string;
}

export interface CardRefreshQueue {
  /** Records that the card on `ref` is stale; the same (proposal, message) again is the same row, due now. */
  enqueue(input: { proposalId: string; ref: StoredMessageRef; now: Date }): Promise<void>;
  /**
   * Claims up to `limit` due rows of `surfaces` for `leaseMs` (counting an attempt each): a row claimed by one
   * drainer is handed to no other until its lease runs out.
   */
  claim(input: { owner: string; surfaces: Surface[]; now: Date; leaseMs: number; limit: number }): Promise<CardRefresh[]>;
  /** Sent: the row goes, unless it was enqueued again since the claim (then it is released, due now). */
  complete(row: CardRefresh, owner: string, now: Date): Promise<void>;
  /** Not sent: released, due again at `retryAt`. */
  retry(row: CardRefresh, owner: string, input: { retryAt: Date; error: string }): Promise<void>;
  /** Given up after too many attempts: the row goes, with an audit row on the proposal in the same transaction. */
  giveUp(row: CardRefresh, owner: string, input: { now: Date; error: string; by: ActorStamp }): Promise<boolean>;
  /** Rows still waiting (tests, `/metrics`-style inspection). */
  pending(proposalId?: string): Promise<CardRefresh[]>;
}
