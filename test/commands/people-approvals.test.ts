/**
 * Issue 9.1: the policy's people. One person with identities on several surfaces is one approver: they never
 * approve their own proposal from another surface, and two of their identities never give both votes of a
 * critical plan, not even when both click at the same moment. Through the real dispatcher, policy file and store.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toPlainText } from '../../src/core/render-text.js';
import { loadConfig } from '../../src/config.js';
import { bootstrap, type App } from '../../src/main.js';
import { silentLogger } from '../../src/lib/logger.js';
import { refOf } from '../../src/domain/model/instance.js';
import type { PlanStep } from '../../src/domain/model/plan.js';
import { actor, fixedClock, planOf } from '../support/approvals.js';

const POLICY = `
version: 1
defaultRole: viewer
people:
  dana: [slack:T1:U0DANA, cli:dana, console:dana]
  carol: [console:carol]
roles:
  approver: [person:dana, person:carol]
  operator: [console:alice, cli:alice]
`;

describe('people with identities on several surfaces', () => {
  let app: App;
  const clock = fixedClock(new Date());
  const alice = actor('console:alice');

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-people-'));
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
    const config = loadConfig({ STEWARD_DATA_DIR: 'memory://', STEWARD_POLICY_FILE: join(dir, 'policy.yaml'), STEWARD_DEMO_SEED: '42', STEWARD_DEMO_INSTANCES: '40', LOG_LEVEL: 'silent' });
    app = await bootstrap(config, { log: silentLogger(), clock });
  });
  afterAll(async () => {
    await app?.close();
  });

  let used = 0;
  async function criticalPlan(requester = alice) {
    const inv = await app.services.inventory.collect({}, { refresh: true });
    const running = inv.instances.filter((i) => i.state === 'running');
    const inst = running[used++]!;
    const del: PlanStep = { id: 's1', kind: 'delete', target: refOf(inst), targetName: inst.name, expect: { state: inst.state }, reason: 'retire' };
    return app.services.proposals!.propose({ plan: planOf([del]), requester, surface: requester.surface });
  }
  const approve = (who: ReturnType<typeof actor>, id: string) => app.dispatcher.run({ text: `approve ${id}`, actor: who, surface: who.surface });

  it('two identities of one person cannot give both votes of a critical plan', async () => {
    const { id } = await criticalPlan();
    const first = await approve(actor('console:dana'), id);
    expect(first.outcome).toBe('ok');
    const second = await approve(actor('cli:dana'), id);
    expect(second.outcome).toBe('unchanged');
    expect(toPlainText(second.reply)).toMatch(/You already approved proposal \w+ as console:dana \(the same person as cli:dana\); a second decision from the same person does not count/);
    const fromSlack = await approve(actor('slack:T1:U0DANA', []), id);
    expect(fromSlack.outcome).toBe('unchanged');
    let p = (await app.approvals.get(id))!.proposal;
    expect(p.status).toBe('proposed');
    expect(p.approvals).toBe(1);
    // Another person completes it.
    expect((await approve(actor('console:carol'), id)).outcome).toBe('ok');
    p = (await app.approvals.get(id))!.proposal;
    expect(p.approvals).toBe(2);
    expect(p.decisions.map((d) => d.by.id)).toEqual(['console:dana', 'console:carol']);
    await app.approvals.idle();
  });

  it('two identities of one person approving at the same moment count once', async () => {
    const { id } = await criticalPlan();
    const results = await Promise.all([approve(actor('console:dana'), id), approve(actor('cli:dana'), id), approve(actor('slack:T1:U0DANA', []), id)]);
    expect(results.filter((r) => r.outcome === 'ok')).toHaveLength(1);
    const p = (await app.approvals.get(id))!.proposal;
    expect(p.approvals).toBe(1);
    expect(p.status).toBe('proposed');
  });

  it('a person never approves their own proposal from another surface', async () => {
    const { id } = await criticalPlan(actor('slack:T1:U0DANA', []));
    const self = await approve(actor('cli:dana'), id);
    expect(self.outcome).toBe('forbidden');
    expect(toPlainText(self.reply)).not.toContain('.yaml');
    expect(toPlainText(self.reply)).toMatch(/You requested proposal \w+ \(as slack:T1:U0DANA; cli:dana is the same person in the approvals policy \(STEWARD_POLICY_FILE\)\), and nobody approves their own proposal.*ask carol/);
    // They may still cancel it as its requester, from any of their surfaces.
    expect((await app.dispatcher.run({ text: `cancel ${id}`, actor: actor('console:dana'), surface: 'console' })).outcome).toBe('ok');
  });

  it('audit rows name the person and the surface identity', async () => {
    const { id } = await criticalPlan();
    await approve(actor('cli:dana'), id);
    const { audit } = (await app.approvals.get(id))!;
    const row = audit.find((a) => a.action === 'proposal.approve');
    expect(row).toMatchObject({ actor: { id: 'cli:dana' } });
    expect(row?.detail).toMatch(/approved as approver by person dana \(cli:dana\)/);
  });
});
