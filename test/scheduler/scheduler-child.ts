/**
 * Run by test/scheduler/two-processes.test.ts as a separate process: a scheduler replica on the PostgreSQL database at
 * DATABASE_URL, sweeping SWEEPS times at the fixed instant NOW; every post is appended to POSTS_FILE (in this child's
 * own data folder) synchronously, so nothing is lost when it exits.
 */
import { appendFileSync } from 'node:fs';
import { openDatabase } from '../../src/persistence/db.js';
import { makeScheduler, sub, type Posted } from './harness.js';

const { DATABASE_URL, OWNER, NOW, POSTS_FILE, SWEEPS } = process.env as Record<string, string>;
const database = await openDatabase({ kind: 'postgres', url: DATABASE_URL as string, poolSize: 4 }, { migrate: false });
const posted: Posted[] = new Proxy([], {
  get(target: Posted[], prop, recv) {
    if (prop === 'push') return (p: Posted) => {
      appendFileSync(POSTS_FILE as string, JSON.stringify({ owner: p.owner, channel: p.target.address.channel }) + '\n');
      return target.push(p);
    };
    return Reflect.get(target, prop, recv);
  },
});
const s = makeScheduler(database, OWNER as string, { subs: () => [sub('s-procs', { cadence: 'daily', time: '09:00', timezone: 'Europe/Berlin' })], now: () => new Date(NOW as string), posted });
process.stdout.write('READY\n');
for (let i = 0; i < Number(SWEEPS ?? 20); i++) await Promise.all([s.scheduler.sweep(), s.scheduler.sweep()]);
await database.close();
process.stdout.write('DONE\n');
