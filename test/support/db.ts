/**
 * The store test harness: the same suite runs on PGlite always, and on the real PostgreSQL server when
 * TEST_DATABASE_URL is set (CI sets it). Each PostgreSQL run gets a database of its own, dropped afterwards,
 * so test files can run in parallel.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { openDatabase, type Database } from '../../src/persistence/db.js';

export interface Backend {
  name: 'pglite' | 'postgres';
  /** Why this backend's suites do not run here (shown in the suite's title), or undefined when they run. */
  skipped?: string;
  open(): Promise<Database & { dispose(): Promise<void> }>;
}

/** The PostgreSQL server the suites run against, when there is one. */
export const TEST_DATABASE_URL: string | undefined = process.env.TEST_DATABASE_URL || undefined;

/** Put in the title of a PostgreSQL suite that is skipped, so the report says why instead of hiding it. */
export const POSTGRES_SKIPPED = '(skipped: TEST_DATABASE_URL is not set; .ci/run sets it, or export TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test)';

/** PGlite always; PostgreSQL too, skipped (visibly, with the reason) without TEST_DATABASE_URL. */
export function backends(): Backend[] {
  const url = TEST_DATABASE_URL;
  return [
    {
      name: 'pglite',
      async open() {
        const db = await openDatabase({ kind: 'pglite', dataDir: 'memory://' });
        return { ...db, dispose: () => db.close() };
      },
    },
    {
      name: 'postgres',
      ...(url ? {} : { skipped: POSTGRES_SKIPPED }),
      open: () => {
        if (!url) throw new Error('TEST_DATABASE_URL is not set');
        return openScratchPostgres(url);
      },
    },
  ];
}

/** A fresh database on the server behind `url`, migrated, dropped on dispose. */
export async function openScratchPostgres(url: string, poolSize = 10): Promise<Database & { dispose(): Promise<void>; url: string }> {
  const name = `steward_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  const db = await openDatabase({ kind: 'postgres', url: u.toString(), poolSize });
  return {
    ...db,
    url: u.toString(),
    async dispose() {
      await db.close();
      const a = new pg.Client({ connectionString: url });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

/** Runs `suite` once per backend, with a migrated database opened before and disposed after. */
export function describeStores(title: string, suite: (db: () => Database, backend: Backend['name']) => void): void {
  for (const backend of backends()) {
    describe.skipIf(backend.skipped !== undefined)(`${title} [${backend.name}]${backend.skipped ? ` ${backend.skipped}` : ''}`, () => {
      let database: (Database & { dispose(): Promise<void> }) | undefined;
      beforeAll(async () => {
        database = await backend.open();
      });
      afterAll(async () => {
        await database?.dispose();
      });
      suite(() => {
        if (!database) throw new Error('database not open yet');
        return database;
      }, backend.name);
    });
  }
}
