/**
 * "Show all steps" in Teams (issue 9, item 8): the real command layer on the demo estate, the Teams surface on the
 * shared server, activities posted over HTTP with signed tokens, the connector stubbed by msw. A 76-step card
 * carries the button; the click answers the clicker with a toast and brings every step as cards of under 24 KB
 * each (valid for the adaptivecards parser), never updating the clicked card.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/lib/logger.js';
import { bootstrap, type App } from '../../../src/main.js';
import type { TeamsSurface } from '../../../src/surfaces/teams/index.js';
import { TEAMS_LIMITS } from '../../../src/surfaces/teams/render.js';
import { longPlan, stepIdsIn } from '../../support/long-plan.js';
import { cardAction, cardOf, channelMessage, createBotFramework, mountTeamsOnApp, postActivity } from './support.js';

const AC = createRequire(import.meta.url)('adaptivecards/dist/adaptivecards.js') as typeof import('adaptivecards');
function cardProblems(card: unknown): string[] {
  const ac = new AC.AdaptiveCard();
  const ctx = new AC.SerializationContext();
  ac.parse(card as never, ctx);
  const out: string[] = [];
  for (let i = 0; i < ctx.eventCount; i++) out.push(`parse: ${ctx.getEventAt(i).message}`);
  for (const e of ac.validateProperties().validationEvents) out.push(`validate: ${e.message}`);
  return out;
}

const DANA = '11111111-1111-4111-8111-111111111111';
const SAM = '22222222-2222-4222-8222-222222222222';
const POLICY = `
version: 1
defaultRole: viewer
roles:
  approver: [teams:${SAM}]
  operator: [teams:${DANA}]
`;

/** Every TextBlock text of a card, one a line: what a reader sees. */
function textsOf(v: unknown): string {
  const out: string[] = [];
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') {
      const o = x as Record<string, unknown>;
      if (o.type === 'TextBlock' && typeof o.text === 'string') out.push(o.text);
      Object.values(o).forEach(walk);
    }
  };
  walk(v);
  return out.join('\n');
}

const bf = await createBotFramework();
let app: App;
let teams: TeamsSurface;
let closeTeams: (() => Promise<void>) | undefined;
let url: string;
const dir = mkdtempSync(join(tmpdir(), 'steward-teams-steps-'));

beforeAll(async () => {
  bf.listen();
  writeFileSync(join(dir, 'policy.yaml'), POLICY);
  app = await bootstrap(loadConfig({ STEWARD_DATA_DIR: 'memory://', LOG_LEVEL: 'silent', STEWARD_POLICY_FILE: join(dir, 'policy.yaml'), STEWARD_DEMO_INSTANCES: '20' }), { log: silentLogger() });
  ({ url, teams, close: closeTeams } = await mountTeamsOnApp(app));
});
afterAll(async () => {
  await closeTeams?.();
  await app?.close();
  bf.close();
  rmSync(dir, { recursive: true, force: true });
});

const as = (aad: string, name: string) => ({ aadObjectId: aad, name, id: `29:${name}` });

describe('Teams: Show all steps', () => {
  it('a 76-step card carries the button; the click brings every step in cards under 24 KB, and the card stays', async () => {
    const p = await app.approvals.propose({ plan: longPlan(76), requester: { id: `teams:${DANA}`, displayName: 'Dana', surface: 'teams' } });

    bf.reset();
    const typed = channelMessage(`proposal ${p.id}`, { from: as(SAM, 'Sam') });
    expect((await postActivity(url, typed, await bf.token({ serviceUrl: typed.serviceUrl }))).status).toBe(200);
    await teams.idle();
    const posted = bf.calls.find((c) => cardOf(c).text.includes('"actionId":"proposal.steps"'));
    expect(posted).toBeDefined();
    expect(cardOf(posted).text).toContain(`"data":{"actionId":"proposal.steps","value":"${p.id}"}`);
    expect(cardOf(posted).text).toContain('"title":"Show all steps"');
    expect(stepIdsIn(textsOf(cardOf(posted).card))).toHaveLength(30);
    const conversationId = posted!.conversationId;
    const cardId = (posted!.kind === 'update' ? posted!.activityId : posted!.responseId) as string;

    bf.reset();
    const click = cardAction({ actionId: 'proposal.steps', value: p.id }, { replyToId: cardId, conversationId, from: as(SAM, 'Sam') });
    const res = await postActivity(url, click, await bf.token({ serviceUrl: click.serviceUrl }));
    await app.approvals.idle();
    await teams.idle();
    // The clicker is told where the list is; the invoke does not answer with a card (that would replace theirs).
    expect(res.json).toMatchObject({ type: 'application/vnd.microsoft.activity.message', value: expect.stringContaining(`Proposal ${p.id}: all 76 steps`) });
    expect(bf.calls.filter((c) => c.kind === 'update')).toHaveLength(0);

    const cards = bf.calls.filter((c) => c.kind !== 'update' && cardOf(c).card);
    const every = cards.map((c) => textsOf(cardOf(c).card)).join('\n');
    expect(stepIdsIn(every)).toHaveLength(76);
    expect(cards.length).toBeGreaterThan(1);
    for (const c of cards) {
      const card = cardOf(c).card;
      expect(cardProblems(card)).toEqual([]);
      expect(Buffer.byteLength(JSON.stringify(card), 'utf8')).toBeLessThan(TEAMS_LIMITS.cardBytes);
      expect(Buffer.byteLength(JSON.stringify(c.body), 'utf8')).toBeLessThan(TEAMS_LIMITS.messageBytes);
      expect(textsOf(card)).not.toMatch(/Showing \d+ of \d+ rows/);
    }
    expect(textsOf(cardOf(cards[0]).card)).toContain(`part 1 of ${cards.length}`);
    expect(JSON.stringify(cardOf(cards[0]).card)).toContain('Monthly before');
    // Data stays literal: no bold, no link made from a reason.
    expect(every).not.toContain('**now**');
    expect(every).not.toMatch(/\]\(https?:/);
    expect(every).toContain('cache & co');
    expect(every).toContain('<!channel>-web');
    expect((await app.approvals.get(p.id))!.proposal.status).toBe('proposed');
  });
});
