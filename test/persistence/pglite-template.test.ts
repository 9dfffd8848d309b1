import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/persistence/db.js';
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
});
