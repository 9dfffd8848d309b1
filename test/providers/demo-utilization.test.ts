/** The demo provider reports utilization as measured: the optimizer sizes from it, so it is never rounded. */
import { describe, expect, it } from 'vitest';
import { simulateUtilization } from '../../src/providers/demo/index.js';
import { loadPriceCatalog } from '../../src/pricing/catalog.js';
import type { DemoInstance } from '../../src/providers/demo/estate.js';

const catalog = loadPriceCatalog();

describe('demo utilization', () => {
  it('reports memory P95 unrounded (20.84% stays 20.84%, not 20.8%)', () => {
    const shape = catalog.shape('aws', 'm5.2xlarge');
    expect(shape?.memoryGiB).toBe(32);
    const inst = {
      provider: 'aws', account: 'acct', region: 'eu-west-1', zone: 'eu-west-1a', id: 'i-mem', name: 'db-1', type: 'm5.2xlarge',
      state: 'running', tags: {}, load: { cpuP50Cores: 1, cpuP95Cores: 2, memP95GiB: 0.2084 * 32 },
    } as unknown as DemoInstance;
    const u = simulateUtilization(inst, 14, catalog);
    expect(u.memP95).toBeCloseTo(20.84, 10);
    // CPU P95 is one of the hourly samples, as measured, not a figure rounded to one decimal.
    expect(Math.round((u.cpuP95 ?? 0) * 10) / 10).not.toBe(u.cpuP95);
  });
});
