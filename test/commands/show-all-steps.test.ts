/**
 * The full plan has a home (issue 9, item 8): a card that lists fewer steps than its plan carries "Show all steps",
 * whose answer (and `proposal <id> --steps`) holds every step with the plan's figures on top, through the real
 * command layer on the demo estate and the CLI's own runner.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toPlainText } from '../../src/core/render-text.js';
import { buttonsOf } from '../../src/core/reply.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/lib/logger.js';
import { bootstrap, type App } from '../../src/main.js';
import { runCliCommand } from '../../src/surfaces/cli/cli.js';
import { actor, fakeStep, planOf, step } from '../support/approvals.js';
import { longPlan, stepIdsIn } from '../support/long-plan.js';

const POLICY = `
version: 1
defaultRole: viewer
roles:
  approver: [cli:bob]
  operator: [cli:alice]
`;

let app: App;
let dir: string;
const [alice, bob, vic] = ['cli:alice', 'cli:bob', 'cli:vic'].map((id) => actor(id));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'steward-steps-'));
  writeFileSync(join(dir, 'policy.yaml'), POLICY);
  app = await bootstrap(loadConfig({ STEWARD_DATA_DIR: 'memory://', STEWARD_POLICY_FILE: join(dir, 'policy.yaml'), STEWARD_DEMO_INSTANCES: '20', LOG_LEVEL: 'silent' }), { log: silentLogger() });
}, 120_000);
afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function cli(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const exit = await runCliCommand(app.dispatcher, argv, { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) });
  return { exit, stdout, stderr };
}

describe('Show all steps', () => {
  it('the card of a 76-step plan lists 30, says so, and carries the button (value: the id only, read permission)', async () => {
    const p = await app.approvals.propose({ plan: longPlan(76), requester: alice! });
    const card = await app.dispatcher.run({ text: `proposal ${p.id}`, actor: bob!, surface: 'slack' });
    expect(stepIdsIn(toPlainText(card.reply))).toHaveLength(30);
    expect(toPlainText(card.reply)).toContain(`Showing 30 of 76 steps; Show all steps or \`proposal ${p.id} --steps\` lists every one.`);
    expect(buttonsOf(card.reply).map((b) => [b.actionId, b.value])).toEqual([
      ['proposal.approve', p.id],
      ['proposal.reject', p.id],
      ['proposal.steps', p.id],
    ]);
    // Someone who may not decide sees the card alone, without the decision buttons, but can still see every step.
    const viewer = await app.dispatcher.run({ text: `proposal ${p.id}`, actor: vic!, surface: 'slack' });
    expect(viewer.reply.visibility).toBe('ephemeral');
    expect(buttonsOf(viewer.reply).map((b) => b.actionId)).toEqual(['proposal.steps']);
  });

  it('a plan the card lists in full has no button', async () => {
    const p = await app.approvals.propose({ plan: planOf([fakeStep('s1'), fakeStep('s2')]), requester: alice! });
    const card = await app.dispatcher.run({ text: `proposal ${p.id}`, actor: bob!, surface: 'slack' });
    expect(buttonsOf(card.reply).map((b) => b.actionId)).toEqual(['proposal.approve', 'proposal.reject']);
  });

  it('the click answers every step to the clicker only and leaves the card alone, whoever clicks', async () => {
    const p = await app.approvals.propose({ plan: longPlan(76), requester: alice! });
    for (const who of [bob!, vic!]) {
      const r = await app.dispatcher.action({ actionId: 'proposal.steps', value: p.id, actor: who, surface: 'slack', message: { surface: 'slack', address: { channel: 'C1', ts: '1.1' } } });
      expect(r.outcome).toBe('ok');
      expect(r.replace).toBeFalsy();
      expect(r.reply.visibility).toBe('ephemeral');
      expect(r.reply.cardOf).toBeUndefined();
      expect(r.reply.whole).toBe(true);
      expect(stepIdsIn(toPlainText(r.reply))).toHaveLength(76);
    }
    expect((await app.approvals.get(p.id))!.proposal.status).toBe('proposed');
  });

  it('`proposal <id> --steps` prints every step under the plan\'s figures; --json gives the 76 steps', async () => {
    const p = await app.approvals.propose({ plan: longPlan(76), requester: alice! });
    const out = await cli(['proposal', p.id, '--steps']);
    expect(out.exit).toBe(0);
    expect(stepIdsIn(out.stdout)).toHaveLength(76);
    expect(out.stdout.indexOf('Monthly before')).toBeLessThan(out.stdout.indexOf('s1 '));
    expect(out.stdout).toMatch(/Saves\s+\$3,162\/mo/);
    expect(out.stdout).not.toMatch(/Showing \d+ of/);

    const json = await cli(['proposal', p.id, '--steps', '--json']);
    expect(json.exit).toBe(0);
    const steps = JSON.parse(json.stdout) as { id: string; kind: string; targetName: string; status: string | null }[];
    expect(steps).toHaveLength(76);
    expect(steps.map((s) => s.id)).toEqual(Array.from({ length: 76 }, (_, i) => `s${i + 1}`));
    expect(steps[0]).toMatchObject({ kind: 'resize', targetName: 'app-1', status: null });
  });

  it('typed, the list has the visibility of `proposal <id>`: for everyone from someone who may act, else ephemeral', async () => {
    const p = await app.approvals.propose({ plan: longPlan(40), requester: alice! });
    const byApprover = await app.dispatcher.run({ text: `proposal ${p.id} --steps`, actor: bob!, surface: 'slack' });
    expect(byApprover.reply.visibility).toBe('channel');
    expect(byApprover.reply.cardOf).toBeUndefined();
    const byViewer = await app.dispatcher.run({ text: `proposal ${p.id} --steps`, actor: vic!, surface: 'slack' });
    expect(byViewer.reply.visibility).toBe('ephemeral');
    const text = toPlainText(byViewer.reply);
    expect(text).toContain('Shown only to you: you cannot decide on this proposal.');
    expect(text).not.toContain(dir);
    expect(stepIdsIn(text, 40)).toHaveLength(40);
  });

  it('once it ran, every step carries its status and result; a decided card keeps only the Show all steps button', async () => {
    const running = (await app.services.inventory.collect({})).instances.filter((i) => i.state === 'running').slice(-2);
    const ran = await app.approvals.propose({ plan: planOf(running.map((i, n) => step('stop', i, `s${n + 1}`))), requester: alice! });
    const approved = await app.dispatcher.run({ text: `approve ${ran.id} --wait`, actor: bob!, surface: 'cli' });
    expect(approved.outcome).toBe('ok');
    const steps = JSON.parse((await cli(['proposal', ran.id, '--steps', '--json'])).stdout) as { id: string; status: string | null; detail: string | null }[];
    expect(steps.map((s) => s.status)).toEqual(['succeeded', 'succeeded']);
    expect(steps.every((s) => typeof s.detail === 'string' && s.detail.length > 0)).toBe(true);
    const text = (await cli(['proposal', ran.id, '--steps'])).stdout;
    expect(text).toMatch(/Status\s+Result/);
    expect(text).toMatch(/s1 .* done/);

    const long = await app.approvals.propose({ plan: longPlan(76), requester: alice! });
    const rejected = await app.dispatcher.run({ text: `reject ${long.id} not now`, actor: bob!, surface: 'slack' });
    expect(rejected.outcome).toBe('ok');
    expect(buttonsOf(rejected.reply).map((x) => [x.actionId, x.value])).toEqual([['proposal.steps', long.id]]);
  });

  it('an unknown id is not found, with or without --steps', async () => {
    expect((await cli(['proposal', 'zzzzzz', '--steps'])).exit).toBe(4);
    const r = await app.dispatcher.action({ actionId: 'proposal.steps', value: 'zzzzzz', actor: bob!, surface: 'slack' });
    expect(r.outcome).toBe('not-found');
  });
});
