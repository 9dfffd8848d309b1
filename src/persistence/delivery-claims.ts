/**
 * DeliveryClaims in PostgreSQL (or PGlite): one row per delivery key in `delivery_claims`, inserted with
 * ON CONFLICT … DO UPDATE … WHERE the old claim has expired, RETURNING the row. Exactly one concurrent insert of a
 * key gets a row back (the primary key serializes them), so exactly one replica runs the delivery. Keys are
 * SHA-256 hashed: a Slack fallback key contains the command text, which has no business in the database.
 */
import { createHash } from 'node:crypto';
import { lt, sql } from 'drizzle-orm';
import type { DeliveryClaims } from '../domain/ports/delivery-claims.port.js';
import type { Db } from './db.js';
import { deliveryClaims } from './schema.js';

/** Expired rows are deleted on every this-many claims (cheap: the expiry index). */
const PRUNE_EVERY = 200;

export function createDeliveryClaims(db: Db, opts: { owner: string; now?: () => Date }): DeliveryClaims {
  const clock = opts.now ?? (() => new Date());
  let sincePrune = 0;
  return {
    async claim(key, c) {
      const now = c.now ?? clock();
      const hashed = createHash('sha256').update(key).digest('hex');
      const expiresAt = new Date(now.getTime() + c.ttlMs);
      const rows = await db
        .insert(deliveryClaims)
        .values({ key: hashed, surface: c.surface, owner: opts.owner, claimedAt: now, expiresAt })
        .onConflictDoUpdate({
          target: deliveryClaims.key,
          set: { owner: opts.owner, claimedAt: now, expiresAt, surface: c.surface },
          setWhere: sql`${deliveryClaims.expiresAt} <= ${now.toISOString()}::timestamptz`,
        })
        .returning({ key: deliveryClaims.key });
      if (++sincePrune >= PRUNE_EVERY) {
        sincePrune = 0;
        await db.delete(deliveryClaims).where(lt(deliveryClaims.expiresAt, now)).catch(() => undefined);
      }
      return rows.length === 1;
    },
  };
}
