import { describe, expect, it } from 'vitest';
import { checkPlan } from '../../../src/domain/optimizer/check.js';
import { planReallocation, type OptimizeInput } from '../../../src/domain/optimizer/optimize.js';
import { toDecisions } from '../../../src/domain/optimizer/plan-steps.js';
import { DEFAULT_SETTINGS, type OptimizerSettings } from '../../../src/domain/optimizer/settings.js';
import { assertBound, hungarian, OptimizerBoundError } from '../../../src/domain/optimizer/solve.js';
import { estate, offer, type Spec } from './support.js';

const OFFERS = [
  offer('aws', 'eu-west-1', 'm5.large', 2, 8, 0.1),
  offer('aws', 'eu-west-1', 'm5.xlarge', 4, 16, 0.2),
  offer('aws', 'eu-west-1', 'm5.2xlarge', 8, 32, 0.4),
  offer('aws', 'eu-central-1', 'm5.large', 2, 8, 0.09),
  offer('aws', 'eu-central-1', 'm5.xlarge', 4, 16, 0.18),
  offer('aws', 'eu-central-1', 'm5.2xlarge', 8, 32, 0.36),
  offer('gcp', 'europe-west1', 'e2-standard-2', 2, 8, 0.05),
  offer('gcp', 'europe-west1', 'e2-standard-8', 8, 32, 0.2),
  offer('aws', 'us-east-1', 'm5.large', 2, 8, 0.02),
];

function input(specs: Spec[], settings: Partial<OptimizerSettings> = {}): OptimizeInput {
  const e = estate(OFFERS, specs);
  return { instances: e.instances, utilization: e.utilization, idleUtilization: e.idle, offers: OFFERS, priceSnapshots: {}, settings: { ...DEFAULT_SETTINGS, ...settings } };
}

const usd = (perHour: number) => perHour * 730;

describe('planReallocation on small models with a known optimum', () => {
  it('rightsizes in place when moves are off: m5.2xlarge at 11% CPU / 22% memory → m5.xlarge, and says why', async () => {
    const r = await planReallocation(input([{ name: 'web-1', provider: 'aws', region: 'eu-west-1', type: 'm5.2xlarge', cpuP95: 11, memP95: 22 }], { crossRegion: false, crossProvider: false }));
    expect(r.plan.steps).toHaveLength(1);
    const step = r.plan.steps[0];
    expect(step?.kind).toBe('resize');
    // 8 × 11% × 1.2 = 1.06 vCPU fits m5.large, but 32 GiB × 22% × 1.2 = 8.45 GiB does not (8 GiB): m5.xlarge.
    expect(step && step.kind === 'resize' && step.toType).toBe('m5.xlarge');
    expect(step?.reason).toContain('p95 CPU 11% of 8 vCPU on m5.2xlarge');
    expect(r.report.savingsUsd).toBeCloseTo(usd(0.4 - 0.2), 2);
    expect(step?.reason).toContain('saves $146/month');
    expect(r.plan.solver?.gap).toBe(0);
  });

  it('moves to the cheapest region of the same geography when that beats egress + risk, never to the US', async () => {
    const r = await planReallocation(input([{ name: 'api-1', provider: 'aws', region: 'eu-west-1', type: 'm5.2xlarge', cpuP95: 40, memP95: 40 }]));
    // Needs 3.84 vCPU / 15.4 GiB: m5.xlarge 0.2 in place (146/mo), 0.18 in eu-central-1 (131.4 + (1+100)/12), e2-standard-8 0.2 on gcp.
    // us-east-1 would be cheapest of all but is outside the EU.
    expect(r.report.changes).toHaveLength(1);
    const c = r.report.changes[0];
    expect(c?.to?.region).not.toBe('us-east-1');
    const inPlace = usd(0.2);
    const central = usd(0.18) + (50 * 0.02 + 100) / 12;
    expect(r.report.objectiveUsd).toBeCloseTo(Math.min(inPlace, central), 2);
    expect(c?.to?.region).toBe(central < inPlace ? 'eu-central-1' : 'eu-west-1');
    expect(r.report.violations).toEqual([]);
  });

  it('crosses geographies only when the steward:allow-geo tag says so', async () => {
    const r = await planReallocation(input([{ name: 'batch-1', provider: 'aws', region: 'eu-west-1', type: 'm5.large', cpuP95: 30, memP95: 30, tags: { 'steward:allow-geo': 'us' } }]));
    expect(r.report.changes[0]?.to?.region).toBe('us-east-1');
    expect(r.report.violations).toEqual([]);
  });

  it('stops idle instances (P95 CPU < 3% over 7 days) and keeps the rest', async () => {
    const r = await planReallocation(input([
      { name: 'idle-1', provider: 'aws', region: 'eu-west-1', type: 'm5.large', cpuP95: 2, idleCpuP95: 1.5 },
      { name: 'busy-1', provider: 'aws', region: 'eu-west-1', type: 'm5.large', cpuP95: 70, idleCpuP95: 70 },
    ], { crossRegion: false }));
    expect(r.plan.steps.map((s) => [s.kind, s.targetName])).toEqual([['stop', 'idle-1']]);
    expect(r.plan.steps[0]?.reason).toMatch(/1\.5% over 7 d is below 3%/);
    expect(r.plan.totals.savingsMonthlyMicros).toBe(Math.round(0.1 * 1e6) * 730);
  });

  it('respects a move budget by keeping the most valuable changes', async () => {
    const specs: Spec[] = [
      { name: 'a', provider: 'aws', region: 'eu-west-1', type: 'm5.2xlarge', cpuP95: 5, memP95: 10 },
      { name: 'b', provider: 'aws', region: 'eu-west-1', type: 'm5.xlarge', cpuP95: 5, memP95: 10 },
      { name: 'c', provider: 'aws', region: 'eu-west-1', type: 'm5.2xlarge', cpuP95: 5, memP95: 10 },
    ];
    const r = await planReallocation(input(specs, { crossRegion: false, maxMoves: 2 }));
    expect(r.report.changes.map((c) => c.name).sort()).toEqual(['a', 'c']);
    expect(r.report.constraints.moves).toEqual({ used: 2, max: 2, binding: true });
    expect(r.plan.binding?.some((b) => b.startsWith('move budget'))).toBe(true);
  });

  it('keeps an app spread over as many regions as today even when one region is cheaper for both', async () => {
    const specs: Spec[] = [
      { name: 'shop-1', provider: 'aws', region: 'eu-west-1', zone: 'eu-west-1a', type: 'm5.2xlarge', cpuP95: 10, memP95: 10, tags: { app: 'shop', env: 'prod' } },
      { name: 'shop-2', provider: 'aws', region: 'eu-central-1', zone: 'eu-central-1b', type: 'm5.2xlarge', cpuP95: 10, memP95: 10, tags: { app: 'shop', env: 'prod' } },
    ];
    const r = await planReallocation(input(specs, { riskUsd: { region: 0, provider: 0 }, egressUsdPerGiB: { region: 0, provider: 0 } }));
    const regions = new Set(r.placements.map((p) => `${p.option.provider}/${p.option.region}`));
    expect(regions.size).toBe(2);
    expect(r.report.constraints.haGroups[0]).toMatchObject({ group: 'shop|prod', binding: true });
    expect(r.report.violations).toEqual([]);
  });

  it('holds vCPU quotas, and names the quota that binds', async () => {
    const specs: Spec[] = ['x', 'y', 'z'].map((n) => ({ name: n, provider: 'aws', region: 'eu-west-1', type: 'm5.xlarge', cpuP95: 30, memP95: 40 }));
    // Without a risk penalty eu-central-1 (m5.large at 0.09) beats rightsizing in place (0.1) for all three.
    const free = { crossProvider: false, riskUsd: { region: 0, provider: 0 } };
    const unbounded = await planReallocation(input(specs, free));
    expect(unbounded.placements.filter((p) => p.option.region === 'eu-central-1')).toHaveLength(3);
    const r = await planReallocation(input(specs, { ...free, quotas: [{ provider: 'aws', region: 'eu-central-1', vcpu: 4 }] }));
    const central = r.placements.filter((p) => p.option.region === 'eu-central-1');
    expect(central).toHaveLength(2);
    expect(r.report.constraints.quotas[0]).toMatchObject({ scope: 'aws eu-central-1', limit: 4, usedAfter: 4, binding: true });
    expect(r.report.violations).toEqual([]);
  });

  it('explains an infeasible quota instead of returning a partial plan', async () => {
    const specs: Spec[] = ['x', 'y'].map((n) => ({ name: n, provider: 'aws', region: 'eu-west-1', type: 'm5.2xlarge', cpuP95: 90, memP95: 90 }));
    const r = await planReallocation(input(specs, { crossRegion: false, quotas: [{ provider: 'aws', region: 'eu-west-1', vcpu: 8 }] }));
    expect(r.report.feasible).toBe(false);
    expect(r.plan.steps).toEqual([]);
    expect(r.report.explanation.join(' ')).toMatch(/aws eu-west-1 vCPU quota short by 8 vCPU: limit 8, 16 in use today/);
  });

  it('gives the same plan for the same input', async () => {
    const specs: Spec[] = Array.from({ length: 12 }, (_, i) => ({ name: `w${i}`, provider: 'aws' as const, region: i % 2 ? 'eu-west-1' : 'eu-central-1', type: 'm5.2xlarge', cpuP95: 5 + i * 3, memP95: 20, tags: { app: `app${i % 3}` } }));
    const a = await planReallocation(input(specs, { maxMoves: 5, quotas: [{ provider: 'gcp', vcpu: 8 }] }));
    const b = await planReallocation(input([...specs].reverse(), { maxMoves: 5, quotas: [{ provider: 'gcp', vcpu: 8 }] }));
    const strip = (p: typeof a.plan) => JSON.stringify({ ...p, solver: { ...p.solver, models: p.solver?.models?.map((m) => ({ ...m, ms: 0 })) } });
    expect(strip(a.plan)).toBe(strip(b.plan));
  });

  it('the independent checker catches what a careless plan would do', () => {
    const e = estate(OFFERS, [
      { name: 'eu-1', provider: 'aws', region: 'eu-west-1', type: 'm5.xlarge', cpuP95: 50, tags: { app: 'x' } },
      { name: 'eu-2', provider: 'aws', region: 'eu-central-1', type: 'm5.xlarge', cpuP95: 50, tags: { app: 'x' } },
    ]);
    const v = checkPlan({
      instances: e.instances, utilization: e.utilization, idleUtilization: e.idle, offers: OFFERS,
      settings: { ...DEFAULT_SETTINGS, maxMoves: 1, quotas: [{ provider: 'aws', region: 'us-east-1', vcpu: 2 }] },
      decisions: [
        { key: 'aws:acct-aws:eu-west-1:id-eu-1', action: 'move', provider: 'aws', region: 'us-east-1', type: 'm5.large' },
        { key: 'aws:acct-aws:eu-central-1:id-eu-2', action: 'move', provider: 'aws', region: 'us-east-1', type: 'm5.large' },
      ],
    });
    expect(new Set(v.map((x) => x.rule))).toEqual(new Set(['residency', 'fit', 'quota', 'move-budget', 'ha-spread']));
  });

  it('toDecisions mirrors the placements', async () => {
    const r = await planReallocation(input([{ name: 'w', provider: 'aws', region: 'eu-west-1', type: 'm5.2xlarge', cpuP95: 10, memP95: 10 }], { crossRegion: false }));
    expect(toDecisions(r.placements)).toEqual([{ key: 'aws:acct-aws:eu-west-1:id-w', action: 'resize', provider: 'aws', region: 'eu-west-1', type: 'm5.large' }]);
  });
});

describe('hungarian', () => {
  it('finds the min-cost assignment of rows to distinct columns', () => {
    expect(hungarian([[4, 1, 3], [2, 0, 5], [3, 2, 2]])).toEqual([1, 0, 2]);
    expect(hungarian([[1, 1], [1, Infinity]])).toEqual([1, 0]);
  });
});

describe('the bound certificate', () => {
  it('a lower bound above a feasible objective is an internal error, never clamped', () => {
    expect(() => assertBound('test', 100.5, 100)).toThrow(OptimizerBoundError);
    expect(() => assertBound('test', 100.5, 100)).toThrow(/lower bound of test \(100.5\) is above a feasible objective \(100\)/);
    expect(() => assertBound('test', 99.9, 100)).not.toThrow();
  });
});
