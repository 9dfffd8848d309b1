/**
 * Property tests over random estates: whatever the tags, quotas and budget, a plan never breaks residency,
 * provider pins, HA spread, quotas or the move budget (counted by the independent checker); and against HiGHS on
 * the full per-instance model (bench/full-model.ts, no shared pruning) with quotas cut below today's use, it
 * agrees on feasibility, lands within 0.5% of the optimum, and its lower bound is never above the optimum.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLOUDS, geographyOf } from '../../../src/domain/model/cloud.js';
import { checkPlan } from '../../../src/domain/optimizer/check.js';
import { planReallocation } from '../../../src/domain/optimizer/optimize.js';
import { toDecisions } from '../../../src/domain/optimizer/plan-steps.js';
import { buildFullModel } from '../../../bench/full-model.js';
import { createHighsSolver } from '../../../src/solvers/highs.solver.js';
import { DEFAULT_SETTINGS, type Quota } from '../../../src/domain/optimizer/settings.js';
import { loadPriceCatalog } from '../../../src/pricing/catalog.js';
import { estate, type Spec } from './support.js';

const catalog = loadPriceCatalog();
const OFFERS = catalog.offers().filter((o) => o.gpu === 0);
const APPS = ['web', 'api', 'db', 'cache'];

// AWS x86 types in the US and EU whose Arm sibling (m6g, c6g, r6g) the catalog offers in the same region.
const ARM_SIBLINGS = OFFERS.flatMap((o, i) => (/^[mcr]5\.(large|xlarge)$/.test(o.type) && OFFERS.some((x) => x.region === o.region && x.type === o.type.replace('5.', '6g.')) ? [i] : []));

const SPEC = {
  offer: fc.integer({ min: 0, max: OFFERS.length - 1 }),
  cpu: fc.double({ min: 0.5, max: 95, noNaN: true }),
  mem: fc.option(fc.integer({ min: 5, max: 95 }), { nil: null }),
  app: fc.option(fc.constantFrom(...APPS), { nil: undefined }),
  residency: fc.boolean(),
  pin: fc.boolean(),
  allowGeo: fc.boolean(),
  zone: fc.integer({ min: 0, max: 2 }),
  disk: fc.constantFrom(30, 128, 512),
};
const specArb = fc.record(SPEC);

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

  it('agrees with HiGHS on the full per-instance model when quotas are cut below today\'s use: feasibility, objective within 0.5%, bound ≤ optimum', async () => {
    const highs = createHighsSolver();
    // Small estates where one instance's choice shows: two apps (HA groups over regions are common) and many AWS
    // x86 types that have a cheaper Arm sibling.
    const smallArb = fc.record({
      specs: fc.array(fc.record({ ...SPEC, offer: fc.oneof(fc.integer({ min: 0, max: OFFERS.length - 1 }), fc.constantFrom(...ARM_SIBLINGS)), app: fc.option(fc.constantFrom('web', 'api'), { nil: undefined }) }), { minLength: 2, maxLength: 10 }),
      maxMoves: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
      quotaSlack: fc.array(fc.integer({ min: 0, max: 24 }), { minLength: 3, maxLength: 3 }),
      regionQuotas: fc.constant(true),
    });
    const cutArb = fc.record({
      base: smallArb,
      cuts: fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 12, maxLength: 12 }),
      archAny: fc.boolean(),
    });
    let infeasibleSeen = 0;
    let feasibleSeen = 0;
    await fc.assert(
      fc.asyncProperty(cutArb, async ({ base, cuts, archAny }) => {
        const { e, settings: s0 } = build({ ...base, regionQuotas: true });
        // Every regional quota cut below today's use by 0–12 vCPU: moves are forced, sometimes dearer, sometimes impossible.
        let i = 0;
        const quotas = s0.quotas.map((q) => (q.region ? { ...q, vcpu: Math.max(0, q.vcpu - (cuts[i++ % cuts.length] ?? 0)) } : q));
        const settings = { ...s0, quotas, allowArchChange: archAny };
        const input = { instances: e.instances, utilization: e.utilization, idleUtilization: e.idle, offers: OFFERS, settings };
        const r = await planReallocation({ ...input, priceSnapshots: {}, highs });
        const full = buildFullModel(input);
        const exact = await highs.solve(full.model, { timeLimitMs: 30_000, mipRelGap: 1e-7 });
        expect(['optimal', 'infeasible']).toContain(exact.status);
        expect(r.report.feasible).toBe(exact.status === 'optimal');
        if (exact.status !== 'optimal') {
          infeasibleSeen++;
          expect(r.plan.title).toBe('Optimize: no feasible plan');
          expect(r.report.explanation.length).toBeGreaterThan(0);
          return;
        }
        feasibleSeen++;
        const optimum = full.decode(exact.values).objective;
        expect(r.solution.bound).toBeLessThanOrEqual(optimum + 1e-6 * Math.max(1, optimum));
        expect(r.solution.objective).toBeGreaterThanOrEqual(optimum - 1e-6 * Math.max(1, optimum));
        expect(r.solution.objective).toBeLessThanOrEqual(optimum * 1.005 + 1e-6);
        expect(checkPlan({ ...input, decisions: toDecisions(r.placements) })).toEqual([]);
      }),
      { numRuns: 16, seed: 11 },
    );
    // The cuts make both outcomes happen, so both branches are exercised.
    expect(feasibleSeen).toBeGreaterThan(0);
    expect(infeasibleSeen).toBeGreaterThan(0);
  }, 240_000);
});
