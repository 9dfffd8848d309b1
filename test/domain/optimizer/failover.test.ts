import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { geographyOf } from '../../../src/domain/model/cloud.js';
import { planFailover } from '../../../src/domain/optimizer/failover.js';
import { DEFAULT_SETTINGS, parseQuotas } from '../../../src/domain/optimizer/settings.js';
import { estateFileSchema, fromEstateFile, toInstance } from '../../../src/providers/demo/estate.js';
import { simulateUtilization } from '../../../src/providers/demo/index.js';
import { loadPriceCatalog } from '../../../src/pricing/catalog.js';
import { estate, offer } from './support.js';

const catalog = loadPriceCatalog();
const file = estateFileSchema.parse(JSON.parse(readFileSync(new URL('../../../docs/examples/optimizer-estate.json', import.meta.url), 'utf8')));
const demo = fromEstateFile(file, catalog);
const instances = demo.map((d) => toInstance(d, catalog));
const utilization = demo.map((d) => simulateUtilization(d, 14, catalog));
const QUOTAS = parseQuotas('aws/eu-west-1=44,aws/eu-central-1=12,gcp/europe-west1=8,azure/westeurope=96');

const failover = (target: { region?: string; provider?: 'aws' | 'azure' | 'gcp' }, quotas = QUOTAS) =>
  planFailover({ target, instances, utilization, offers: catalog.offers(), priceSnapshots: catalog.snapshotDates(), settings: { ...DEFAULT_SETTINGS, quotas } });

describe('failover on the EU/US example estate', () => {
  it('replaces eu-west-1 within the free EU quota: snapshot → create from it → tag → stop, per instance', async () => {
    const { plan, report } = await failover({ region: 'eu-west-1' });
    expect(report.feasible).toBe(true);
    expect(report.affected).toBe(2);
    expect(report.replacements.map((r) => r.name).sort()).toEqual(['shop-api-1', 'shop-web-1']);
    for (const r of report.replacements) {
      expect(r.to.region).not.toBe('eu-west-1');
      expect(geographyOf(r.to.region)).toBe('eu');
    }
    expect(plan.steps.map((s) => s.kind)).toEqual(['snapshot', 'create', 'tag', 'stop', 'snapshot', 'create', 'tag', 'stop']);
    const create = plan.steps[1];
    expect(create?.kind === 'create' && create.fromSnapshotStep).toBe('s1');
    for (const q of report.quotas) expect(q.usedAfter).toBeLessThanOrEqual(q.limit);
    expect(report.violations).toEqual([]);
    expect(plan.solver?.gap).toBe(0);
  });

  it('refuses westeurope with the binding constraint named, and no partial plan', async () => {
    const { plan, report } = await failover({ region: 'westeurope' });
    expect(report.feasible).toBe(false);
    expect(plan.steps).toEqual([]);
    expect(report.explanation).toEqual([
      'EU quota short by 32 vCPU (aws eu-west-1: 32 of 44 vCPU free; aws eu-central-1: 0 of 12 vCPU free; gcp europe-west1: 0 of 8 vCPU free).',
    ]);
  });

  it('becomes feasible once the EU quota has room, at the cheapest fitting offers', async () => {
    const { report } = await failover({ region: 'westeurope' }, parseQuotas('aws/eu-west-1=200,gcp/europe-west1=200'));
    expect(report.feasible).toBe(true);
    expect(report.replacements).toHaveLength(4);
    for (const r of report.replacements) expect(geographyOf(r.to.region)).toBe('eu');
  });

  it('a whole-provider failover never lands on that provider and names workloads pinned to it', async () => {
    const pinned = instances.map((i) => (i.name === 'etl-us-1' ? { ...i, tags: { ...i.tags, 'steward:provider': 'gcp' } } : i));
    const r = await planFailover({ target: { provider: 'gcp' }, instances: pinned, utilization, offers: catalog.offers(), priceSnapshots: {}, settings: DEFAULT_SETTINGS });
    expect(r.report.feasible).toBe(false);
    expect(r.report.explanation.join(' ')).toContain('etl-us-1 is pinned to gcp');
    const ok = await failover({ provider: 'gcp' }, []);
    expect(ok.report.feasible).toBe(true);
    expect(ok.report.replacements.every((x) => x.to.provider !== 'gcp')).toBe(true);
  });

  it('gives the same plan for the same input', async () => {
    const a = await failover({ region: 'eu-west-1' });
    const b = await failover({ region: 'eu-west-1' });
    expect(JSON.stringify(a.plan.steps)).toBe(JSON.stringify(b.plan.steps));
  });
});

describe('failover of an Arm instance where the healthy providers offer only x86', () => {
  const offers = [
    offer('aws', 'eu-central-1', 'm6g.large', 2, 8, 0.092),
    offer('azure', 'westeurope', 'Standard_D2s_v5', 2, 8, 0.115),
    offer('gcp', 'europe-west1', 'e2-standard-2', 2, 8, 0.073),
    offer('gcp', 'us-central1', 't2a-standard-2', 2, 8, 0.077),
  ];
  const e = estate(offers, [{ name: 'bastion-prod-aws-01', provider: 'aws', region: 'eu-central-1', type: 'm6g.large', cpuP95: 79, memP95: 82, tags: { app: 'bastion', env: 'prod' } }]);
  const run = (allowArchChange: boolean) =>
    planFailover({ target: { provider: 'aws' }, instances: [...e.instances, ...estate(offers, [{ name: 'web-gcp', provider: 'gcp', region: 'europe-west1', type: 'e2-standard-2', cpuP95: 20 }, { name: 'web-az', provider: 'azure', region: 'westeurope', type: 'Standard_D2s_v5', cpuP95: 20 }]).instances], utilization: e.utilization, offers, priceSnapshots: {}, settings: { ...DEFAULT_SETTINGS, allowArchChange } });

  it('says the fitting types are x86 and how to allow them, not that no healthy region fits', async () => {
    const { report } = await run(false);
    expect(report.feasible).toBe(false);
    const text = report.explanation.join(' ');
    expect(text).not.toContain('no healthy region there offers a type that fits');
    expect(text).toContain('bastion-prod-aws-01 runs on Arm (m6g.large)');
    expect(text).toContain('2 x86 types do (cheapest: e2-standard-2 in gcp europe-west1 at $53.29/month)');
    expect(text).toContain('--allow-arch-change');
    expect(text).toContain('steward:arch=any');
  });

  it('with --allow-arch-change replaces it on the cheapest x86 type in its geography, and the checker agrees', async () => {
    const { report } = await run(true);
    expect(report.feasible).toBe(true);
    expect(report.replacements.map((r) => `${r.name} → ${r.to.provider}/${r.to.region}/${r.to.type}`)).toEqual(['bastion-prod-aws-01 → gcp/europe-west1/e2-standard-2']);
    expect(report.violations).toEqual([]);
  });
});
