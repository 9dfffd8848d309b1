/**
 * An approval by two Teams users, end to end: the real command layer on the demo estate (PGlite, and the real
 * PostgreSQL server when TEST_DATABASE_URL is set), the Teams surface on the shared server, activities posted
 * over HTTP with signed tokens, and the connector stubbed by msw. The requester's own click is refused; two
 * approvers (bound by their AAD object ids in the policy) approve; the card is updated in place as the plan runs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/lib/logger.js';
import { bootstrap, type App } from '../../../src/main.js';
import type { TeamsSurface } from '../../../src/surfaces/teams/index.js';
import { openScratchPostgres, POSTGRES_SKIPPED, TEST_DATABASE_URL } from '../../support/db.js';
import { cardAction, cardOf, channelMessage, createBotFramework, mountTeamsOnApp, postActivity } from './support.js';

const DANA = '11111111-1111-4111-8111-111111111111';
const SAM = '22222222-2222-4222-8222-222222222222';
const RIDO = '33333333-3333-4333-8333-333333333333';

// Stopping is critical here, so the proposal needs two distinct approvers.
const POLICY = `
version: 1
defaultRole: viewer
expiry: 1h
risk:
  stop: critical
roles:
  approver: [teams:${SAM}, teams:${RIDO}]
  operator: [teams:${DANA}]
`;

const pgUrl = TEST_DATABASE_URL;
const backends: { name: string; skipped?: string; env(): Promise<{ env: Record<string, string>; dispose(): Promise<void> }> }[] = [
  { name: 'pglite', env: async () => ({ env: { STEWARD_DATA_DIR: 'memory://' }, dispose: async () => undefined }) },
  {
    name: 'postgres',
    // Listed either way: without TEST_DATABASE_URL the report shows it skipped, with the reason in its title.
    ...(pgUrl ? {} : { skipped: POSTGRES_SKIPPED }),
    env: async () => {
      const scratch = await openScratchPostgres(pgUrl as string, 1);
      return { env: { DATABASE_URL: scratch.url }, dispose: scratch.dispose };
    },
  },
];

const bf = await createBotFramework();
beforeAll(() => bf.listen());
afterAll(() => bf.close());

for (const backend of backends) {
  describe.skipIf(backend.skipped !== undefined)(`a Teams approval by two users [${backend.name}]${backend.skipped ? ` ${backend.skipped}` : ''}`, () => {
    let app: App;
    let teams: TeamsSurface;
    let closeTeams: (() => Promise<void>) | undefined;
    let url: string;
    let dispose: () => Promise<void>;
    const dir = mkdtempSync(join(tmpdir(), 'steward-teams-policy-'));

    beforeAll(async () => {
      writeFileSync(join(dir, 'policy.yaml'), POLICY);
      const be = await backend.env();
      dispose = be.dispose;
      const config = loadConfig({ ...be.env, LOG_LEVEL: 'silent', STEWARD_POLICY_FILE: join(dir, 'policy.yaml'), STEWARD_DEMO_INSTANCES: '20', STEWARD_INVENTORY_TTL_SECONDS: '0' });
      app = await bootstrap(config, { log: silentLogger() });
      ({ url, teams, close: closeTeams } = await mountTeamsOnApp(app));
    });
    afterAll(async () => {
      await closeTeams?.();
      await app?.close();
      await dispose?.();
      rmSync(dir, { recursive: true, force: true });
    });

    const as = (aad: string, name: string) => ({ aadObjectId: aad, name, id: `29:${name}` });
    const message = async (text: string, who: ReturnType<typeof as>) => {
      const a = channelMessage(text, { from: who });
      const res = await postActivity(url, a, await bf.token({ serviceUrl: a.serviceUrl }));
      await teams.idle();
      return res;
    };
    const click = async (value: string, cardId: string, conversationId: string, who: ReturnType<typeof as>) => {
      const a = cardAction({ actionId: 'proposal.approve', value }, { replyToId: cardId, conversationId, from: who });
      const res = await postActivity(url, a, await bf.token({ serviceUrl: a.serviceUrl }));
      await app.approvals.idle();
      await teams.idle();
      return res;
    };

    it('proposes, refuses the requester, records the first approver, runs on the second, and updates the card in place', async () => {
      const instances = (await app.services.inventory.collect({})).instances.filter((i) => i.state === 'running');
      const target = instances[0];
      expect(target).toBeDefined();

      // Dana asks for a stop: the card is posted with Approve and Reject.
      bf.reset();
      expect((await message(`stop ${target?.id}`, as(DANA, 'Dana'))).status).toBe(200);
      const posted = bf.calls.find((c) => cardOf(c).text.includes('proposal.approve'));
      expect(posted).toBeDefined();
      const conversationId = posted?.conversationId as string;
      const cardId = posted?.kind === 'update' ? (posted.activityId as string) : (posted?.responseId as string);
      const proposalId = /"data":\{"actionId":"proposal\.approve","value":"([^"]+)"\}/.exec(cardOf(posted).text)?.[1] as string;
      expect(proposalId).toMatch(/^[a-z0-9]{4,}$/);
      expect(cardOf(posted).text).toContain('critical');

      // Dana approving her own: refused, to her only.
      const own = await click(proposalId, cardId, conversationId, as(DANA, 'Dana'));
      expect(own.json).toMatchObject({ type: 'application/vnd.microsoft.activity.message', value: expect.stringMatching(/own/i) });

      // Sam: recorded; the card says who still has to approve.
      bf.reset();
      const first = await click(proposalId, cardId, conversationId, as(SAM, 'Sam'));
      expect(first.json).toMatchObject({ type: 'application/vnd.microsoft.card.adaptive' });
      const firstCard = JSON.stringify(first.json?.value);
      expect(firstCard).toContain('1 of 2');
      expect(firstCard).toContain('Still');
      expect(bf.calls.filter((c) => c.kind === 'update' && c.activityId === cardId)).toHaveLength(1);

      // Rido: the quorum; the plan runs and the same card is updated until it says done.
      bf.reset();
      const second = await click(proposalId, cardId, conversationId, as(RIDO, 'Rido'));
      expect(second.json).toMatchObject({ type: 'application/vnd.microsoft.card.adaptive' });
      const updates = bf.calls.filter((c) => c.kind === 'update');
      expect(updates.length).toBeGreaterThanOrEqual(2);
      expect(updates.every((u) => u.activityId === cardId && u.conversationId === conversationId)).toBe(true);
      expect(cardOf(updates.at(-1)).text).toContain('done');

      const view = await app.approvals.get(proposalId);
      expect(view?.proposal.status).toBe('succeeded');
      expect(view?.proposal.decisions.map((d) => d.by.id).sort()).toEqual([`teams:${SAM}`, `teams:${RIDO}`].sort());
      const after = (await app.services.inventory.collect({}, { refresh: true })).instances.find((i) => i.id === target?.id);
      expect(after?.state).toBe('stopped');
    });
  });
}
