/**
 * Property tests over random estates: whatever the tags, quotas and budget, a plan never breaks residency,
 * provider pins, HA spread, quotas or the move budget (counted by the independent checker), and its proven
 * lower bound is a true bound: never above the optimum HiGHS proves for the same model.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLOUDS, geographyOf } from '../../../src/domain/model/cloud.js';
import { checkPlan } from '../../../src/domain/optimizer/check.js';
import { planReallocation } from '../../../src/domain/optimizer/optimize.js';
import { toDecisions } from '../../../src/domain/optimizer/plan-steps.js';
import { buildLinearModel } from '../../../src/domain/optimizer/linear.js';
import { createHighsSolver } from '../../../src/solvers/highs.solver.js';
import { DEFAULT_SETTINGS, type Quota } from '../../../src/domain/optimizer/settings.js';
import { loadPriceCatalog } from '../../../src/pricing/catalog.js';
import { estate, type Spec } from './support.js';

const catalog = loadPriceCatalog();
const OFFERS = catalog.offers().filter((o) => o.gpu === 0);
const APPS = ['web', 'api', 'db', 'cache'];

const specArb = fc.record({
  offer: fc.integer({ min: 0, max: OFFERS.length - 1 }),
  cpu: fc.double({ min: 0.5, max: 95, noNaN: true }),
  mem: fc.option(fc.integer({ min: 5, max: 95 }), { nil: null }),
  app: fc.option(fc.constantFrom(...APPS), { nil: undefined }),
  residency: fc.boolean(),
  pin: fc.boolean(),
  allowGeo: fc.boolean(),
  zone: fc.integer({ min: 0, max: 2 }),
  disk: fc.constantFrom(30, 128, 512),
});

const scenarioArb = fc.record({
  specs: fc.array(specArb, { minLength: 1, maxLength: 30 }),
  maxMoves: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
  quotaSlack: fc.array(fc.integer({ min: 0, max: 24 }), { minLength: 3, maxLength: 3 }),
  regionQuotas: fc.boolean(),
});

function build(sc: { specs: { offer: number; cpu: number; mem: number | null; app: string | undefined; residency: boolean; pin: boolean; allowGeo: boolean; zone: number; disk: number }[]; maxMoves: number | undefined; quotaSlack: number[]; regionQuotas: boolean }) {
  const specs: Spec[] = sc.specs.map((s, i) => {
    const o = OFFERS[s.offer] as (typeof OFFERS)[number];
    const tags: Record<string, string> = {};
    if (s.app) tags['app'] = s.app;
    if (s.residency && geographyOf(o.region) !== 'other') tags['residency'] = geographyOf(o.region);
    if (s.pin) tags['steward:provider'] = o.provider;
    if (s.allowGeo) tags['steward:allow-geo'] = 'us,eu';
    const zone = o.provider === 'aws' ? `${o.region}${'abc'[s.zone]}` : o.provider === 'gcp' ? `${o.region}-${'abc'[s.zone]}` : `${o.region}-${s.zone + 1}`;
    return { name: `w${i}`, provider: o.provider, region: o.region, zone, type: o.type, cpuP95: Math.round(s.cpu * 10) / 10, memP95: s.mem, tags, diskGiB: s.disk };
  });
  const e = estate(OFFERS, specs);
  // Quotas at today's use plus a little: "no change" stays feasible, moves into a region are scarce.
  const quotas: Quota[] = [];
  CLOUDS.forEach((c, i) => {
    const used = e.instances.filter((x) => x.provider === c).reduce((t, x) => t + (x.vcpu ?? 0), 0);
    quotas.push({ provider: c, vcpu: used + (sc.quotaSlack[i] ?? 0) });
  });
  if (sc.regionQuotas) {
    for (const region of new Set(e.instances.map((x) => `${x.provider}/${x.region}`))) {
      const [p, r] = region.split('/') as [Quota['provider'], string];
      quotas.push({ provider: p, region: r, vcpu: e.instances.filter((x) => x.provider === p && x.region === r).reduce((t, x) => t + (x.vcpu ?? 0), 0) });
    }
  }
  const settings = { ...DEFAULT_SETTINGS, quotas, ...(sc.maxMoves !== undefined ? { maxMoves: sc.maxMoves } : {}) };
  return { e, settings };
}

describe('optimize over random estates', () => {
  it('never breaks residency, pins, HA spread, quotas or the move budget; objective ≥ bound', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (sc) => {
        const { e, settings } = build(sc);
        const r = await planReallocation({ instances: e.instances, utilization: e.utilization, idleUtilization: e.idle, offers: OFFERS, priceSnapshots: {}, settings });
        expect(r.report.feasible).toBe(true);
        const violations = checkPlan({ instances: e.instances, utilization: e.utilization, idleUtilization: e.idle, offers: OFFERS, settings, decisions: toDecisions(r.placements) });
        expect(violations).toEqual([]);
        // Residency, checked once more in the plainest terms: tagged workloads stay in their geography.
        for (const p of r.placements) {
          const res = p.w.inst.tags['residency'];
          if (res) expect(geographyOf(p.option.region)).toBe(res);
          const pin = p.w.inst.tags['steward:provider'];
          if (pin) expect(p.option.provider).toBe(pin);
        }
        if (settings.maxMoves !== undefined) expect(r.report.changes.length).toBeLessThanOrEqual(settings.maxMoves);
        expect(r.solution.objective).toBeGreaterThanOrEqual(r.solution.bound - 1e-6);
        // Savings are what the steps say they are.
        const delta = r.plan.steps.reduce((t, s) => t + (s.monthlyDeltaMicros ?? 0), 0);
        expect(r.plan.totals.savingsMonthlyMicros + 0).toBe(0 - delta + 0);
        expect(r.plan.totals.savingsMonthlyMicros).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 60, seed: 20250611 },
    );
  });

  it('the Lagrangian bound never exceeds the optimum HiGHS proves for the same class model', async () => {
    const highs = createHighsSolver();
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (sc) => {
        const { e, settings } = build(sc);
        const r = await planReallocation({ instances: e.instances, utilization: e.utilization, idleUtilization: e.idle, offers: OFFERS, priceSnapshots: {}, settings });
        const built = buildLinearModel(r.model, { name: 'check' });
        const exact = await highs.solve(built.model, { timeLimitMs: 20_000, mipRelGap: 1e-9 });
        expect(exact.status).toBe('optimal');
        expect(r.solution.bound).toBeLessThanOrEqual(exact.objective + 1e-6 * Math.max(1, exact.objective));
        expect(r.solution.objective).toBeGreaterThanOrEqual(exact.objective - 1e-6 * Math.max(1, exact.objective));
      }),
      { numRuns: 12, seed: 7 },
    );
  }, 120_000);
});
