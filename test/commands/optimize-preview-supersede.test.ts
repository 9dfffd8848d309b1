/**
 * `optimize --preview` shows a plan and proposes nothing; a new optimize proposal for the same scope withdraws the
 * older pending one (its card says so, in place, and an audit row records it), while another scope is left alone.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageRef } from '../../src/core/command.js';
import { toPlainText } from '../../src/core/render-text.js';
import { buttonsOf } from '../../src/core/reply.js';
import type { App } from '../../src/main.js';
import { alice, demoApp } from '../support/app.js';

// The documented example estate (as the optimize tests use): a known plan with steps, no generated history to seed.
const ESTATE = fileURLToPath(new URL('../../docs/examples/optimizer-estate.json', import.meta.url));

let app: App;
const updates: { ref: MessageRef; text: string }[] = [];
beforeAll(async () => {
  app = await demoApp({ STEWARD_DEMO_ESTATE: ESTATE, STEWARD_PLANNING_WORKERS: '0' });
  app.notifiers.register({ surface: 'console', update: async (ref, r) => void updates.push({ ref, text: toPlainText(r) }) });
});
afterAll(() => app?.close());
const run = (text: string) => app.dispatcher.run({ text, actor: alice, surface: 'console' });
const pendingIds = async () => (await app.approvals.pending(200)).filter((p) => p.status === 'proposed').map((p) => p.id);

describe('optimize --preview', () => {
  it('shows the plan and proposes nothing, with or without --json', async () => {
    const before = await pendingIds();
    const shown = await run('optimize --preview');
    expect(shown.outcome).toBe('ok');
    expect(buttonsOf(shown.reply)).toEqual([]);
    const text = toPlainText(shown.reply);
    expect(text).toContain('Preview only: nothing was proposed');
    expect(text).toMatch(/Steps\s+\d+/);
    const json = await run('optimize --preview --json');
    const data = json.data as { preview: boolean; proposal: unknown; plan: { steps: unknown[] } };
    expect(data.preview).toBe(true);
    expect(data.proposal).toBeNull();
    expect(data.plan.steps.length).toBeGreaterThan(0);
    expect(await pendingIds()).toEqual(before);
  });
});

describe('a new optimize proposal supersedes the older pending one for the same scope', () => {
  it('withdraws the older one with a note on its card and an audit row, and leaves other scopes alone', async () => {
    const first = await run('optimize');
    const firstId = (first.data as { proposal: { id: string } }).proposal.id;
    // The surface posted the first card somewhere it can update it.
    const card: MessageRef = { surface: 'console', address: { messageId: 'card-1' } };
    await app.dispatcher.posted?.(first, card);
    // Azure only: batch-dev-1 (azure eastus) is idle, so this scope has a plan of its own.
    const other = await run('optimize --provider azure');
    const otherId = (other.data as { proposal: { id: string } }).proposal.id;
    expect(otherId).not.toBe(firstId);

    updates.length = 0;
    const second = await run('optimize --json');
    const secondData = second.data as { proposal: { id: string }; supersedes: string[] };
    expect(secondData.supersedes).toEqual([firstId]);
    expect(toPlainText(second.reply)).toContain(`Supersedes \`${firstId}\``);

    const old = await app.approvals.get(firstId);
    expect(old?.proposal.status).toBe('cancelled');
    expect(old?.proposal.outcome).toContain(`superseded by proposal ${secondData.proposal.id}`);
    expect(old?.audit.find((a) => a.action === 'proposal.status' && a.to === 'cancelled')).toMatchObject({ detail: `superseded by ${secondData.proposal.id}`, actor: { id: alice.id } });
    // Its card, where it was posted, now says it was withdrawn and has no buttons left.
    const onCard = updates.filter((u) => u.ref.address.messageId === 'card-1').at(-1);
    expect(onCard?.text).toContain('superseded by proposal');
    expect(onCard?.text).not.toContain(`approve ${firstId}`);
    // Another scope (azure only) is a different plan: still pending.
    expect((await app.approvals.get(otherId))?.proposal.status).toBe('proposed');
    // Approving the withdrawn one changes nothing and says why.
    const late = await app.dispatcher.run({ text: `approve ${firstId}`, actor: { id: 'console:bob', displayName: 'bob', surface: 'console' }, surface: 'console' });
    expect(late.outcome).not.toBe('ok');
    expect(toPlainText(late.reply)).toMatch(/withdrawn|superseded|cancelled/);
    expect((await pendingIds()).filter((id) => id === firstId)).toEqual([]);
  });
});

describe('proposal <id> and typed decisions', () => {
  const bob = { id: 'console:bob', displayName: 'bob', surface: 'console' as const };
  // Under the embedded defaults a Slack user is a viewer: may read, may not decide.
  const eve = { id: 'slack:U0EVE', displayName: 'eve', surface: 'slack' as const };
  let id: string;
  beforeAll(async () => {
    id = ((await run('optimize')).data as { proposal: { id: string } }).proposal.id;
  });

  it('proposal <id> answers privately, without buttons, to someone who may not act on it; to the channel for someone who may', async () => {
    const private_ = await app.dispatcher.run({ text: `proposal ${id}`, actor: eve, surface: 'slack' });
    expect(private_.outcome).toBe('ok');
    expect(private_.reply.visibility).toBe('ephemeral');
    expect(buttonsOf(private_.reply)).toEqual([]);
    expect(toPlainText(private_.reply)).toContain('Shown only to you');
    const shared = await app.dispatcher.run({ text: `proposal ${id}`, actor: bob, surface: 'console' });
    expect(shared.reply.visibility).toBe('channel');
    expect(buttonsOf(shared.reply).map((b) => b.actionId)).toEqual(['proposal.approve', 'proposal.reject']);
  });

  it('a typed reject updates the posted card in place (status, buttons gone) and answers the one who typed it', async () => {
    const card: MessageRef = { surface: 'console', address: { messageId: 'card-typed' } };
    await app.dispatcher.posted?.((await run(`proposal ${id}`)), card);
    updates.length = 0;
    const typed = await app.dispatcher.run({ text: `reject ${id} not during the freeze`, actor: bob, surface: 'console' });
    expect(typed.outcome).toBe('ok');
    const onCard = updates.filter((u) => u.ref.address.messageId === 'card-typed').at(-1);
    expect(onCard?.text).toContain('rejected');
    expect(onCard?.text).toContain('not during the freeze');
    expect(onCard?.text).not.toContain(`approve ${id}`);
    expect(typed.reply.visibility).toBe('ephemeral');
    expect(toPlainText(typed.reply)).toContain('updated in place');
  });
});
