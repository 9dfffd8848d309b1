/**
 * Identity and policy together, through the real server: signed requests exactly as Slack sends them, into the
 * Bolt receiver on /slack/events, with Slack's Web API (usergroups.list, chat.*) served by msw. What the Slack
 * identity yields (team-qualified ids, qualified group subjects) must be what the approvals policy matches; and
 * the receiver refuses requests stamped too far from our clock, either way, and requests for another installation.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pollUntil } from '../../support/poll.js';
import { startSlackServer, type SlackServer } from './helpers.js';
import { actionBody, createSlackStub, sign, sleep, slashBody } from './support.js';

const POLICY = `
version: 1
defaultRole: viewer
roles:
  operator: [slack:S0DEVGRP]
  approver: [slack:S0SREGRP, slack:U0LEGACY]
`;

const stub = createSlackStub();
const policyDir = mkdtempSync(join(tmpdir(), 'steward-slack-policy-'));
let server: SlackServer;

function groups() {
  stub.apiResponses['usergroups.list'] = () => ({
    ok: true,
    usergroups: [
      { id: 'S0SREGRP', handle: 'sre', users: ['U0SAM'] },
      { id: 'S0DEVGRP', handle: 'developers', users: ['U0DANA', 'U0EVE'] },
    ],
  });
}

beforeAll(async () => {
  stub.listen();
  groups();
  writeFileSync(join(policyDir, 'policy.yaml'), POLICY);
  server = await startSlackServer({
    STEWARD_DEMO_SEED: '42',
    STEWARD_POLICY_FILE: join(policyDir, 'policy.yaml'),
    SLACK_TEAM_ID: 'T1',
    SLACK_APP_ID: 'A1',
    SLACK_USER_GROUPS: 'true',
  });
});
afterAll(async () => {
  await server?.stop();
  stub.close();
  rmSync(policyDir, { recursive: true, force: true });
});
beforeEach(() => {
  stub.reset();
  groups();
});

const post = (body: string, headers: Record<string, string>) => server.post(body, headers);

async function runningInstanceName(): Promise<string> {
  const viewer = { id: 'console:reader', displayName: 'reader', surface: 'console' as const };
  const inv = (await server.app.dispatcher.run({ text: 'inventory --state running --limit 500 --json', actor: viewer, surface: 'console' })).data as { instances: { name: string }[] };
  const counts = new Map<string, number>();
  for (const i of inv.instances) counts.set(i.name, (counts.get(i.name) ?? 0) + 1);
  const used = new Set((await server.app.approvals.pending()).flatMap((p) => p.plan.steps.map((s) => s.targetName)));
  const name = inv.instances.find((i) => counts.get(i.name) === 1 && !used.has(i.name))?.name;
  if (!name) throw new Error('no unique running instance left');
  return name;
}

/** `/cloud stop <name>` typed by `user`; resolves with the new proposal's id. */
async function proposeStop(user: string): Promise<string> {
  const before = new Set((await server.app.approvals.pending()).map((p) => p.id));
  const name = await runningInstanceName();
  const body = slashBody(`stop ${name}`, { user_id: user, user_name: user.toLowerCase() });
  expect((await post(body, sign(body))).status).toBe(200);
  // The command runs detached after the ack: poll for the proposal row.
  const fresh = await pollUntil(`a proposal to stop ${name}`, async () => (await server.app.approvals.pending()).find((p) => !before.has(p.id) && p.plan.steps[0]?.targetName === name));
  return fresh.id;
}

/** The proposal once it has left `proposed` (the click runs detached after its ack). */
function decidedProposal(id: string) {
  return pollUntil(`proposal ${id} to be decided`, async () => {
    const p = (await server.app.approvals.get(id))!.proposal;
    return p.status !== 'proposed' ? p : undefined;
  });
}

async function click(user: string, actionId: string, value: string): Promise<void> {
  const body = actionBody({ actionId, value, user });
  expect((await post(body, sign(body))).status).toBe(200);
  await server.app.approvals.idle();
}

describe('Slack identity and the approvals policy, together', () => {
  it('a member of an approver user group approves by clicking, as Slack sends it; a developer-group member proposes', async () => {
    const id = await proposeStop('U0DANA');
    const proposal = (await server.app.approvals.get(id))!.proposal;
    // The team is part of the actor id.
    expect(proposal.requester.id).toBe('slack:T1:U0DANA');

    await click('U0SAM', 'proposal.approve', id);
    const decided = await decidedProposal(id);
    expect(decided.decisions.map((d) => [d.by.id, d.decision, d.role])).toEqual([['slack:T1:U0SAM', 'approve', 'approver']]);
    expect(['approved', 'executing', 'succeeded']).toContain(decided.status);
  });

  it('refuses a group member without the role, naming the group that holds it (not slack:slack:…)', async () => {
    const id = await proposeStop('U0DANA');
    await click('U0EVE', 'proposal.approve', id);
    const refusal = await pollUntil('the refusal', () => stub.hooks.find((h) => /needs 1 approval from an approver/.test(JSON.stringify(h.body))));
    const text = JSON.stringify(refusal.body);
    expect(text).toMatch(/slack:T1:U0EVE is an operator/);
    expect(text).toMatch(/Slack user group S0SREGRP/);
    expect(text).not.toMatch(/slack:slack:/);
    expect((await server.app.approvals.get(id))!.proposal.status).toBe('proposed');
  });

  it('keeps policy entries without the team (slack:U…) working for team-qualified actors', async () => {
    const id = await proposeStop('U0DANA');
    await click('U0LEGACY', 'proposal.approve', id);
    const p = await decidedProposal(id);
    expect(p.decisions.map((d) => d.by.id)).toEqual(['slack:T1:U0LEGACY']);
    expect(p.status).not.toBe('proposed');
  });
});

describe('Slack request checks', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const ranInventory = () => stub.hooks.some((h) => /Monthly run-rate/.test(JSON.stringify(h.body)));

  it('refuses a signed request stamped more than 5 minutes in the future, and one more than 5 minutes old', async () => {
    const ahead = slashBody('inventory --limit 3');
    expect((await post(ahead, sign(ahead, { ts: now() + 330 }))).status).toBe(401);
    const stale = slashBody('inventory --limit 3');
    expect((await post(stale, sign(stale, { ts: now() - 330 }))).status).toBe(401);
    const clickAhead = actionBody({ actionId: 'proposal.approve', value: 'zzzzzz', user: 'U0SAM' });
    expect((await post(clickAhead, sign(clickAhead, { ts: now() + 3600 }))).status).toBe(401);
    await sleep(300);
    expect(ranInventory()).toBe(false);
    // Within the window either way: accepted.
    const near = slashBody('inventory --limit 3');
    expect((await post(near, sign(near, { ts: now() + 240 }))).status).toBe(200);
    await pollUntil('the inventory answer', () => ranInventory() || undefined);
  });

  it('refuses signed requests from another workspace or another app (SLACK_TEAM_ID / SLACK_APP_ID)', async () => {
    const otherTeam = slashBody('inventory --limit 3', { team_id: 'T2' });
    expect((await post(otherTeam, sign(otherTeam))).status).toBe(403);
    const otherApp = slashBody('inventory --limit 3', { api_app_id: 'A2' });
    expect((await post(otherApp, sign(otherApp))).status).toBe(403);
    const payload = JSON.parse(new URLSearchParams(actionBody({ actionId: 'proposal.approve', value: 'zzzzzz', user: 'U0SAM' })).get('payload')!) as Record<string, unknown>;
    const clickOtherTeam = new URLSearchParams({ payload: JSON.stringify({ ...payload, team: { id: 'T9', domain: 'evil' }, user: { id: 'U0SAM', name: 'sam', team_id: 'T9' } }) }).toString();
    expect((await post(clickOtherTeam, sign(clickOtherTeam))).status).toBe(403);
    await sleep(300);
    expect(ranInventory()).toBe(false);
    expect(stub.hooks).toEqual([]);
    const ours = slashBody('inventory --limit 3');
    expect((await post(ours, sign(ours))).status).toBe(200);
    await pollUntil('the inventory answer', () => ranInventory() || undefined);
  });
});
