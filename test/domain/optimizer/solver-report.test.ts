/**
 * What a plan says about its own quality: "within X% of the best possible plan" only from a valid lower bound of
 * the full model, and the plan's JSON names which solver served which part (issue 11).
 */
import { describe, expect, it } from 'vitest';
import { planBlocks } from '../../../commands/plan-format.js';
import { reply } from '../../../src/core/reply.js';
import { toPlainText } from '../../../src/core/render-text.js';
import type { Plan } from '../../../src/domain/model/plan.js';
import { planReallocation } from '../../../src/domain/optimizer/optimize.js';
import { DEFAULT_SETTINGS } from '../../../src/domain/optimizer/settings.js';
import { estate, offer } from './support.js';

const OFFERS = [
  offer('aws', 'eu-west-1', 'm5.large', 2, 8, 0.1),
  offer('aws', 'eu-west-1', 'm5.xlarge', 4, 16, 0.2),
  offer('aws', 'eu-central-1', 'm5.large', 2, 8, 0.12),
  offer('aws', 'eu-central-1', 'm5.xlarge', 4, 16, 0.24),
  offer('aws', 'us-east-1', 'm5.large', 2, 8, 0.05),
];

const card = (plan: Plan) => toPlainText(reply({ blocks: planBlocks(plan) }));

async function solved(quotas = [{ provider: 'aws' as const, region: 'eu-west-1', vcpu: 8 }]) {
  const e = estate(OFFERS, [
    { name: 'a', provider: 'aws', region: 'eu-west-1', type: 'm5.xlarge', cpuP95: 30, tags: { app: 'shop' } },
    { name: 'b', provider: 'aws', region: 'eu-west-1', type: 'm5.xlarge', cpuP95: 30, tags: { app: 'shop' } },
    { name: 'c', provider: 'aws', region: 'eu-west-1', type: 'm5.xlarge', cpuP95: 30 },
    { name: 'd', provider: 'aws', region: 'eu-central-1', type: 'm5.xlarge', cpuP95: 60, tags: { app: 'etl' } },
  ]);
  return planReallocation({ instances: e.instances, utilization: e.utilization, idleUtilization: e.idle, offers: OFFERS, priceSnapshots: {}, settings: { ...DEFAULT_SETTINGS, quotas } });
}

describe('the solver report of a plan', () => {
  it('names which solver served which part, covering every modelled instance once', async () => {
    const r = await solved();
    const parts = r.plan.solver?.parts ?? [];
    expect(parts.length).toBeGreaterThan(0);
    expect(parts.reduce((t, p) => t + p.instances, 0)).toBe(r.report.instances.modelled);
    // The quota on eu-west-1 couples a, b, c (and d, which could move there): an exact MILP in yalps solves that
    // part and proves its bound.
    expect(parts).toEqual([{ part: 'component of 2 classes (4 instances), 1 shared rows', instances: 4, plan: 'yalps (exact MILP)', bound: 'yalps (exact MILP: optimal)' }]);
    expect(JSON.parse(JSON.stringify(r.plan)).solver.parts).toEqual(parts);
  });

  it('says "within X% of the best possible plan" from the full model\'s lower bound, rounding the gap up', async () => {
    const r = await solved();
    expect(r.plan.solver?.boundOf).toBe('full model');
    expect(card(r.plan)).toMatch(/lower bound \$[\d,]+\.\d{2}\/mo of the full model, equal to it: the best possible plan\./);
    const plan: Plan = { ...r.plan, solver: { ...(r.plan.solver as NonNullable<Plan['solver']>), objective: 1000, lowerBound: 990, gap: 0.010101 } };
    expect(card(plan)).toContain('lower bound $990.00/mo of the full model: within 1.02% of the best possible plan.');
  });

  it('claims nothing about the best possible plan without a bound of the full model', async () => {
    const r = await solved();
    const { boundOf: _omit, ...rest } = r.plan.solver as NonNullable<Plan['solver']>;
    const text = card({ ...r.plan, solver: rest });
    expect(text).not.toContain('within');
    expect(text).not.toContain('best possible plan');
    expect(text).toContain('no proven lower bound of the full model');
  });
});
