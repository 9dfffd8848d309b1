import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER, PGLITE_SHARED_BUFFERS, openDatabase } from '../../src/persistence/db.js';
import { CHILD_TEST_TIMEOUT_MS, tempDataDir } from '../support/spawn.js';

const systemId = async (dataDir: string) => {
  const db = await openDatabase({ kind: 'pglite', dataDir }, { migrate: false });
  try {
    const r = (await db.db.execute(sql`select system_identifier::text as id from pg_control_system()`)) as unknown as { rows: { id: string }[] };
    return { db, id: r.rows[0]?.id };
  } catch (err) {
    await db.close();
    throw err;
  }
};

// Issue 12: a fresh data folder costs an initdb (10–70 s on a busy 2-core machine) unless it is a copy of a
// pristine cluster made once per machine.
// An initdb runs in a child process: the child-process ceiling applies (a ceiling for a hang, not a speed target).
describe('fresh embedded data folders', { timeout: CHILD_TEST_TIMEOUT_MS }, () => {
  it('are copies of one pristine cluster (same system identifier), yet independent of each other', async () => {
    const a = tempDataDir('steward-tpl-a-');
    const b = tempDataDir('steward-tpl-b-');
    const first = await systemId(a);
    try {
      await first.db.db.execute(sql`create table only_in_a (x int)`);
    } finally {
      await first.db.close();
    }
    const second = await systemId(b);
    try {
      expect(existsSync(join(b, 'pglite', 'PG_VERSION'))).toBe(true);
      expect(second.id).toBe(first.id);
      const r = (await second.db.db.execute(sql`select to_regclass('only_in_a')::text as t`)) as unknown as { rows: { t: string | null }[] };
      expect(r.rows[0]?.t).toBeNull();
    } finally {
      await second.db.close();
    }
  });

  // Issue 12: running the migrations on a fresh cluster cost 1–6 s of a cold start; the template carries them.
  it('arrive with every migration already applied (the template is migrated once, not each new folder)', async () => {
    const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };
    const db = await openDatabase({ kind: 'pglite', dataDir: tempDataDir('steward-tpl-m-') }, { migrate: false });
    try {
      const r = (await db.db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`)) as unknown as { rows: { n: number }[] };
      expect(r.rows[0]?.n).toBe(journal.entries.length);
      const t = (await db.db.execute(sql`select to_regclass('public.proposals')::text as t`)) as unknown as { rows: { t: string | null }[] };
      expect(t.rows[0]?.t).toBe('proposals');
    } finally {
      await db.close();
    }
  });
});

// Issue 12: initdb writes PostgreSQL's 128 MB buffer pool, which PGlite sets up in its wasm heap at every open
// (about 1 s of each start and ~120 MB of RSS here).
describe('an embedded database', { timeout: CHILD_TEST_TIMEOUT_MS }, () => {
  it('opens with a small buffer pool, in memory and in a data folder', async () => {
    expect(PGLITE_SHARED_BUFFERS).toBe('32MB');
    for (const dataDir of ['memory://', tempDataDir('steward-sb-')]) {
      const db = await openDatabase({ kind: 'pglite', dataDir }, { migrate: false });
      try {
        const r = (await db.db.execute(sql`show shared_buffers`)) as unknown as { rows: { shared_buffers: string }[] };
        expect(r.rows[0]?.shared_buffers).toBe('32MB');
      } finally {
        await db.close();
      }
    }
  });
});
