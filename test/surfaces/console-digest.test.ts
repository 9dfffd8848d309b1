/**
 * Digests in the console, over HTTP: `digest preview cost` shows the content with the chart inline; a subscription
 * typed in the console is posted there by the scheduler (pushed onto the board, which the page polls).
 */
import { expect, it } from 'vitest';
import { silentLogger } from '../../src/lib/logger.js';
import { createDigestScheduler } from '../../src/scheduler/digest-scheduler.js';
import { useConsoleServer } from '../support/console.js';

const steward = useConsoleServer();

const post = async (path: string, body: unknown) => (await steward.post(path, body)).body;

it('digest preview cost shows the forecast, anomalies and the chart inline; security shows the checks', async () => {
  const cost = await post('/api/command', { text: 'digest preview cost', user: 'alice' });
  expect(cost.outcome).toBe('ok');
  const html = String(cost.html);
  expect(html).toMatch(/<img src="data:image\/png;base64,[A-Za-z0-9+/]{1000,}={0,2}" width="540" height="220" alt="Daily cost over the last 30 days/);
  expect(html).toContain('Month-end forecast');
  expect(html).toContain('Cost anomalies');
  expect(html).toContain('data-action-id="digest.optimize"');
  const security = await post('/api/command', { text: 'digest preview security', user: 'alice' });
  expect(String(security.html)).toContain('ec2_instance_imdsv2_enabled');
});

it('a digest subscribed in the console is posted to the console board by the scheduler', async () => {
  const sub = await post('/api/command', { text: 'digest subscribe security daily 00:00 UTC', user: 'alice' });
  expect(sub.outcome).toBe('ok');
  const before = (await (await fetch(`${steward.base}/api/updates?since=0`)).json()) as { seq: number };
  const digests = steward.app.services.digests!;
  // Due since midnight, subscribed after it: tomorrow's run is the first; run the sweep as if it were tomorrow.
  const tomorrow = new Date(Date.now() + 86_400_000);
  const scheduler = createDigestScheduler({ dispatcher: steward.app.dispatcher, post: (t, r) => steward.app.notifiers.post(t, r), subscriptions: () => digests.store.subscriptions(), claims: digests.runs, now: () => tomorrow, log: silentLogger(), owner: 'test', cron: false });
  const outcomes = await scheduler.sweep();
  expect(outcomes.map((o) => o.outcome)).toEqual(['posted']);
  const updates = (await (await fetch(`${steward.base}/api/updates?since=${before.seq}`)).json()) as { messages: { html: string; pushed?: boolean }[] };
  const pushed = updates.messages.filter((m) => m.pushed);
  expect(pushed).toHaveLength(1);
  expect(pushed[0]?.html).toContain('Security digest');
  await scheduler.stop();
});
