/**
 * "Show all steps" (issue 9, item 8) through the real server: a 76-step proposal's card, typed in Slack as a signed
 * slash command, lists 30 steps and carries the button; clicking it (a signed block_actions request into the Bolt
 * receiver) delivers every step to the clicker only, as ephemeral response_url messages that are each valid Block
 * Kit, never replacing the card. Slack's Web API and response_url are msw.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/lib/logger.js';
import { startServer } from '../../../src/main.js';
import { blocksTextLength, SLACK_LIMITS } from '../../../src/surfaces/slack/render.js';
import { longPlan, stepIdsIn } from '../../support/long-plan.js';
import { pollUntil } from '../../support/poll.js';
import { clusterDataDir } from '../../support/spawn.js';
import { actionBody, createSlackStub, sign, slashBody, type HookCall } from './support.js';

const POLICY = `
version: 1
defaultRole: viewer
roles:
  operator: [slack:U0DANA]
  approver: [slack:U0SAM]
`;

const stub = createSlackStub();
const dataDir = clusterDataDir('steward-slack-steps-');
const policyDir = mkdtempSync(join(tmpdir(), 'steward-slack-steps-policy-'));
let server: Awaited<ReturnType<typeof startServer>>;

beforeAll(async () => {
  stub.listen();
  writeFileSync(join(policyDir, 'policy.yaml'), POLICY);
  const config = loadConfig({
    STEWARD_DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    STEWARD_CONSOLE: 'off',
    STEWARD_DEMO_INSTANCES: '20',
    STEWARD_POLICY_FILE: join(policyDir, 'policy.yaml'),
    SLACK_BOT_TOKEN: 'xoxb-main-token',
    SLACK_SIGNING_SECRET: '8f742231b10e8888abcd99yyyzzz85a5',
    SLACK_TEAM_ID: 'T1',
    SLACK_APP_ID: 'A1',
  });
  server = await startServer(config, { log: silentLogger() });
});
afterAll(async () => {
  await server?.stop();
  stub.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(policyDir, { recursive: true, force: true });
});

const post = (body: string) => fetch(`${server.url}/slack/events`, { method: 'POST', headers: sign(body), body });

type SlackBlock = { type: string; text?: { text: string }; elements?: { type: string; action_id?: string; value?: string; text?: { text: string } }[] };
const blocksOf = (b: Record<string, unknown>) => (b.blocks ?? []) as SlackBlock[];
/** Every text the blocks hold, one per line (what a reader sees, still as mrkdwn). */
function allText(blocks: unknown): string {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) (k === 'text' && typeof x === 'string' ? out.push(x) : walk(x));
  };
  walk(blocks);
  return out.join('\n');
}

describe('Slack: Show all steps', () => {
  it('a 76-step card carries the button; the click brings every step to the clicker only, each message valid Block Kit', async () => {
    const requester = { id: 'slack:T1:U0DANA', displayName: 'dana', surface: 'slack' as const };
    const p = await server.app.approvals.propose({ plan: longPlan(76), requester });

    // The card, typed by an approver, is posted to the channel: 30 steps listed, the button under it.
    const typed = slashBody(`proposal ${p.id}`, { user_id: 'U0SAM', user_name: 'sam' });
    expect((await post(typed)).status).toBe(200);
    const card = await pollUntil('the card posted', () => stub.calls('chat.postMessage').find((c) => allText(blocksOf(c.body)).includes(p.id)));
    const cardBlocks = blocksOf(card.body);
    const buttons = cardBlocks.flatMap((b) => (b.type === 'actions' ? (b.elements ?? []) : []));
    expect(buttons.map((b) => b.action_id)).toEqual(['proposal.approve', 'proposal.reject', 'proposal.steps']);
    expect(buttons.find((b) => b.action_id === 'proposal.steps')).toMatchObject({ value: p.id, text: { text: 'Show all steps' } });
    expect(stepIdsIn(allText(cardBlocks))).toHaveLength(30);
    expect(allText(cardBlocks)).toContain('Showing 30 of 76 steps');

    // The click: every step, to the clicker only, through the click's response_url.
    stub.reset();
    const click = actionBody({ actionId: 'proposal.steps', value: p.id, user: 'U0SAM', ts: String(card.body.ts ?? '1714.000001') });
    expect((await post(click)).status).toBe(200);
    const responseUrl = (JSON.parse(new URLSearchParams(click).get('payload') as string) as { response_url: string }).response_url;
    const answers = await pollUntil('every step delivered', () => {
      const hooks = stub.hooks.filter((h) => h.url === responseUrl && Array.isArray(h.body.blocks));
      return stepIdsIn(hooks.map((h) => allText(blocksOf(h.body))).join('\n')).length === 76 ? hooks : undefined;
    });
    await server.app.approvals.idle();

    const every = answers.map((h: HookCall) => allText(blocksOf(h.body))).join('\n');
    expect(stepIdsIn(every)).toHaveLength(76);
    // Each message within Slack's limits, each shown to the clicker alone.
    for (const a of answers) {
      expect(a.body.response_type).toBe('ephemeral');
      expect(a.body.replace_original).toBe(false);
      const blocks = blocksOf(a.body);
      expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
      for (const b of blocks) if (b.type === 'section') expect(b.text?.text.length ?? 0).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      expect(blocksTextLength(blocks as never)).toBeLessThanOrEqual(SLACK_LIMITS.messageText);
      expect(allText(blocks)).not.toMatch(/Showing \d+ of \d+ rows/);
    }
    // The plan's figures come first.
    expect(allText(blocksOf(answers[0]!.body))).toContain('Monthly before');
    // The card stays as it was, with its buttons: nothing replaced it and nothing was posted for everyone.
    expect(stub.calls('chat.update')).toHaveLength(0);
    expect(stub.calls('chat.postMessage')).toHaveLength(0);
    expect(stub.hooks.some((h) => h.body.replace_original === true || h.body.delete_original === true || h.body.response_type === 'in_channel')).toBe(false);
    // Hostile names stay text: no mention, no markup.
    expect(every).not.toContain('<!channel>');
    expect(every).not.toContain('<script>');
    expect(every).not.toContain('<https://evil');
    expect(every).toContain('&lt;!channel&gt;-web');
    expect(every).toContain('cache &amp; co');
    expect(every).toContain('*bold*-db');
  });

  it('a list longer than response_url\'s 5 uses still arrives whole: the rest as chat.postEphemeral to the clicker', async () => {
    const requester = { id: 'slack:T1:U0DANA', displayName: 'dana', surface: 'slack' as const };
    const p = await server.app.approvals.propose({ plan: longPlan(700), requester });
    stub.reset();
    const click = actionBody({ actionId: 'proposal.steps', value: p.id, user: 'U0SAM' });
    expect((await post(click)).status).toBe(200);
    const responseUrl = (JSON.parse(new URLSearchParams(click).get('payload') as string) as { response_url: string }).response_url;
    const messages = () => [
      ...stub.hooks.filter((h) => h.url === responseUrl && Array.isArray(h.body.blocks)).map((h) => h.body),
      ...stub.calls('chat.postEphemeral').map((c) => c.body),
    ];
    const all = await pollUntil('700 steps delivered', () => (stepIdsIn(messages().map((m) => allText(m.blocks)).join('\n'), 700).length === 700 ? messages() : undefined));
    await server.app.approvals.idle();
    expect(stub.hooks.filter((h) => h.url === responseUrl).length).toBeLessThanOrEqual(5);
    const ephemerals = stub.calls('chat.postEphemeral');
    expect(ephemerals.length).toBeGreaterThan(0);
    for (const e of ephemerals) expect(e.body).toMatchObject({ channel: 'C1', user: 'U0SAM' });
    for (const m of all) {
      const blocks = blocksOf(m);
      expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
      expect(blocksTextLength(blocks as never)).toBeLessThanOrEqual(SLACK_LIMITS.messageText);
      expect(allText(blocks)).not.toMatch(/Showing \d+ of \d+ rows/);
    }
    // In order, labelled: the first part has the figures, each says which part it is.
    expect(allText(blocksOf(all[0]!))).toContain('Monthly before');
    expect(allText(blocksOf(all[0]!))).toMatch(new RegExp(`part 1 of ${all.length}`));
    expect(stub.calls('chat.postMessage')).toHaveLength(0);
    expect(stub.calls('chat.update')).toHaveLength(0);
  });

  it('typed by someone who may act, `proposal <id> --steps` posts the whole list to the channel, in messages that each fit', async () => {
    const requester = { id: 'slack:T1:U0DANA', displayName: 'dana', surface: 'slack' as const };
    const p = await server.app.approvals.propose({ plan: longPlan(300), requester });
    stub.reset();
    const typed = slashBody(`proposal ${p.id} --steps`, { user_id: 'U0SAM', user_name: 'sam' });
    expect((await post(typed)).status).toBe(200);
    const posts = await pollUntil('300 steps posted', () => {
      const calls = stub.calls('chat.postMessage');
      return stepIdsIn(calls.map((c) => allText(blocksOf(c.body))).join('\n'), 300).length === 300 ? calls : undefined;
    });
    expect(posts.length).toBeGreaterThan(1);
    for (const c of posts) {
      expect(c.body.channel).toBe('C1');
      const blocks = blocksOf(c.body);
      expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
      expect(blocksTextLength(blocks as never)).toBeLessThanOrEqual(SLACK_LIMITS.messageText);
      expect(allText(blocks)).not.toMatch(/Showing \d+ of \d+ rows/);
    }
    expect(posts.map((c) => /part (\d+) of/.exec(allText(blocksOf(c.body)))?.[1])).toEqual(posts.map((_, i) => String(i + 1)));
  });
});
