/**
 * In the console, over HTTP: alice proposes, bob approves on the card, the card is replaced in place with the
 * click's answer and then with the execution's progress, ending on the result (never overwritten by the click's
 * "executing now" reply, which is answered first).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/lib/logger.js';
import { bootstrap, type App } from '../../src/main.js';
import { createHttpServer, type HttpServer } from '../../src/server/http.js';
import { createConsoleSurface } from '../../src/surfaces/console/router.js';

let app: App;
let http: HttpServer;
let base: string;

beforeAll(async () => {
  app = await bootstrap(loadConfig({ STEWARD_DATA_DIR: 'memory://', LOG_LEVEL: 'silent', STEWARD_DEMO_INSTANCES: '30' }), { log: silentLogger() });
  http = createHttpServer({ log: silentLogger(), ready: () => app.database.ping() });
  const surface = createConsoleSurface({ dispatcher: app.dispatcher, log: silentLogger() });
  app.notifiers.register(surface.notifier);
  http.app.use(surface.router);
  base = (await http.listen(0, '127.0.0.1')).url;
});
afterAll(async () => {
  await http?.close();
  await app?.close();
});

const post = async (path: string, body: unknown) =>
  (await (await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()) as Record<string, unknown>;

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
  await app.approvals.idle();

  const updates = (await (await fetch(`${base}/api/updates?since=0`)).json()) as { messages: { id: string; html: string }[] };
  const finalCard = updates.messages.find((m) => m.id === card.id)?.html ?? '';
  expect(finalCard).toMatch(/All 1 step applied/);
  expect(finalCard).not.toContain('data-action-id="proposal.approve"');

  const again = await post('/api/action', { actionId: 'proposal.approve', value: proposalId, user: 'carol', messageId: card.id });
  expect(again.outcome).toBe('unchanged');
  expect(again.text).toMatch(/already approved \(by bob\) and carried out; nothing was changed/);
  const inv2 = (await post('/api/command', { text: 'inventory --json --refresh', user: 'carol' })).data as { instances: { id: string; state: string }[] };
  expect(inv2.instances.find((i) => i.id === target)?.state).toBe('stopped');
});
