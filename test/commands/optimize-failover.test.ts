import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toPlainText } from '../../src/core/render-text.js';
import type { Plan } from '../../src/domain/model/plan.js';
import type { OptimizeReport } from '../../src/domain/optimizer/optimize.js';
import type { App } from '../../src/main.js';
import { alice, demoApp } from '../support/app.js';
import { CHILD_TEST_TIMEOUT_MS, runCli } from '../support/spawn.js';

const ESTATE = fileURLToPath(new URL('../../docs/examples/optimizer-estate.json', import.meta.url));
const QUOTAS = 'aws/eu-west-1=44,aws/eu-central-1=12,gcp/europe-west1=8,azure/westeurope=96';

let app: App;
beforeAll(async () => {
  app = await demoApp({ STEWARD_DEMO_ESTATE: ESTATE, STEWARD_OPT_QUOTAS: QUOTAS });
});
afterAll(() => app.close());
const run = (text: string) => app.dispatcher.run({ text, actor: alice, surface: 'console' });

/** What `optimize --json` prints: the optimizer's report and its plan (typed from the code, so a renamed field fails here). */
type OptData = OptimizeReport & { plan: Plan };

describe('optimize command', () => {
  it('proposes a plan whose figures add up, on a card with Approve and Reject', async () => {
    const r = await run('optimize');
    expect(r.outcome).toBe('ok');
    const d = r.data as OptData & { proposal: { id: string } };
    expect(d.feasible).toBe(true);
    expect(d.violations).toEqual([]);
    expect(d.plan.steps.length).toBeGreaterThan(0);
    expect(d.savingsUsd).toBeCloseTo(d.monthlyBeforeUsd - d.monthlyAfterUsd, 1);
    const perStep = d.plan.steps.reduce((s, x) => s + (x.monthlyDeltaMicros ?? 0), 0) / 1e6;
    expect(-perStep).toBeCloseTo(d.savingsUsd, 1);
    expect(d.objectiveUsd).toBeGreaterThanOrEqual(d.lowerBoundUsd);
    expect(d.changes.find((c) => c.name === 'batch-dev-1')?.action).toBe('stop');
    for (const q of d.constraints.quotas) expect(q.usedAfter).toBeLessThanOrEqual(q.limit);
    expect(d.proposal.id).toMatch(/\S+/);
    const buttons = r.reply.blocks.flatMap((b) => (b.type === 'actions' ? b.buttons : []));
    expect(buttons.map((b) => b.actionId)).toEqual(['proposal.approve', 'proposal.reject']);
    expect(buttons.every((b) => b.value === d.proposal.id)).toBe(true);
    expect(toPlainText(r.reply)).toContain('lower bound');
  });

  it('returns a read-only plan when approvals are not available', async () => {
    const proposals = app.services.proposals;
    delete app.services.proposals;
    try {
      const r = await run('optimize');
      expect(r.outcome).toBe('ok');
      const text = toPlainText(r.reply);
      expect(text).toContain('lower bound');
      expect(text).toContain('Read-only');
      expect(r.reply.blocks.some((b) => b.type === 'actions')).toBe(false);
    } finally {
      app.services.proposals = proposals;
    }
  });

  it('honours --max-moves and --in-place', async () => {
    const d = (await run('optimize --max-moves 1 --in-place')).data as OptData;
    expect(d.changes).toHaveLength(1);
    expect(d.plan.steps.every((s) => s.kind === 'resize' || s.kind === 'stop')).toBe(true);
  });

  it('hands the plan to proposals when approvals are wired', async () => {
    const seen: Plan[] = [];
    const real = app.services.proposals;
    app.services.proposals = {
      async propose({ plan }) {
        seen.push(plan);
        return { id: 'p-1', reply: { blocks: [{ type: 'text', text: 'Proposal p-1 waits for approval' }], visibility: 'channel' }, data: { id: 'p-1' } };
      },
    };
    try {
      const r = await run('optimize');
      expect(seen).toHaveLength(1);
      expect(toPlainText(r.reply)).toContain('Proposal p-1');
      expect((r.data as { proposal: { id: string } }).proposal.id).toBe('p-1');
    } finally {
      app.services.proposals = real;
    }
  });

  it('rejects a malformed quota with the form it expects', async () => {
    const r = await run('optimize --quota aws:eu=5');
    expect(r.outcome).not.toBe('ok');
    expect(toPlainText(r.reply)).toMatch(/provider=vCPU or provider\/region=vCPU/);
  });
});

describe('failover command', () => {
  it('plans eu-west-1 and explains westeurope', async () => {
    const ok = await run('failover eu-west-1');
    expect(ok.outcome).toBe('ok');
    expect((ok.data as OptData).plan.steps.map((s) => s.kind).slice(0, 4)).toEqual(['snapshot', 'create', 'tag', 'stop']);
    const no = await run('failover westeurope');
    expect(toPlainText(no.reply)).toContain('EU quota short by 32 vCPU');
    expect((no.data as OptData).plan.steps).toEqual([]);
  });

  it('refuses an unknown target with the regions it knows', async () => {
    const r = await run('failover mars-1');
    expect(r.outcome).not.toBe('ok');
    expect(toPlainText(r.reply)).toContain('neither a provider');
  });
});

describe('failover aws on the default demo estate (bastion-prod-aws-01 is an Arm m6g.large)', () => {
  let demo: App;
  beforeAll(async () => {
    demo = await demoApp({});
  });
  afterAll(() => demo.close());
  const runDemo = (text: string) => demo.dispatcher.run({ text, actor: alice, surface: 'console' });

  it('names the architecture instead of saying no healthy region fits, and --allow-arch-change replaces it on x86', async () => {
    const no = await runDemo('failover aws');
    const text = toPlainText(no.reply);
    expect(text).not.toMatch(/bastion-prod-aws-01[^\n]*no healthy region there offers a type that fits/);
    expect(text).toContain('bastion-prod-aws-01 runs on Arm (m6g.large)');
    expect(text).toContain('--allow-arch-change');
    const yes = await runDemo('failover aws --allow-arch-change');
    const d = yes.data as { feasible: boolean; explanation: string[]; replacements: { name: string; to: { provider: string; type: string } }[]; violations: unknown[] };
    expect(d.feasible).toBe(true);
    expect(d.replacements.find((r) => r.name === 'bastion-prod-aws-01')?.to.provider).not.toBe('aws');
    expect(d.violations).toEqual([]);
  });
});

describe('CLI', () => {
  it('STEWARD_DEMO_ESTATE=<file> steward optimize --json prints objective, bound and per-step figures', async () => {
    const env = { STEWARD_DATA_DIR: 'memory://', STEWARD_DEMO_ESTATE: ESTATE, STEWARD_OPT_QUOTAS: QUOTAS, LOG_LEVEL: 'silent' };
    const opt = await runCli(['optimize', '--json'], env);
    expect(opt.code).toBe(0);
    const d = JSON.parse(opt.stdout) as OptData;
    expect(d.plan.solver).toMatchObject({ objective: d.objectiveUsd, lowerBound: d.lowerBoundUsd });
    expect(typeof d.gap).toBe('number');
    expect(d.plan.steps.every((s) => typeof s.reason === 'string' && s.risk !== undefined)).toBe(true);
    const fo = JSON.parse((await runCli(['failover', 'westeurope', '--json'], env)).stdout) as { feasible: boolean; explanation: string[] };
    expect(fo.feasible).toBe(false);
    expect(fo.explanation[0]).toMatch(/^EU quota short by 32 vCPU/);
  }, 2 * CHILD_TEST_TIMEOUT_MS);
});
