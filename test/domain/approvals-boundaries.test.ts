/** The approvals and plans rooms stay pure (DESIGN §2): no database driver, no SDK, no command runtime. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { fromRoot } from '../../src/lib/paths.js';

const FORBIDDEN = /from '(drizzle-orm[^']*|pg|@electric-sql\/[^']*|@aws-sdk\/[^']*|@azure\/[^']*|@google-cloud\/[^']*|@slack\/[^']*|express|node:[^']*|(\.\.\/)+(core|persistence|providers|surfaces)\/[^']*|(\.\.\/)+\.\.\/commands\/[^']*)'/;

it('src/domain/{approvals,plans} import only the domain, src/lib and zod', () => {
  for (const room of ['src/domain/approvals', 'src/domain/plans']) {
    for (const f of readdirSync(fromRoot(room))) {
      const text = readFileSync(join(fromRoot(room), f), 'utf8');
      const bad = text.split('\n').filter((l) => /^import /.test(l) && FORBIDDEN.test(l));
      expect(bad, `${room}/${f}`).toEqual([]);
    }
  }
});
