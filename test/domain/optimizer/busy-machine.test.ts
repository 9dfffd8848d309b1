/**
 * The plan depends on the input only: iteration and node limits stop the Lagrangian, the local search and the
 * exact yalps MILP, never the clock, so a loaded machine (here: a clock that races ahead 3 s per reading) gives the
 * same plan and bound as an idle one. Before, a 10 s Lagrangian budget and a 2 s yalps limit cut the solve short
 * under load: a dearer plan and a weaker bound.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generate, quotasFor } from '../../../bench/estates.js';
import { planReallocation } from '../../../src/domain/optimizer/optimize.js';
import { DEFAULT_SETTINGS } from '../../../src/domain/optimizer/settings.js';
import { loadPriceCatalog } from '../../../src/pricing/catalog.js';

const catalog = loadPriceCatalog();

afterEach(() => vi.restoreAllMocks());

describe('optimize on a busy machine', () => {
  it('gives the same plan and bound when every clock reading is 3 s later than the last', async () => {
    const e = generate(400, 42);
    const input = { instances: e.instances, utilization: e.utilization, idleUtilization: e.idle, offers: catalog.offers(), priceSnapshots: {}, settings: { ...DEFAULT_SETTINGS, quotas: quotasFor(e), maxMoves: 48 } };
    const idle = await planReallocation(input);
    // The model is large enough for the Lagrangian path (not one exact MILP), where the clock used to decide.
    expect(idle.plan.solver?.models?.some((m) => m.name.includes('Lagrangian'))).toBe(true);
    let t = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => (t += 3000));
    vi.spyOn(Date, 'now').mockImplementation(() => (t += 3000));
    const busy = await planReallocation(input);
    vi.restoreAllMocks();
    expect(busy.solution.objective).toBe(idle.solution.objective);
    expect(busy.solution.bound).toBe(idle.solution.bound);
    expect(JSON.stringify(busy.plan.steps)).toBe(JSON.stringify(idle.plan.steps));
  });
});
