/**
 * The composition root with Slack configured: `startServer` with SLACK_* set mounts /slack/events on the one
 * server, checks the bot token with auth.test, and `/cloud inventory` over the demo estate (PGlite) is answered.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/lib/logger.js';
import { startServer } from '../../../src/main.js';
import { clusterDataDir } from '../../support/spawn.js';
import { createSlackStub, SECRET, sign, sleep, slashBody } from './support.js';

const stub = createSlackStub();
const dataDir = clusterDataDir('steward-slack-');
let server: Awaited<ReturnType<typeof startServer>>;

beforeAll(async () => {
  stub.listen();
  const config = loadConfig({
    STEWARD_DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    STEWARD_CONSOLE: 'off',
    STEWARD_DEMO_INSTANCES: '40',
    SLACK_BOT_TOKEN: 'xoxb-main-token',
    SLACK_SIGNING_SECRET: SECRET,
  });
  server = await startServer(config, { log: silentLogger() });
});
afterAll(async () => {
  await server?.stop();
  stub.close();
  rmSync(dataDir, { recursive: true, force: true });
});

it('wires Slack into the server: token checked, /cloud inventory answered from the demo estate', async () => {
  expect(stub.calls('auth.test')).toEqual([expect.objectContaining({ auth: 'Bearer xoxb-main-token' })]);
  const body = slashBody('inventory --limit 5');
  const res = await fetch(`${server.url}/slack/events`, { method: 'POST', headers: sign(body), body });
  expect(res.status).toBe(200);
  for (let i = 0; i < 200 && stub.hooks.length === 0; i++) await sleep(50);
  const answer = stub.hooks.at(-1)?.body;
  expect(answer).toMatchObject({ response_type: 'ephemeral' });
  expect(JSON.stringify(answer?.blocks)).toContain('Monthly run-rate');
  expect((answer?.blocks as unknown[]).length).toBeLessThanOrEqual(50);
  // The rest of the server is still express: probes answer on the same port.
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  const forged = await fetch(`${server.url}/slack/events`, { method: 'POST', headers: sign(body, { secret: 'x'.repeat(32) }), body });
  expect(forged.status).toBe(401);
});

it('refuses to start when Slack rejects the bot token, naming the variable', async () => {
  stub.apiResponses['auth.test'] = () => ({ ok: false, error: 'invalid_auth' });
  // A folder of its own with the cluster already made (the suite's template): the start is migrations + estate, then
  // auth.test. The suite's default test ceiling (vitest.config.ts) covers a busy machine.
  const dir = clusterDataDir('steward-slack-bad-');
  const config = loadConfig({ STEWARD_DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', STEWARD_CONSOLE: 'off', STEWARD_DEMO_INSTANCES: '5', SLACK_BOT_TOKEN: 'xoxb-revoked', SLACK_SIGNING_SECRET: SECRET });
  await expect(startServer(config, { log: silentLogger() })).rejects.toThrow(/SLACK_BOT_TOKEN was refused by Slack \(invalid_auth\)/);
});
