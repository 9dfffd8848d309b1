import { and, asc, eq, sql } from 'drizzle-orm';
import type { EstateMeta, EstateRecord, EstateStore } from '../domain/ports/estate-store.port.js';
import type { Db } from './db.js';
import { demoEstate, demoResources } from './schema.js';

export function createEstateStore(db: Db): EstateStore {
  const toRecord = (r: { key: string; data: unknown; version: number }): EstateRecord => ({ key: r.key, data: r.data, version: r.version });
  return {
    async meta() {
      const [row] = await db.select().from(demoEstate).where(eq(demoEstate.id, 1));
      return row ? { fingerprint: row.fingerprint, source: row.source, seed: row.seed } : undefined;
    },
    async replaceAll(meta: EstateMeta, records) {
      await db.transaction(async (tx) => {
        await tx.delete(demoResources);
        for (let i = 0; i < records.length; i += 500) {
          const batch = records.slice(i, i + 500);
          if (batch.length) await tx.insert(demoResources).values(batch.map((r) => ({ key: r.key, data: r.data })));
        }
        await tx
          .insert(demoEstate)
          .values({ id: 1, ...meta })
          .onConflictDoUpdate({ target: demoEstate.id, set: { ...meta, createdAt: sql`now()` } });
      });
    },
    async list() {
      const rows = await db.select().from(demoResources).orderBy(asc(demoResources.key));
      return rows.map(toRecord);
    },
    async get(key) {
      const [row] = await db.select().from(demoResources).where(eq(demoResources.key, key));
      return row ? toRecord(row) : undefined;
    },
    async insert(key, data) {
      const [row] = await db.insert(demoResources).values({ key, data }).returning();
      if (!row) throw new Error(`insert of ${key} returned nothing`);
      return toRecord(row);
    },
    async update(key, expectedVersion, data) {
      const [row] = await db
        .update(demoResources)
        .set({ data, version: sql`${demoResources.version} + 1`, updatedAt: sql`now()` })
        .where(and(eq(demoResources.key, key), eq(demoResources.version, expectedVersion)))
        .returning();
      return row ? toRecord(row) : undefined;
    },
    async remove(key) {
      const rows = await db.delete(demoResources).where(eq(demoResources.key, key)).returning({ key: demoResources.key });
      return rows.length > 0;
    },
  };
}
