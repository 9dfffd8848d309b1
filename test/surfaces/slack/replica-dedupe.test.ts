/**
 * Slack retry dedupe shared by replicas (issue 16): two Slack surfaces (two "replicas", each on its own HTTP
 * server) dedupe through the database's delivery claims, so a command Slack retries to the other replica is run
 * and answered once, and so is a click. Runs on PGlite and, with TEST_DATABASE_URL, on PostgreSQL.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createDeliveryDedupe, sharedDeliveryDedupe } from '../../../src/surfaces/slack/index.js';
import { reply, text } from '../../../src/core/reply.js';
import { describeStores } from '../../support/db.js';
import { echoCommand, replicaClaim } from '../../support/surfaces.js';
import { actionBody, createSlackStub, defineAction, sign, slashBody, startHarness, type Harness } from './support.js';

const stub = createSlackStub();
beforeAll(() => stub.listen());
afterEach(() => stub.reset());
afterAll(() => stub.close());

describeStores('Slack retries across replicas', (db) => {
  const runs: string[] = [];
  const clicks: string[] = [];
  const echo = echoCommand((words) => runs.push(words));
  const press = defineAction({
    id: 'demo.press',
    permission: 'read',
    async run(_ctx, value) {
      clicks.push(value);
      return { reply: reply({ blocks: [text(`pressed ${value}`)] }) };
    },
  });
  let a: Harness;
  let b: Harness;
  beforeAll(async () => {
    const replica = (owner: string) => sharedDeliveryDedupe(replicaClaim(db().db, 'slack', owner));
    a = await startHarness([echo], [press], { dedupe: replica('replica-a') });
    b = await startHarness([echo], [press], { dedupe: replica('replica-b') });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('a signed command retried to the other replica runs and answers once', async () => {
    runs.length = 0;
    const body = slashBody('echo hello');
    const first = await a.post(body, sign(body));
    const retry = await b.post(body, { ...sign(body), 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
    const again = await a.post(body, { ...sign(body), 'x-slack-retry-num': '2', 'x-slack-retry-reason': 'http_timeout' });
    expect([first.status, retry.status, again.status]).toEqual([200, 200, 200]);
    await Promise.all([a.slack.idle(), b.slack.idle()]);
    expect(runs).toEqual(['hello']);
    expect(stub.hooks).toHaveLength(1);
  });

  it('the same click delivered to both replicas runs once', async () => {
    clicks.length = 0;
    const body = actionBody({ actionId: 'demo.press', value: 'p-1' });
    await Promise.all([a.post(body, sign(body)), b.post(body, { ...sign(body), 'x-slack-retry-num': '1' })]);
    await Promise.all([a.slack.idle(), b.slack.idle()]);
    expect(clicks).toEqual(['p-1']);
  });

  it('two different commands still both run, one on each replica', async () => {
    runs.length = 0;
    const one = slashBody('echo one');
    const two = slashBody('echo two');
    await Promise.all([a.post(one, sign(one)), b.post(two, sign(two))]);
    await Promise.all([a.slack.idle(), b.slack.idle()]);
    expect(runs.sort()).toEqual(['one', 'two']);
  });
});

it('when the shared claim cannot be asked, the replica still answers once and dedupes its own retries', async () => {
  let failures = 0;
  const dedupe = sharedDeliveryDedupe(
    async () => {
      throw new Error('connection refused');
    },
    { onError: () => failures++, local: createDeliveryDedupe() },
  );
  expect(await dedupe.claim('command:trigger.x')).toBe(true);
  expect(await dedupe.claim('command:trigger.x')).toBe(false);
  expect(failures).toBe(2);
});
