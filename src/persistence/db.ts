import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { fromRoot, projectRoot } from '../lib/paths.js';
import * as schema from './schema.js';

/** One drizzle type for both drivers; the stores are written against it. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export type DatabaseConfig = { kind: 'postgres'; url: string; poolSize?: number } | { kind: 'pglite'; dataDir: string };

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** Where the data lives, without credentials. */
  describe: string;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const MIGRATIONS_FOLDER = fromRoot('migrations');
/** Any constant works; every replica uses the same one so only one migrates at a time. */
const MIGRATION_LOCK = 7_340_211;

export async function openDatabase(cfg: DatabaseConfig, opts: { migrate?: boolean } = {}): Promise<Database> {
  const database = cfg.kind === 'postgres' ? await openPostgres(cfg.url, cfg.poolSize) : await openPglite(cfg.dataDir);
  if (opts.migrate !== false) {
    try {
      await runMigrations(database, cfg);
    } catch (err) {
      await database.close().catch(() => undefined);
      throw err;
    }
  }
  return database;
}

async function openPostgres(url: string, poolSize = 10): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 10_000 });
  // An idle client that errors (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  const db = drizzlePg({ client: pool, schema }) as unknown as Db;
  const u = new URL(url);
  return {
    db,
    kind: 'postgres',
    describe: `postgres://${u.hostname}:${u.port || 5432}${u.pathname}`,
    ping: async () => {
      await pool.query('select 1');
    },
    close: () => pool.end(),
  };
}

async function openPglite(dataDir: string): Promise<Database> {
  const inMemory = dataDir.startsWith('memory://');
  const dir = inMemory ? dataDir : resolve(dataDir, 'pglite');
  if (!inMemory) {
    mkdirSync(dir, { recursive: true });
    if (!existsSync(join(dir, 'PG_VERSION'))) await initPgliteFolder(dir);
  }
  const client = await PGlite.create(dir, { startParams: PGLITE_START_PARAMS });
  const db = drizzlePglite({ client, schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    describe: inMemory ? 'PGlite in memory' : `PGlite in ${dir}`,
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: () => client.close(),
  };
}

/**
 * The embedded server's buffer pool. initdb writes PostgreSQL's default of 128 MB into postgresql.conf; in PGlite
 * that pool is set up inside the wasm heap at every open, which cost about 1 s of the start and ~120 MB of RSS on
 * this project's 2-core machine, for data (a 10,000-instance estate included) of a few tens of MB. Passed as a
 * start parameter, so it also applies to folders made before it existed.
 */
export const PGLITE_SHARED_BUFFERS = '32MB';
const PGLITE_START_PARAMS = [...PGlite.defaultStartParams, '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`];

/**
 * A new data folder is a copy of a cluster made once per machine, PGlite version and set of migrations (initdb
 * costs 10–70 s on a busy 2-core machine, running the migrations on a fresh cluster 1–6 s; the copy well under a
 * second), kept in the temp folder: the pristine cluster after initdb, and beside it that cluster with the
 * migrations applied, which is what a new folder copies (its own migrations check then finds nothing to do).
 * Without them, or when they cannot be written, the folder is initialised directly (the migrations then run at
 * open). STEWARD_PGLITE_TEMPLATE=off turns the copy off.
 */
async function initPgliteFolder(dir: string): Promise<void> {
  const base = process.env.STEWARD_PGLITE_TEMPLATE === 'off' ? undefined : pgliteTemplateDir();
  if (base) {
    try {
      await ensureTemplate(base, (building) => initPgliteInChild(building));
      let source = base;
      try {
        const migrated = `${base}-m${migrationsHash()}`;
        await ensureTemplate(migrated, async (building) => {
          cpSync(base, building, { recursive: true });
          await initPgliteInChild(building, { migrate: true });
        });
        source = migrated;
      } catch {
        // the pristine cluster still saves initdb; the migrations run at open
      }
      cpSync(source, dir, { recursive: true });
      return;
    } catch {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
    }
  }
  await initPgliteInChild(dir);
}

/** Makes a template cluster once: built beside its final name and renamed into place, so no process ever copies a half-made one. */
async function ensureTemplate(template: string, build: (building: string) => Promise<void>): Promise<void> {
  if (existsSync(join(template, 'PG_VERSION'))) return;
  const building = `${template}.building-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await build(building);
    try {
      renameSync(building, template);
    } catch {
      // another process put its template there first: use that one
    }
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  if (!existsSync(join(template, 'PG_VERSION'))) throw new Error(`PGlite template ${template} was not made`);
}

/** Names the migrated template: the journal and every migration's SQL, so a new or edited migration makes a new one. */
function migrationsHash(): string {
  const h = createHash('sha256');
  h.update(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json')));
  for (const f of readdirSync(MIGRATIONS_FOLDER).filter((n) => n.endsWith('.sql')).sort()) h.update(f).update(readFileSync(join(MIGRATIONS_FOLDER, f)));
  return h.digest('hex').slice(0, 16);
}

function pgliteTemplateDir(): string | undefined {
  try {
    // The package does not export its package.json: walk up from its entry point to read the version.
    let d = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
    while (!existsSync(join(d, 'package.json')) && dirname(d) !== d) d = dirname(d);
    const pkg = JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')) as { version: string };
    const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
    return join(tmpdir(), `steward-pglite-template-${pkg.version}-${uid}`);
  } catch {
    return undefined;
  }
}

/**
 * Creating a PGlite cluster (initdb) leaves the wasm heap at ~800 MB for the life of the process; opening an
 * existing one stays near 300 MB. So a new data folder is initialised, and a template migrated, by a short-lived
 * child process.
 */
async function initPgliteInChild(dir: string, opts: { migrate?: boolean } = {}): Promise<void> {
  const script = [
    'const [dir, params, folder] = process.argv.slice(1);',
    'const { PGlite } = await import("@electric-sql/pglite");',
    'const c = await PGlite.create(dir, { startParams: JSON.parse(params) });',
    'try {',
    '  if (folder) {',
    '    const { drizzle } = await import("drizzle-orm/pglite");',
    '    const { migrate } = await import("drizzle-orm/pglite/migrator");',
    '    await migrate(drizzle({ client: c }), { migrationsFolder: folder });',
    '  }',
    '} finally { await c.close(); }',
  ].join('\n');
  const args = ['--input-type=module', '-e', script, dir, JSON.stringify(PGLITE_START_PARAMS), ...(opts.migrate ? [MIGRATIONS_FOLDER] : [])];
  await promisify(execFile)(process.execPath, args, { cwd: projectRoot(), timeout: 300_000 });
}

async function runMigrations(database: Database, cfg: DatabaseConfig): Promise<void> {
  if (cfg.kind === 'pglite') {
    await migratePglite(database.db as never, { migrationsFolder: MIGRATIONS_FOLDER });
    return;
  }
  // Replicas starting together: a session advisory lock on one connection serializes the migrators.
  const client = new pg.Client({ connectionString: cfg.url });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await migratePg(drizzlePg({ client }), { migrationsFolder: MIGRATIONS_FOLDER });
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await client.end();
  }
}
