/**
 * The model of issue 11 on small estates whose optimum is known by hand: HA as distinct regions (no slices),
 * dearer moves forced by quotas below today's use, arch change only when allowed, GPU idle only when the GPU is,
 * requirements as measured, and infeasibility explained only when proven.
 */
import { describe, expect, it } from 'vitest';
import { checkPlan } from '../../../src/domain/optimizer/check.js';
import { planReallocation, type OptimizeInput } from '../../../src/domain/optimizer/optimize.js';
import { DEFAULT_SETTINGS, type OptimizerSettings } from '../../../src/domain/optimizer/settings.js';
import { estate, offer, type Spec } from './support.js';

const m = (p: number) => p * 730;

function input(offers: ReturnType<typeof offer>[], specs: Spec[], settings: Partial<OptimizerSettings> = {}): OptimizeInput {
  const e = estate(offers, specs);
  return { instances: e.instances, utilization: e.utilization, idleUtilization: e.idle, offers, priceSnapshots: {}, settings: { ...DEFAULT_SETTINGS, ...settings } };
}

const FREE_MOVES = { riskUsd: { region: 0, provider: 0 }, egressUsdPerGiB: { region: 0, provider: 0 } };

describe('the full optimize model', () => {
  it('keeps an app on as many regions as today, not its replicas in blocks: three of four go to the cheaper region', async () => {
    const offers = [offer('aws', 'eu-west-1', 'm5.2xlarge', 8, 32, 0.4), offer('aws', 'eu-central-1', 'm5.2xlarge', 8, 32, 0.36)];
    const shop = (name: string, region: string): Spec => ({ name, provider: 'aws', region, type: 'm5.2xlarge', cpuP95: 70, memP95: 50, tags: { app: 'shop', env: 'prod' } });
    const r = await planReallocation(input(offers, [shop('a1', 'eu-west-1'), shop('a2', 'eu-west-1'), shop('b1', 'eu-central-1'), shop('b2', 'eu-central-1')], FREE_MOVES));
    expect(r.placements.filter((p) => p.option.region === 'eu-central-1')).toHaveLength(3);
    expect(r.placements.filter((p) => p.option.region === 'eu-west-1')).toHaveLength(1);
    expect(r.report.objectiveUsd).toBeCloseTo(m(0.4) + 3 * m(0.36), 2);
    expect(r.report.constraints.haGroups[0]).toMatchObject({ group: 'shop|prod', regionsAfter: ['aws/eu-central-1', 'aws/eu-west-1'], binding: true });
    expect(r.report.violations).toEqual([]);
  });

  it('a quota below today\'s use forces a dearer move instead of "no feasible plan"', async () => {
    const offers = [offer('aws', 'eu-west-1', 'm5.xlarge', 4, 16, 0.2), offer('aws', 'eu-central-1', 'm5.xlarge', 4, 16, 0.25)];
    const specs: Spec[] = ['x', 'y', 'z'].map((n) => ({ name: n, provider: 'aws', region: 'eu-west-1', type: 'm5.xlarge', cpuP95: 60, memP95: 60 }));
    const r = await planReallocation(input(offers, specs, { quotas: [{ provider: 'aws', region: 'eu-west-1', vcpu: 8 }] }));
    expect(r.report.feasible).toBe(true);
    expect(r.report.changes.map((c) => c.to?.region)).toEqual(['eu-central-1']);
    expect(r.report.objectiveUsd).toBeCloseTo(2 * m(0.2) + m(0.25) + (50 * 0.02 + 100) / 12, 2);
    expect(r.solution.bound).toBeLessThanOrEqual(r.solution.objective + 1e-6);
    expect(r.report.violations).toEqual([]);
  });

  describe('x86 ↔ Arm', () => {
    const offers = [offer('aws', 'us-east-1', 'm5.large', 2, 8, 0.096), offer('aws', 'us-east-1', 'm6g.large', 2, 8, 0.077)];
    const api = (name: string, tags: Record<string, string> = {}): Spec => ({ name, provider: 'aws', region: 'us-east-1', type: 'm5.large', cpuP95: 50, memP95: 50, tags: { app: 'api', ...tags } });

    it('stays on its architecture by default, although the Arm type is cheaper', async () => {
      const r = await planReallocation(input(offers, [api('a')]));
      expect(r.report.changes).toEqual([]);
    });

    it('moves to Arm when the instance is tagged steward:arch=any', async () => {
      const r = await planReallocation(input(offers, [api('a', { 'steward:arch': 'any' })]));
      expect(r.report.changes.map((c) => c.to?.type)).toEqual(['m6g.large']);
      expect(r.report.violations).toEqual([]);
    });

    it('a steward:arch=any tag on one replica speaks for its whole app', async () => {
      const r = await planReallocation(input(offers, [api('a', { 'steward:arch': 'any' }), api('b')]));
      expect(r.report.changes.map((c) => [c.name, c.to?.type])).toEqual([['a', 'm6g.large'], ['b', 'm6g.large']]);
      expect(r.report.violations).toEqual([]);
    });

    it('the independent checker flags an arch change nobody allowed', () => {
      const e = estate(offers, [api('a')]);
      const decisions = [{ key: 'aws:acct-aws:us-east-1:id-a', action: 'resize' as const, provider: 'aws' as const, region: 'us-east-1', type: 'm6g.large' }];
      const check = (settings: OptimizerSettings) => checkPlan({ instances: e.instances, utilization: e.utilization, idleUtilization: e.idle, offers, settings, decisions }).map((v) => v.rule);
      expect(check(DEFAULT_SETTINGS)).toEqual(['arch']);
      expect(check({ ...DEFAULT_SETTINGS, allowArchChange: true })).toEqual([]);
    });

    it('moves everyone when arch change is allowed (--allow-arch-change)', async () => {
      const r = await planReallocation(input(offers, [{ ...api('a'), tags: {} }], { allowArchChange: true }));
      expect(r.report.changes.map((c) => c.to?.type)).toEqual(['m6g.large']);
    });
  });

  describe('a GPU instance is idle only if its GPU is idle', () => {
    const offers = [offer('aws', 'us-east-1', 'g4dn.xlarge', 4, 16, 0.526, 1)];
    const gpuEstate = (gpuP95: number | undefined) => {
      const i = input(offers, [{ name: 'train-1', provider: 'aws', region: 'us-east-1', type: 'g4dn.xlarge', cpuP95: 1, idleCpuP95: 1, memP95: 90 }], { crossRegion: false });
      const idle = i.idleUtilization.map((u) => (gpuP95 === undefined ? u : { ...u, gpuP95 }));
      return { ...i, idleUtilization: idle, utilization: i.utilization.map((u) => (gpuP95 === undefined ? u : { ...u, gpuP95 })) };
    };

    it('is never stopped when the cloud reports no GPU utilization', async () => {
      const r = await planReallocation(gpuEstate(undefined));
      expect(r.plan.steps).toEqual([]);
    });

    it('is not stopped while its GPU is busy', async () => {
      const r = await planReallocation(gpuEstate(60));
      expect(r.plan.steps).toEqual([]);
    });

    it('is stopped when both CPU and GPU are idle', async () => {
      const r = await planReallocation(gpuEstate(1));
      expect(r.plan.steps.map((s) => s.kind)).toEqual(['stop']);
      expect(r.report.violations).toEqual([]);
    });
  });

  it('sizes from utilization as measured: a need of 16.00004 GiB does not fit a 16 GiB type', async () => {
    const offers = [offer('aws', 'eu-west-1', 'r5.2xlarge', 8, 64, 0.5), offer('aws', 'eu-west-1', 'm5.xlarge', 4, 16, 0.2), offer('aws', 'eu-west-1', 'r5.xlarge', 4, 32, 0.25)];
    const memP95 = (16.00004 / (64 * 1.2)) * 100;
    const r = await planReallocation(input(offers, [{ name: 'db', provider: 'aws', region: 'eu-west-1', type: 'r5.2xlarge', cpuP95: 10, memP95 }], { crossRegion: false }));
    expect(r.report.changes.map((c) => c.to?.type)).toEqual(['r5.xlarge']);
    expect(r.report.violations).toEqual([]);
  });

  describe('infeasible only when proven, with the binding constraint named', () => {
    const offers = [offer('aws', 'eu-west-1', 'm5.xlarge', 4, 16, 0.2), offer('aws', 'eu-central-1', 'm5.xlarge', 4, 16, 0.25)];
    const specs: Spec[] = ['x', 'y', 'z'].map((n) => ({ name: n, provider: 'aws', region: 'eu-west-1', type: 'm5.xlarge', cpuP95: 60, memP95: 60 }));

    it('says how many moves the quotas need when the budget is smaller', async () => {
      const r = await planReallocation(input(offers, specs, { maxMoves: 0, quotas: [{ provider: 'aws', region: 'eu-west-1', vcpu: 4 }] }));
      expect(r.report.feasible).toBe(false);
      expect(r.plan.title).toBe('Optimize: no feasible plan');
      expect(r.report.explanation).toEqual(['The quotas need at least 2 moves, budget 0 (raise --max-moves or the quotas).']);
    });

    it('names the quota and by how much when residency leaves nowhere else to go', async () => {
      const pinned = specs.map((s) => ({ ...s, tags: { 'steward:provider': 'aws' } }));
      const r = await planReallocation(input(offers, pinned, { quotas: [{ provider: 'aws', vcpu: 10 }] }));
      expect(r.report.feasible).toBe(false);
      expect(r.report.explanation).toEqual(['aws (all regions) vCPU quota short by 2 vCPU: limit 10, 12 in use today; 3 instances can only be placed within it (residency, provider pins, in-place only or no fitting type elsewhere).']);
    });
  });
});
