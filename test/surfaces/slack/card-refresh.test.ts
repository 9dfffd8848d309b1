/**
 * Every decision updates its card, wherever it was made (issue 9): `approve <id>` in a process without Slack (a
 * standalone CLI on the same data folder, or a replica without SLACK_*) cannot reach the card in Slack, so it
 * records it; the next server with Slack updates it on its sweep, with chat.update on the card's ts, showing the
 * proposal as it is now (decided and executed, no buttons).
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { toPlainText } from '../../../src/core/render-text.js';
import { loadConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/lib/logger.js';
import { bootstrap, startServer } from '../../../src/main.js';
import { createCardRefreshStore } from '../../../src/persistence/card-refresh-store.js';
import { pollUntil } from '../../support/poll.js';
import { clusterDataDir } from '../../support/spawn.js';
import { createSlackStub, SECRET } from './support.js';

const stub = createSlackStub();
const dataDir = clusterDataDir('steward-cards-');
let server: Awaited<ReturnType<typeof startServer>> | undefined;

beforeAll(() => stub.listen());
afterAll(async () => {
  await server?.stop();
  stub.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const CARD = { channel: 'C1', ts: '1714.000777' };

it('an approval typed where Slack is not running updates the Slack card once a server with Slack sweeps', async () => {
  // The standalone process: the whole command layer on the data folder, no Slack configured.
  const standalone = await bootstrap(loadConfig({ STEWARD_DATA_DIR: dataDir, LOG_LEVEL: 'silent', STEWARD_DEMO_INSTANCES: '40', STEWARD_CONSOLE: 'off' }), { log: silentLogger() });
  let id: string;
  try {
    const alice = { id: 'console:alice', displayName: 'alice', surface: 'console' as const };
    const inv = (await standalone.dispatcher.run({ text: 'inventory --state running --limit 500 --json', actor: alice, surface: 'console' })).data as { instances: { name: string }[] };
    const names = inv.instances.map((i) => i.name);
    const target = names.find((n) => names.indexOf(n) === names.lastIndexOf(n));
    const proposed = await standalone.dispatcher.run({ text: `stop ${target}`, actor: alice, surface: 'console' });
    expect(proposed.outcome).toBe('ok');
    id = (proposed.data as { id: string }).id;
    // Its card was posted in Slack earlier (by a server with Slack): the proposal remembers the message.
    await standalone.approvals.addMessage(id, { surface: 'slack', address: CARD });

    const approved = await standalone.dispatcher.run({ text: `approve ${id} --wait`, actor: { id: 'cli:bob', displayName: 'bob', surface: 'cli' }, surface: 'cli' });
    expect(approved.outcome).toBe('ok');
    expect(toPlainText(approved.reply)).toMatch(/done/);
    const queued = await createCardRefreshStore(standalone.database.db).pending(id);
    expect(queued.map((r) => r.ref)).toEqual([{ surface: 'slack', address: CARD }]);
  } finally {
    await standalone.close();
  }
  // Nothing reached Slack from that process.
  expect(stub.calls('chat.update')).toEqual([]);

  server = await startServer(
    loadConfig({ STEWARD_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', STEWARD_CONSOLE: 'off', STEWARD_DEMO_INSTANCES: '40', SLACK_BOT_TOKEN: 'xoxb-main-token', SLACK_SIGNING_SECRET: SECRET }),
    { log: silentLogger() },
  );
  const update = await pollUntil('chat.update of the card by the server sweep', () => stub.calls('chat.update').find((c) => c.body.ts === CARD.ts));
  expect(update.auth).toBe('Bearer xoxb-main-token');
  expect(update.body.channel).toBe(CARD.channel);
  const blocks = update.body.blocks as { type: string }[];
  expect(blocks.some((b) => b.type === 'actions')).toBe(false);
  const shown = JSON.stringify(blocks);
  expect(shown).toContain('✅ done');
  expect(shown).toContain('*bob* (admin, cli) approved');
  expect(shown).not.toContain('waiting for approval');
  const app = server.app;
  await pollUntil('the queue drained', async () => ((await createCardRefreshStore(app.database.db).pending(id)).length === 0 ? true : undefined));
  expect(stub.calls('chat.update').filter((c) => c.body.ts === CARD.ts)).toHaveLength(1);
});
