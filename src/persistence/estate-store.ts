import { and, eq, sql } from 'drizzle-orm';
import type { EstateMeta, EstateRecord, EstateStore } from '../domain/ports/estate-store.port.js';
import type { Db } from './db.js';
import { demoEstate, demoResources } from './schema.js';

/** Records per INSERT: each statement carries its rows as one JSON parameter, so 10,000 records are 2 statements. */
const INSERT_CHUNK = 5000;

/** Rows as the drivers return them: pg gives `{ rows }`, PGlite's drizzle driver too. */
function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : ((result as { rows?: T[] }).rows ?? [])) as T[];
}

/** The records as one JSON text, parsed once (faster than a jsonb value per row through either driver). */
function parseRecords(result: unknown): EstateRecord[] {
  const [row] = rowsOf<{ records: string | null }>(result);
  return row?.records ? (JSON.parse(row.records) as EstateRecord[]) : [];
}

export function createEstateStore(db: Db): EstateStore {
  const toRecord = (r: { key: string; data: unknown; version: number }): EstateRecord => ({ key: r.key, data: r.data, version: r.version });
  const aggregate = sql`json_agg(json_build_object('key', ${demoResources.key}, 'data', ${demoResources.data}, 'version', ${demoResources.version}) order by ${demoResources.key})::text as records`;
  return {
    async meta() {
      const [row] = await db.select().from(demoEstate).where(eq(demoEstate.id, 1));
      return row ? { fingerprint: row.fingerprint, source: row.source, seed: row.seed } : undefined;
    },
    async replaceAll(meta: EstateMeta, records) {
      await db.transaction(async (tx) => {
        await tx.delete(demoResources);
        // One statement per chunk with the rows as a single jsonb parameter: no round trip and no bind parameter
        // per row (a 10,000-instance estate loads in two statements).
        for (let i = 0; i < records.length; i += INSERT_CHUNK) {
          const chunk = JSON.stringify(records.slice(i, i + INSERT_CHUNK).map((r) => ({ key: r.key, data: r.data })));
          await tx.execute(
            sql`insert into ${demoResources} (key, data) select e->>'key', e->'data' from jsonb_array_elements(${chunk}::jsonb) as e`,
          );
        }
        await tx
          .insert(demoEstate)
          .values({ id: 1, ...meta })
          .onConflictDoUpdate({ target: demoEstate.id, set: { ...meta, createdAt: sql`now()` } });
      });
    },
    async list() {
      return parseRecords(await db.execute(sql`select ${aggregate} from ${demoResources}`));
    },
    async get(key) {
      const [row] = await db.select().from(demoResources).where(eq(demoResources.key, key));
      return row ? toRecord(row) : undefined;
    },
    async getMany(keys) {
      if (!keys.length) return [];
      const wanted = JSON.stringify([...new Set(keys)]);
      return parseRecords(
        await db.execute(sql`select ${aggregate} from ${demoResources} where ${demoResources.key} in (select jsonb_array_elements_text(${wanted}::jsonb))`),
      );
    },
    async count(prefix) {
      const like = prefix.replace(/[\\%_]/g, (c) => '\\' + c) + '%';
      const [row] = rowsOf<{ n: number | string }>(await db.execute(sql`select count(*)::int as n from ${demoResources} where ${demoResources.key} like ${like}`));
      return Number(row?.n ?? 0);
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
