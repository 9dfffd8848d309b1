/**
 * Run by test/domain/health/two-processes.test.ts as a separate process: a Steward replica (the demo estate on the
 * PostgreSQL database at DATABASE_URL) that prints READY once it is up, waits for the file GO_FILE (the parent
 * writes it when both replicas are ready, so a slow start cannot leave one racing alone), then runs the health
 * watch pass again and again, two passes at a time, until the epoch ms written in that file, and at least twice.
 * Prints the proposals this process made, then DONE.
 */
import { existsSync, readFileSync } from 'node:fs';
import { loadConfig } from '../../../src/config.js';
import { bootstrap } from '../../../src/main.js';
import { createLogger } from '../../../src/lib/logger.js';
import { WATCH_ACTOR } from '../../../src/domain/model/actor.js';

const { DATABASE_URL, GO_FILE } = process.env as Record<string, string>;
const app = await bootstrap(loadConfig({ DATABASE_URL: DATABASE_URL as string, LOG_LEVEL: 'silent', STEWARD_DEMO_WATCH_INTERVAL_SECONDS: '1', STEWARD_DEMO_WATCH_HOLD_SECONDS: '0' }), { log: createLogger({ level: 'error', destination: process.stderr }) });
process.stdout.write('READY\n');
const mine: string[] = [];
const pass = async () => {
  const r = await app.dispatcher.run({ text: 'watch run', argv: ['watch', 'run'], actor: WATCH_ACTOR, surface: 'system' });
  if (r.outcome !== 'ok') throw new Error(`watch run: ${r.outcome} ${JSON.stringify(r.reply).slice(0, 300)}`);
  for (const n of (r.data as { notices: { kind: string; proposal: string | null }[] }).notices) if (n.kind === 'proposed' && n.proposal) mine.push(n.proposal);
};
while (!existsSync(GO_FILE as string)) await new Promise((r) => setTimeout(r, 100));
const until = Number(readFileSync(GO_FILE as string, 'utf8'));
let rounds = 0;
while (rounds++ < 2 || Date.now() < until) await Promise.all([pass(), pass()]);
await app.close();
process.stdout.write(`PROPOSED ${JSON.stringify(mine)}\nDONE\n`);
