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
  open(): Promise<Database & { dispose(): Promise<void> }>;
}

export function backends(): Backend[] {
  const list: Backend[] = [
    {
      name: 'pglite',
      async open() {
        const db = await openDatabase({ kind: 'pglite', dataDir: 'memory://' });
        return { ...db, dispose: () => db.close() };
      },
    },
  ];
  const url = process.env.TEST_DATABASE_URL;
  if (url) list.push({ name: 'postgres', open: () => openScratchPostgres(url) });
  return list;
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
    describe(`${title} [${backend.name}]`, () => {
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
