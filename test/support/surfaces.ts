/**
 * What the chat surfaces' tests share: an `echo` command that records each run (so a test counts how often a
 * delivery ran), and one replica's claim on the shared database's delivery claims, wired as main.ts wires it.
 */
import { defineCommand, type CommandContext } from '../../src/core/command.js';
import { reply, text } from '../../src/core/reply.js';
import type { Db } from '../../src/persistence/db.js';
import { createDeliveryClaims } from '../../src/persistence/delivery-claims.js';

/** As main.ts: a claim keeps a delivery for an hour. */
const DELIVERY_TTL_MS = 3_600_000;

/**
 * The claim of replica `owner` for `surface` deliveries on the shared database `db`: true for the first replica to
 * claim `key`, false for every other (and for the same replica again) within the hour.
 */
export function replicaClaim(db: Db, surface: 'slack' | 'teams', owner: string): (key: string) => Promise<boolean> {
  const claims = createDeliveryClaims(db, { owner });
  return (key) => claims.claim(`${surface}:${key}`, { surface, ttlMs: DELIVERY_TTL_MS });
}

/**
 * `echo <words>`: calls `record` with the words (and the context, for the actor) on each run and answers with
 * `answer(words)` (the words themselves unless given).
 */
export function echoCommand(record: (words: string, ctx: CommandContext) => void, answer: (words: string) => string = (w) => w, visibility: 'ephemeral' | 'channel' = 'ephemeral') {
  return defineCommand({
    name: 'echo',
    summary: 'Repeat the words',
    usage: 'echo <words>',
    permission: 'read',
    flags: {},
    rest: 'words',
    async run(ctx, { args }) {
      const words = args.join(' ');
      record(words, ctx);
      return { reply: reply({ blocks: [text(answer(words))], visibility }) };
    },
  });
}
