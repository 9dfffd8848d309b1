/**
 * Regions come from the providers, not from a table in the domain: instances that live in ap-southeast-2 (a region
 * neither the price catalog nor the seed table has) can be failed over, scoped with --region, and are shown as
 * unpriced, never "$0.00/mo". The AWS adapter says what its region codes mean (ap-* is Asia Pacific).
 */
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { toPlainText } from '../../src/core/render-text.js';
import { geographyOf } from '../../src/domain/model/cloud.js';
import { silentLogger } from '../../src/lib/logger.js';
import { bootstrap, type App } from '../../src/main.js';
import { awsRegionInfo } from '../../src/providers/aws/regions.js';
import { azureRegionInfo } from '../../src/providers/azure/regions.js';
import { gcpRegionInfo } from '../../src/providers/gcp/regions.js';
import { cloudwatch, ec2, ec2Fixture, xml } from '../msw/aws.js';
import { fixture } from '../msw/fixtures.js';
import { aggregatedInstances, fakeAuth, gcpFixture } from '../msw/gcp.js';
import { alice } from '../support/app.js';

const P = 'cloud-custodian';
const sydney = () => xml(fixture('aws/DescribeInstances.modern.ours.xml').replaceAll('us-east-1a', 'ap-southeast-2a'));
const metrics = (body: { MetricDataQueries: { Id: string }[] }) =>
  Response.json({ MetricDataResults: body.MetricDataQueries.map((q) => ({ Id: q.Id, StatusCode: 'Complete', Timestamps: [1, 2, 3, 4], Values: [30, 30, 30, 30] })), Messages: [] });
const server = setupServer(
  ec2('ap-southeast-2', { DescribeInstances: sydney, DescribeVolumes: () => ec2Fixture('DescribeVolumes.modern.ours.xml') }),
  cloudwatch('ap-southeast-2', { GetMetricData: metrics }),
  // Google Cloud has instances of its own (so a plan may create there), none in Asia Pacific.
  aggregatedInstances(P, [gcpFixture('compute.instances.aggregatedList.json').items]),
);

let app: App;
beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'error' });
  app = await bootstrap(loadConfig({ STEWARD_DATA_DIR: 'memory://', LOG_LEVEL: 'silent', STEWARD_PROVIDERS: 'aws,gcp', AWS_REGIONS: 'ap-southeast-2', GCP_PROJECT_IDS: P }), {
    log: silentLogger(),
    providerDeps: {
      aws: { credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x' }, retryStrategy: new ConfiguredRetryStrategy(1, () => 1) },
      gcp: { authClient: fakeAuth(), retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } },
    },
  });
});
afterAll(async () => {
  await app?.close();
  server.close();
});
const run = (text: string) => app.dispatcher.run({ text, actor: alice, surface: 'console' });

describe('regions come from the providers', () => {
  it('each adapter says what its region names mean', () => {
    expect(awsRegionInfo('ap-southeast-2')).toMatchObject({ geography: 'apac', label: 'Sydney' });
    expect(awsRegionInfo('eu-south-2')?.geography).toBe('eu');
    expect(awsRegionInfo('us-gov-west-1')?.geography).toBe('us');
    expect(awsRegionInfo('me-central-1')?.geography).toBe('other');
    expect(awsRegionInfo('eu-west1')).toBeUndefined();
    expect(azureRegionInfo('australiaeast')?.geography).toBe('apac');
    expect(azureRegionInfo('germanywestcentral')?.geography).toBe('eu');
    expect(azureRegionInfo('southcentralus')?.geography).toBe('us');
    expect(azureRegionInfo('brazilsouth')?.geography).toBe('other');
    expect(gcpRegionInfo('australia-southeast1')?.geography).toBe('apac');
    expect(gcpRegionInfo('europe-north1')?.geography).toBe('eu');
    expect(gcpRegionInfo('northamerica-northeast1')?.geography).toBe('other');
  });

  it('inventory shows instances in a region the catalog does not price as unpriced, never $0.00/mo, and learns its geography', async () => {
    const r = await run('inventory');
    expect(r.outcome).toBe('ok');
    const text = toPlainText(r.reply);
    const sydneyRows = text.split('\n').filter((l) => l.includes('ap-southeast-2'));
    expect(sydneyRows.some((l) => /^aws\s+ap-southeast-2\s+1\s+1\s+unpriced$/.test(l.trim()))).toBe(true);
    for (const l of sydneyRows) expect(l).not.toMatch(/\$0\.00/);
    expect(text).toMatch(/Monthly run-rate\s+\$[\d,.]+\/mo \+ \d+ unpriced/);
    expect((r.data as any).instances.filter((i: any) => i.region === 'ap-southeast-2')).toEqual([expect.objectContaining({ priced: false, hourlyUsd: null })]);
    expect(geographyOf('ap-southeast-2')).toBe('apac');
  });

  it('cost says unpriced for the region instead of $0.00', async () => {
    const r = await run('cost --by region');
    expect(r.outcome).toBe('ok');
    const text = toPlainText(r.reply);
    const sydneyRows = text.split('\n').filter((l) => l.includes('ap-southeast-2'));
    expect(sydneyRows.length).toBeGreaterThanOrEqual(2);
    for (const l of sydneyRows) {
      expect(l).toMatch(/unpriced/);
      expect(l).not.toMatch(/\$0\.00/);
    }
  });

  it('failover ap-southeast-2 is accepted and places the replacement in Asia Pacific', async () => {
    const r = await run('failover ap-southeast-2');
    expect(toPlainText(r.reply)).not.toMatch(/not a region Steward knows|neither a provider/);
    expect(r.outcome).toBe('ok');
    const d = r.data as { feasible: boolean; replacements: { name: string; to: { provider: string; region: string } }[] };
    expect(d.feasible).toBe(true);
    expect(d.replacements.map((x) => x.name)).toEqual(['web-1']);
    expect(geographyOf(d.replacements[0]?.to.region ?? '')).toBe('apac');
  });

  it('optimize --region ap-southeast-2 is accepted; a region nobody knows is still refused with the list', async () => {
    const ok = await run('optimize --region ap-southeast-2 --in-place');
    expect(toPlainText(ok.reply)).not.toMatch(/not a region Steward knows/);
    expect(ok.outcome).toBe('ok');
    const bad = await run('failover xx-nowhere-9');
    expect(bad.outcome).toBe('usage');
    expect(toPlainText(bad.reply)).toMatch(/xx-nowhere-9.*neither a provider.*ap-southeast-2/s);
  });
});
