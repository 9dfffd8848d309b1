/**
 * Approval-to-first-step latency on the demo estate: the time from an Approve click entering the dispatcher to
 * the progress update that says step 1 is running (after the claim, drift check and dry-run), and to the end.
 * Baseline, measured in the same run: one `approvals` command round trip (a plain read of the store).
 *
 *   npx tsx bench/approval-latency.ts                 # embedded PGlite, in memory
 *   DATABASE_URL=postgres://… npx tsx bench/approval-latency.ts
 */
import { toPlainText } from '../src/core/render-text.js';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/lib/logger.js';
import { bootstrap } from '../src/main.js';

const ROUNDS = Number(process.env.ROUNDS ?? 20);
const config = loadConfig({ ...process.env, STEWARD_DATA_DIR: process.env.DATABASE_URL ? './.steward' : 'memory://', LOG_LEVEL: 'silent', STEWARD_DEMO_INSTANCES: '200' });
if (config.database.kind === 'postgres' && !config.approvals.policyFile) {
  // Server defaults make everyone a viewer; the bench needs a proposer and an approver.
  process.stderr.write('With DATABASE_URL, set STEWARD_POLICY_FILE=docs/examples/policy.yaml (alice proposes, bob approves).\n');
  process.exit(2);
}
const app = await bootstrap(config, { log: silentLogger() });
let firstStepAt = 0;
let doneAt = 0;
app.notifiers.register({
  surface: 'console',
  update: async (_ref, r) => {
    const t = toPlainText(r);
    if (!firstStepAt && /Step 1 of 1/.test(t)) firstStepAt = performance.now();
    if (/All 1 step applied/.test(t)) doneAt = performance.now();
  },
});
const alice = { id: 'console:alice', displayName: 'alice', surface: 'console' as const };
const bob = { id: 'console:bob', displayName: 'bob', surface: 'console' as const };

const inv = (await app.dispatcher.run({ text: 'inventory --state running --limit 500 --json', actor: alice, surface: 'console' })).data as { instances: { id: string }[] };
const targets = inv.instances.slice(0, ROUNDS);
const toFirst: number[] = [];
const toDone: number[] = [];
const baseline: number[] = [];
for (const [i, target] of targets.entries()) {
  const t = performance.now();
  await app.dispatcher.run({ text: 'approvals', actor: bob, surface: 'console' });
  baseline.push(performance.now() - t);
  const proposed = await app.dispatcher.run({ text: `stop ${target.id}`, actor: alice, surface: 'console' });
  const id = (proposed.data as { id: string }).id;
  firstStepAt = 0;
  doneAt = 0;
  const t0 = performance.now();
  await app.dispatcher.action({ actionId: 'proposal.approve', value: id, actor: bob, surface: 'console', message: { surface: 'console', address: { messageId: `m${i}` } } });
  await app.approvals.idle();
  toFirst.push(firstStepAt - t0);
  toDone.push(doneAt - t0);
}
await app.close();

const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * (xs.length - 1)))] ?? NaN;
const ms = (x: number) => `${x.toFixed(1)} ms`;
const med = q(toFirst, 0.5);
process.stdout.write(
  [
    `database: ${app.database.describe}; demo estate ${config.demo.instances} instances; ${targets.length} one-step proposals (stop)`,
    `approval → first step running: median ${ms(med)}, p95 ${ms(q(toFirst, 0.95))}, max ${ms(Math.max(...toFirst))}`,
    `approval → plan done:          median ${ms(q(toDone, 0.5))}, p95 ${ms(q(toDone, 0.95))}`,
    `baseline (approvals command):  median ${ms(q(baseline, 0.5))}; ratio first-step / baseline = ${(med / q(baseline, 0.5)).toFixed(1)}×`,
    '',
  ].join('\n'),
);
