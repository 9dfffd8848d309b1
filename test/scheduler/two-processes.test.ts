/**
 * Exactly once across processes: two scheduler processes on one PostgreSQL database sweep the same due period
 * again and again at the same time; the digest is posted once. (PGlite is one process's database, so this suite
 * needs the server, which .ci/run always provides.)
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fromRoot } from '../../src/lib/paths.js';
import { createRunClaims } from '../../src/persistence/digest-store.js';
import { openScratchPostgres, POSTGRES_SKIPPED } from '../support/db.js';
import { CHILD_DEADLINE_MS, CHILD_TEST_TIMEOUT_MS, killChild, spawnNode, tempDataDir } from '../support/spawn.js';

const url = process.env.TEST_DATABASE_URL;

describe.skipIf(!url)(`digest scheduler: two processes post a period once [postgres, child processes]${url ? '' : ` ${POSTGRES_SKIPPED}`}`, () => {
  let scratch: Awaited<ReturnType<typeof openScratchPostgres>>;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    scratch = await openScratchPostgres(url as string);
  });
  afterEach(() => {
    for (const c of children.splice(0)) killChild(c);
  });
  afterAll(async () => {
    await scratch?.dispose();
  });

  function run(owner: string, postsFile: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawnNode(['--import', 'tsx', fromRoot('test/scheduler/scheduler-child.ts')], {
        cwd: fromRoot(),
        env: { ...process.env, DATABASE_URL: scratch.url, OWNER: owner, NOW: '2026-07-01T07:00:40Z', POSTS_FILE: postsFile, SWEEPS: '15' },
      });
      children.push(child);
      let out = '';
      let err = '';
      const timer = setTimeout(() => {
        killChild(child);
        reject(new Error(`scheduler child ${owner} did not finish in ${CHILD_DEADLINE_MS / 1000} s and was killed:\n${out}\n${err}`));
      }, CHILD_DEADLINE_MS);
      child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
      child.on('exit', (code) => {
        clearTimeout(timer);
        if (code === 0 && out.includes('DONE')) resolve();
        else reject(new Error(`scheduler child ${owner} exited with ${code}:\n${out}\n${err}`));
      });
    });
  }

  it(
    'posts the due digest exactly once between them',
    async () => {
      const [dirA, dirB] = [tempDataDir('steward-sched-a-'), tempDataDir('steward-sched-b-')];
      const files = [join(dirA, 'posts.jsonl'), join(dirB, 'posts.jsonl')];
      await Promise.all([run('proc-a', files[0] as string), run('proc-b', files[1] as string)]);
      const lines = files.flatMap((f) => (existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').filter(Boolean) : []));
      expect(lines).toHaveLength(1);
      const row = await createRunClaims(scratch.db).get('digest:s-procs', '2026-07-01');
      expect(row).toMatchObject({ status: 'done', attempts: 1 });
      expect(['proc-a', 'proc-b']).toContain(row?.owner);
    },
    CHILD_TEST_TIMEOUT_MS,
  );
});
