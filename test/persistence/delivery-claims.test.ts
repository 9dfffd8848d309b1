import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { createDeliveryClaims } from '../../src/persistence/delivery-claims.js';
import { describeStores } from '../support/db.js';

describeStores('delivery claims (Slack/Teams retry dedupe shared by replicas)', (db) => {
  const t0 = new Date('2026-07-01T10:00:00Z');

  it('the first claim of a delivery key wins and a retry of it loses, from another replica too', async () => {
    const a = createDeliveryClaims(db().db, { owner: 'replica-a' });
    const b = createDeliveryClaims(db().db, { owner: 'replica-b' });
    expect(await a.claim('slack:command:T1', { surface: 'slack', ttlMs: 3_600_000, now: t0 })).toBe(true);
    expect(await b.claim('slack:command:T1', { surface: 'slack', ttlMs: 3_600_000, now: new Date(t0.getTime() + 1000) })).toBe(false);
    expect(await a.claim('slack:command:T1', { surface: 'slack', ttlMs: 3_600_000, now: new Date(t0.getTime() + 2000) })).toBe(false);
    expect(await b.claim('slack:command:T2', { surface: 'slack', ttlMs: 3_600_000, now: t0 })).toBe(true);
  });

  it('a key may be claimed again once its claim has expired', async () => {
    const a = createDeliveryClaims(db().db, { owner: 'replica-a' });
    const b = createDeliveryClaims(db().db, { owner: 'replica-b' });
    expect(await a.claim('teams:message:X', { surface: 'teams', ttlMs: 60_000, now: t0 })).toBe(true);
    expect(await b.claim('teams:message:X', { surface: 'teams', ttlMs: 60_000, now: new Date(t0.getTime() + 59_000) })).toBe(false);
    expect(await b.claim('teams:message:X', { surface: 'teams', ttlMs: 60_000, now: new Date(t0.getTime() + 61_000) })).toBe(true);
  });

  it('many concurrent claims of one key from several replicas: exactly one wins', async () => {
    const replicas = ['a', 'b', 'c', 'd'].map((o) => createDeliveryClaims(db().db, { owner: o }));
    const results = await Promise.all(Array.from({ length: 24 }, (_, i) => (replicas[i % 4] as (typeof replicas)[number]).claim('slack:action:race', { surface: 'slack', ttlMs: 60_000, now: t0 })));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('stores the key hashed, never the command text of a fallback key', async () => {
    const a = createDeliveryClaims(db().db, { owner: 'replica-a' });
    await a.claim('command:U1:/cloud:inventory secret-project:https://hooks.slack.com/x', { surface: 'slack', ttlMs: 60_000, now: t0 });
    const rows = (await db().db.execute(sql`select key from delivery_claims`)) as unknown as { rows?: { key: string }[] } & { key: string }[];
    const keys = (rows.rows ?? rows).map((r) => r.key);
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) expect(k).toMatch(/^[0-9a-f]{64}$/);
  });
});
