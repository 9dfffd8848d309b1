/**
 * In the console, over HTTP: alice proposes, bob approves on the card, the card is replaced in place with the
 * click's answer and then with the execution's progress, ending on the result (never overwritten by the click's
 * "executing now" reply, which is answered first).
 */
import { expect, it } from 'vitest';
import { useConsoleServer } from '../support/console.js';

const steward = useConsoleServer({ STEWARD_DEMO_INSTANCES: '30' });

const post = async (path: string, body: unknown) => (await steward.post(path, body)).body;

it('propose as alice, approve as bob on the card: progress replaces the card and ends on the result', async () => {
  const inv = (await post('/api/command', { text: 'inventory --state running --json', user: 'alice' })).data as { instances: { id: string }[] };
  const target = inv.instances[0]!.id;
  const card = await post('/api/command', { text: `stop ${target}`, user: 'alice' });
  expect(card.outcome).toBe('ok');
  const proposalId = (card.data as { id: string }).id;
  expect(card.html).toContain('data-action-id="proposal.approve"');

  const self = await post('/api/action', { actionId: 'proposal.approve', value: proposalId, user: 'alice', messageId: card.id });
  expect(self.outcome).toBe('forbidden');
  expect(self.replace).toBeUndefined();

  const clicked = await post('/api/action', { actionId: 'proposal.approve', value: proposalId, user: 'bob', messageId: card.id });
  expect(clicked).toMatchObject({ outcome: 'ok', replace: true, id: card.id });
  expect(clicked.text).toMatch(/Approved by bob; executing now/);
  await steward.app.approvals.idle();

  const updates = (await (await fetch(`${steward.base}/api/updates?since=0`)).json()) as { messages: { id: string; html: string }[] };
  const finalCard = updates.messages.find((m) => m.id === card.id)?.html ?? '';
  expect(finalCard).toMatch(/All 1 step applied/);
  expect(finalCard).not.toContain('data-action-id="proposal.approve"');

  const again = await post('/api/action', { actionId: 'proposal.approve', value: proposalId, user: 'carol', messageId: card.id });
  expect(again.outcome).toBe('unchanged');
  expect(again.text).toMatch(/already approved \(by bob\) and carried out; nothing was changed/);
  const inv2 = (await post('/api/command', { text: 'inventory --json --refresh', user: 'carol' })).data as { instances: { id: string; state: string }[] };
  expect(inv2.instances.find((i) => i.id === target)?.state).toBe('stopped');
});
