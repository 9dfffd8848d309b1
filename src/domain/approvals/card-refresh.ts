/**
 * Every decision updates its card, wherever it was made (issue 9). A process that could not update a card
 * (no notifier of its surface here, or the send failed for now) records it in the CardRefreshQueue; a process
 * that has the surface drains the queue on its sweep: it claims the due rows of its surfaces, renders each
 * proposal's CURRENT card (whatever happened since is shown, not the state at the failed send) and replaces the
 * message in place. A failed send is tried again with backoff; after `maxAttempts` the row is given up with a log
 * line and an audit row on the proposal.
 */
import type { Logger } from '../../lib/logger.js';
import { safeMessage } from '../../lib/redact.js';
import type { Surface } from '../model/actor.js';
import type { ActorStamp, Execution, Proposal, StoredMessageRef } from '../model/proposal.js';
import type { CardRefresh, CardRefreshQueue } from '../ports/card-refresh.port.js';
import type { Clock } from '../ports/clock.port.js';

/** Surfaces whose messages outlive the process that posted them (the console's board lives in one process). */
export const DURABLE_CARD_SURFACES: readonly Surface[] = ['slack', 'teams'];

export interface CardRefreshSettings {
  /** Tries in all before giving up. */
  maxAttempts: number;
  /** The first retry waits this long; each next one twice as long, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** How long a claim keeps other drainers off a row (longer than one send with its retries). */
  leaseMs: number;
  /** Rows per drain. */
  batch: number;
}

export const DEFAULT_CARD_REFRESH: CardRefreshSettings = { maxAttempts: 8, baseDelayMs: 30_000, maxDelayMs: 30 * 60_000, leaseMs: 5 * 60_000, batch: 50 };

const REFRESH_ACTOR: ActorStamp = { id: 'system:card-refresh', name: 'Steward', surface: 'system' };

export interface CardRefresherDeps<R> {
  queue: CardRefreshQueue;
  /** Who this process is (claims). */
  owner: string;
  clock: Clock;
  /** The proposal as it is now, with its execution. */
  load(proposalId: string): Promise<{ proposal: Proposal; execution?: Execution } | undefined>;
  /** Its card (the same rendering the decision path uses). */
  render(view: { proposal: Proposal; execution?: Execution }): R;
  /** Replaces the message here; false when its surface does not run in this process. Throws when the send failed. */
  update(ref: StoredMessageRef, card: R): Promise<boolean>;
  /** The surfaces whose notifier runs in this process. */
  surfaces(): Surface[];
  settings?: Partial<CardRefreshSettings>;
  log?: Logger;
}

export interface DrainResult {
  updated: number;
  retried: number;
  gaveUp: number;
}

export function createCardRefresher<R>(deps: CardRefresherDeps<R>) {
  const s: CardRefreshSettings = { ...DEFAULT_CARD_REFRESH, ...deps.settings };
  const backoff = (attempts: number) => Math.min(s.maxDelayMs, s.baseDelayMs * 2 ** Math.max(0, attempts - 1));

  async function failed(row: CardRefresh, error: string, counts: DrainResult): Promise<void> {
    const now = deps.clock.now();
    if (row.attempts >= s.maxAttempts) {
      if (await deps.queue.giveUp(row, deps.owner, { now, error, by: REFRESH_ACTOR })) {
        counts.gaveUp++;
        deps.log?.warn({ proposalId: row.proposalId, surface: row.ref.surface, attempts: row.attempts, err: { message: error } }, 'gave up updating a proposal card; it shows an older state');
      }
      return;
    }
    counts.retried++;
    await deps.queue.retry(row, deps.owner, { retryAt: new Date(now.getTime() + backoff(row.attempts)), error });
  }

  return {
    /** Records that the card on `ref` could not be updated here (only surfaces whose messages outlive a process). */
    async enqueue(proposalId: string, ref: StoredMessageRef): Promise<boolean> {
      if (!DURABLE_CARD_SURFACES.includes(ref.surface)) return false;
      await deps.queue.enqueue({ proposalId, ref, now: deps.clock.now() });
      return true;
    },

    /** One pass over the due rows of the surfaces this process has. */
    async drain(): Promise<DrainResult> {
      const counts: DrainResult = { updated: 0, retried: 0, gaveUp: 0 };
      const surfaces = deps.surfaces().filter((x) => DURABLE_CARD_SURFACES.includes(x));
      if (!surfaces.length) return counts;
      const rows = await deps.queue.claim({ owner: deps.owner, surfaces, now: deps.clock.now(), leaseMs: s.leaseMs, limit: s.batch });
      // One render per proposal, however many messages hold its card.
      const cards = new Map<string, Promise<R | undefined>>();
      const cardOf = (id: string) => {
        let c = cards.get(id);
        if (!c) cards.set(id, (c = deps.load(id).then((v) => (v ? deps.render(v) : undefined))));
        return c;
      };
      for (const row of rows) {
        try {
          const card = await cardOf(row.proposalId);
          if (card === undefined) {
            // The proposal is gone (never in practice: proposals are not deleted); nothing to show.
            await deps.queue.complete(row, deps.owner, deps.clock.now());
            continue;
          }
          if (await deps.update(row.ref, card)) {
            counts.updated++;
            await deps.queue.complete(row, deps.owner, deps.clock.now());
          } else {
            // The surface stopped here between the claim and the send: leave it for the next drain.
            await deps.queue.retry({ ...row }, deps.owner, { retryAt: deps.clock.now(), error: row.lastError ?? 'surface not running' });
          }
        } catch (err) {
          await failed(row, safeMessage((err as Error)?.message ?? err), counts).catch((e: unknown) => deps.log?.error({ err: e, proposalId: row.proposalId }, 'card refresh bookkeeping failed'));
        }
      }
      if (counts.updated || counts.retried || counts.gaveUp) deps.log?.info({ ...counts }, 'proposal cards refreshed');
      return counts;
    },
  };
}

export type CardRefresher = ReturnType<typeof createCardRefresher>;
