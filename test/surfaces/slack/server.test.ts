/**
 * The composition root with Slack configured: `startServer` with SLACK_* set mounts /slack/events on the one
 * server, checks the bot token with auth.test, and `/cloud inventory` over the demo estate (PGlite) is answered.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pollUntil } from '../../support/poll.js';
import { startSlackServer, type SlackServer } from './helpers.js';
import { createSlackStub, sign, slashBody } from './support.js';

const stub = createSlackStub();
let server: SlackServer;

beforeAll(async () => {
  stub.listen();
  server = await startSlackServer();
});
afterAll(async () => {
  await server?.stop();
  stub.close();
});

it('wires Slack into the server: token checked, /cloud inventory answered from the demo estate', async () => {
  expect(stub.calls('auth.test')).toEqual([expect.objectContaining({ auth: 'Bearer xoxb-main-token' })]);
  const body = slashBody('inventory --limit 5');
  const res = await server.post(body, sign(body));
  expect(res.status).toBe(200);
  const answer = (await pollUntil('the answer to /cloud inventory', () => stub.hooks.at(-1))).body;
  expect(answer).toMatchObject({ response_type: 'ephemeral' });
  expect(JSON.stringify(answer?.blocks)).toContain('Monthly run-rate');
  expect((answer?.blocks as unknown[]).length).toBeLessThanOrEqual(50);
  // The rest of the server is still express: probes answer on the same port.
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  const forged = await server.post(body, sign(body, { secret: 'x'.repeat(32) }));
  expect(forged.status).toBe(401);
});

it('refuses to start when Slack rejects the bot token, naming the variable', async () => {
  stub.apiResponses['auth.test'] = () => ({ ok: false, error: 'invalid_auth' });
  // A folder of its own with the cluster already made (the suite's template): the start is migrations + estate, then
  // auth.test. The suite's default test ceiling (vitest.config.ts) covers a busy machine.
  await expect(startSlackServer({ STEWARD_DEMO_INSTANCES: '5', SLACK_BOT_TOKEN: 'xoxb-revoked' })).rejects.toThrow(/SLACK_BOT_TOKEN was refused by Slack \(invalid_auth\)/);
});
