/**
 * The whole flow through the dispatcher on the demo estate: propose → refusals → approve by a second user →
 * execution with progress on the same message → estate changed → approving again only says it is decided.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageRef } from '../../src/core/command.js';
import { toPlainText } from '../../src/core/render-text.js';
import { buttonsOf } from '../../src/core/reply.js';
import { loadConfig } from '../../src/config.js';
import { bootstrap, type App } from '../../src/main.js';
import { silentLogger } from '../../src/lib/logger.js';
import { fixedClock, actor, planOf } from '../support/approvals.js';
import { openScratchPostgres, POSTGRES_SKIPPED, TEST_DATABASE_URL } from '../support/db.js';
import type { PlanStep } from '../../src/domain/model/plan.js';
import { refOf } from '../../src/domain/model/instance.js';

const POLICY = `
version: 1
defaultRole: viewer
expiry: 1h
roles:
  admin: [console:root]
  approver: [console:bob, console:carol, slack:S0SRE]
  operator: [console:alice]
`;

const backends: { name: string; skipped?: string; env(): Promise<{ env: Record<string, string>; dispose(): Promise<void> }> }[] = [
  { name: 'pglite', env: async () => ({ env: { STEWARD_DATA_DIR: 'memory://' }, dispose: async () => undefined }) },
  {
    name: 'postgres',
    ...(TEST_DATABASE_URL ? {} : { skipped: POSTGRES_SKIPPED }),
    env: async () => {
      // The scratch database's own pool stays open (idle) until dispose drops the database.
      const scratch = await openScratchPostgres(TEST_DATABASE_URL as string, 1);
      return { env: { DATABASE_URL: scratch.url }, dispose: scratch.dispose };
    },
  },
];

for (const backend of backends) {
  describe.skipIf(backend.skipped !== undefined)(`approvals through the dispatcher [${backend.name}]${backend.skipped ? ` ${backend.skipped}` : ''}`, () => {
    let app: App;
    let dispose: () => Promise<void>;
    const clock = fixedClock(new Date());
    const updates: { at: number; ref: MessageRef; text: string }[] = [];
    const alice = actor('console:alice');
    const bob = actor('console:bob');
    const carol = actor('console:carol');
    const dave = actor('console:dave');
    const message = (id: string): MessageRef => ({ surface: 'console', address: { messageId: id } });

    beforeAll(async () => {
      const dir = mkdtempSync(join(tmpdir(), 'steward-policy-'));
      writeFileSync(join(dir, 'policy.yaml'), POLICY);
      const be = await backend.env();
      dispose = be.dispose;
      const config = loadConfig({ ...be.env, STEWARD_POLICY_FILE: join(dir, 'policy.yaml'), STEWARD_DEMO_SEED: '42', STEWARD_DEMO_INSTANCES: '40', LOG_LEVEL: 'silent' });
      app = await bootstrap(config, { log: silentLogger(), clock });
      app.notifiers.register({ surface: 'console', update: async (ref, r) => void updates.push({ at: performance.now(), ref, text: toPlainText(r) }) });
    });
    afterAll(async () => {
      await app?.close();
      await dispose?.();
    });

    const run = (a: typeof alice, text: string) => app.dispatcher.run({ text, actor: a, surface: 'console' });
    const click = (a: typeof alice, actionId: string, value: string, msg = 'm1') => app.dispatcher.action({ actionId, value, actor: a, surface: 'console', message: message(msg) });
    const uniqueRunning = async () => {
      const inv = (await run(alice, 'inventory --state running --limit 500 --json')).data as { instances: { name: string; id: string }[] };
      const counts = new Map<string, number>();
      for (const i of inv.instances) counts.set(i.name, (counts.get(i.name) ?? 0) + 1);
      return inv.instances.filter((i) => counts.get(i.name) === 1);
    };

    it('stop <name> → refusals → approve by a second user → executes with progress → approving again says it is decided', async () => {
      const [target] = await uniqueRunning();
      const proposed = await run(alice, `stop ${target!.name}`);
      expect(proposed.outcome).toBe('ok');
      const id = (proposed.data as { id: string }).id;
      expect(buttonsOf(proposed.reply).map((b) => [b.actionId, b.value])).toEqual([['proposal.approve', id], ['proposal.reject', id]]);
      expect(toPlainText(proposed.reply)).toMatch(/needs 1 more approval from an approver \(or higher\): console:bob, console:carol, Slack user group S0SRE, console:root/);

      const self = await click(alice, 'proposal.approve', id);
      expect(self.outcome).toBe('forbidden');
      expect(toPlainText(self.reply)).toMatch(/You requested proposal .*nobody approves their own.*ask console:bob, console:carol/);

      const viewer = await click(dave, 'proposal.approve', id);
      expect(viewer.outcome).toBe('forbidden');
      expect(toPlainText(viewer.reply)).toMatch(/medium risk and needs 1 approval from an approver.*console:dave is a viewer.*Could approve instead: console:bob/);

      const viewerPropose = await run(dave, `stop ${target!.name}`);
      expect(viewerPropose.outcome).toBe('forbidden');
      expect(toPlainText(viewerPropose.reply)).toMatch(/proposing changes needs the operator role; console:dave is only a viewer/);

      const t0 = performance.now();
      const approved = await click(bob, 'proposal.approve', id);
      const answeredMs = performance.now() - t0;
      expect(approved.outcome).toBe('ok');
      expect(approved.replace).toBe(true);
      expect(toPlainText(approved.reply)).toMatch(/Approved by bob; executing now/);
      await app.approvals.idle();
      const firstStep = updates.find((u) => u.ref.address.messageId === 'm1' && /Step 1 of 1/.test(u.text));
      expect(firstStep).toBeDefined();
      console.log(`[${backend.name}] click answered in ${answeredMs.toFixed(1)} ms; approval-to-first-step ${(firstStep!.at - t0).toFixed(1)} ms`);
      const final = updates.filter((u) => u.ref.address.messageId === 'm1').at(-1);
      expect(final?.text).toMatch(/done: All 1 step applied/);

      const inv = (await run(alice, `inventory --json --refresh`)).data as { instances: { id: string; state: string }[] };
      expect(inv.instances.find((i) => i.id === target!.id)?.state).toBe('stopped');

      const again = await click(carol, 'proposal.approve', id);
      expect(again.outcome).toBe('unchanged');
      expect(again.replace).toBeUndefined();
      expect(toPlainText(again.reply)).toMatch(/already approved \(by bob\) and carried out; nothing was changed/);

      const shown = await run(dave, `proposal ${id}`);
      expect(shown.outcome).toBe('ok');
      const audit = (shown.data as { audit: { action: string; to?: string }[] }).audit.map((a) => `${a.action}${a.to ? `:${a.to}` : ''}`);
      expect(audit).toEqual(['proposal.created:proposed', 'proposal.approve', 'proposal.status:approved', 'proposal.status:executing', 'step.status:running', 'step.status:succeeded', 'proposal.status:succeeded']);
      expect(toPlainText(shown.reply)).toMatch(/Audit trail/);
    });

    it('a critical proposal needs two distinct approvers; the same one twice is refused', async () => {
      const [a] = await uniqueRunning();
      const inst = await app.services.inventory.describe(refOf((await app.services.inventory.collect({ }, { refresh: true })).instances.find((i) => i.id === a!.id)!));
      const del: PlanStep = { id: 's1', kind: 'delete', target: refOf(inst!), targetName: inst!.name, expect: { state: inst!.state }, reason: 'retire' };
      const out = await app.services.proposals!.propose({ plan: planOf([del]), requester: alice, surface: 'console' });
      expect(buttonsOf(out.reply)[0]?.confirm?.title).toBe('Approve a critical change?');
      const first = await click(bob, 'proposal.approve', out.id, 'm2');
      expect(toPlainText(first.reply)).toMatch(/Approvals\s+1 of 2/);
      const twice = await click(bob, 'proposal.approve', out.id, 'm2');
      expect(twice.outcome).toBe('unchanged');
      expect(toPlainText(twice.reply)).toMatch(/You already approved proposal .*does not count.*the second must come from someone else \(console:carol, Slack user group S0SRE, console:root\)/);
      const byCli = await app.dispatcher.run({ text: `approve ${out.id} --wait`, actor: actor('slack:U777', ['S0SRE']), surface: 'slack' });
      expect(byCli.outcome).toBe('ok');
      expect(toPlainText(byCli.reply)).toMatch(/done/);
      expect(await app.services.inventory.describe(refOf(inst!))).toBeUndefined();
    });

    it('expired proposals are refused and listed no more', async () => {
      const [, , c] = await uniqueRunning();
      const id = ((await run(alice, `stop ${c!.id}`)).data as { id: string }).id;
      const listed = await run(dave, 'approvals --json');
      expect((listed.data as { proposals: { id: string; awaiting: string }[] }).proposals.find((p) => p.id === id)?.awaiting).toMatch(/needs 1 more approval/);
      clock.advance(61 * 60_000);
      const late = await click(bob, 'proposal.approve', id, 'm3');
      expect(late.outcome).toBe('unchanged');
      expect(late.errorCode).toBe('PROPOSAL.EXPIRED');
      expect(toPlainText(late.reply)).toMatch(/expired at .* nothing was changed/);
      const after = await run(dave, 'approvals --json');
      expect((after.data as { proposals: { id: string }[] }).proposals.map((p) => p.id)).not.toContain(id);
    });

    it('cancel: only the requester or an admin', async () => {
      const [, , , d] = await uniqueRunning();
      const id = ((await run(alice, `stop ${d!.id}`)).data as { id: string }).id;
      const byBob = await run(bob, `cancel ${id}`);
      expect(byBob.outcome).toBe('forbidden');
      expect(toPlainText(byBob.reply)).toMatch(/Only the requester \(alice\) or an admin \(console:root\)/);
      const byAlice = await run(alice, `cancel ${id}`);
      expect(byAlice.outcome).toBe('ok');
      expect(toPlainText(byAlice.reply)).toMatch(/cancelled/);
      const click2 = await click(bob, 'proposal.approve', id, 'm4');
      expect(toPlainText(click2.reply)).toMatch(/is cancelled; nothing was changed/);
    });

    it('drift: the instance changed after the proposal, so nothing runs and the card offers the command to re-propose', async () => {
      const [, , , , , f] = await uniqueRunning();
      const id = ((await run(alice, `stop ${f!.name}`)).data as { id: string }).id;
      const inst = (await app.services.inventory.collect({}, { refresh: true })).instances.find((i) => i.id === f!.id)!;
      // Someone stops it by hand in the meantime.
      await app.services.inventory.providerFor(inst.provider).apply({ id: 'x', kind: 'stop', target: refOf(inst), targetName: inst.name, expect: {}, reason: 'by hand' }, { dryRun: false });
      const ok = await click(bob, 'proposal.approve', id, 'm6');
      expect(ok.outcome).toBe('ok');
      await app.approvals.idle();
      const final = updates.filter((u) => u.ref.address.messageId === 'm6').at(-1)?.text ?? '';
      expect(final).toMatch(/failed: Nothing was changed: the estate drifted since the plan was made\. .* is stopped, the plan expected running/);
      expect(final).toContain(`To propose it again against the estate as it is now: \`stop ${f!.id}\``);
    });

    it('rejecting ends a proposal; direct commands refuse what cannot work', async () => {
      const [, , , , e] = await uniqueRunning();
      const start = await run(alice, `start ${e!.name}`);
      expect(start.outcome).toBe('unchanged');
      expect(toPlainText(start.reply)).toMatch(/is running; only a stopped instance can be started/);
      const unknown = await run(alice, 'stop no-such-instance-xyz');
      expect(unknown.outcome).toBe('not-found');
      expect(toPlainText(unknown.reply)).toMatch(/No instance is named or has the id/);
      const id = ((await run(alice, `stop ${e!.name}`)).data as { id: string }).id;
      const rejected = await app.dispatcher.run({ text: `reject ${id} "not during the freeze"`, actor: carol, surface: 'cli' });
      expect(rejected.outcome).toBe('ok');
      expect(toPlainText(rejected.reply)).toMatch(/rejected.*not during the freeze/s);
    });
  });
}
