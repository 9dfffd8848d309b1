/**
 * `inventory` and `cost` answer from the real AWS, Azure and Google Cloud adapters exactly as from the demo:
 * the composition root builds them from STEWARD_PROVIDERS, the SDKs talk HTTP to msw, the CLI prints --json.
 */
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/lib/logger.js';
import { bootstrap, type App } from '../../src/main.js';
import { loadPriceCatalog } from '../../src/pricing/catalog.js';
import { runCliCommand } from '../../src/surfaces/cli/cli.js';
import { ec2, ec2Error, ec2Fixture } from '../msw/aws.js';
import { ARM, armCredential, azureFixture, subscriptionLists } from '../msw/azure.js';
import { aggregatedInstances, fakeAuth, gcpFixture } from '../msw/gcp.js';

const SUB = 'ea42f556-5106-4743-99b0-c129bfa71a47';
const P = 'cloud-custodian';
const server = setupServer(
  ec2('us-east-1', { DescribeInstances: () => ec2Fixture('DescribeInstances.modern.ours.xml'), DescribeVolumes: () => ec2Fixture('DescribeVolumes.modern.ours.xml') }),
  ec2('eu-west-1', {
    DescribeInstances: () => ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403, 'req-euw1'),
    DescribeVolumes: () => ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403, 'req-euw1'),
  }),
  ...subscriptionLists(SUB, {
    vms: [azureFixture('virtualMachines_listAll.recorded.json').value, azureFixture('virtualMachines_listAll.priced.ours.json').value],
    statusOnly: [azureFixture('virtualMachines_listAll_statusOnly.ours.json').value],
    nics: [azureFixture('networkInterfaces_listAll.ours.json').value],
    pips: [azureFixture('publicIPAddresses_listAll.ours.json').value],
  }),
  http.get(`${ARM}/subscriptions/${SUB}/providers/Microsoft.Compute/locations/:location/vmSizes`, () => HttpResponse.json(azureFixture('VirtualMachine_ListAvailableVmSizes.json'))),
  aggregatedInstances(P, [gcpFixture('compute.instances.aggregatedList.json').items]),
);

const credential = armCredential();
let app: App;

async function cli(argv: string[]): Promise<{ code: number; json: any }> {
  let out = '';
  const code = await runCliCommand(app.dispatcher, argv, { stdout: (s) => void (out += s), stderr: () => undefined });
  return { code, json: JSON.parse(out) };
}

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'error' });
  const config = loadConfig({
    STEWARD_DATA_DIR: 'memory://',
    LOG_LEVEL: 'silent',
    STEWARD_PROVIDERS: 'aws,azure,gcp',
    AWS_REGIONS: 'us-east-1,eu-west-1',
    AZURE_SUBSCRIPTION_IDS: SUB,
    GCP_PROJECT_IDS: P,
  });
  app = await bootstrap(config, {
    log: silentLogger(),
    providerDeps: {
      aws: { credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'fake' }, retryStrategy: new ConfiguredRetryStrategy(1, () => 1) },
      azure: { credential, retryOptions: { maxRetries: 0 } },
      gcp: { authClient: fakeAuth(), retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } },
    },
  });
});
afterAll(async () => {
  await app?.close();
  server.close();
});

describe('inventory and cost on the real adapters', () => {
  it('inventory --json lists all three clouds, prices what the catalog knows and labels the forbidden region', async () => {
    const { code, json } = await cli(['inventory', '--json']);
    expect(code).toBe(0);
    expect(json.total).toBe(1 + 2 + 4);
    expect(json.instances.map((i: any) => `${i.provider}/${i.name}`).sort()).toEqual([
      'aws/web-1', 'azure/cctestvm', 'azure/web-eu-1', 'gcp/c7n-jenkins', 'gcp/custodian', 'gcp/custodian-dev', 'gcp/drone',
    ]);
    expect(json.partial).toBe(true);
    expect(json.gaps).toEqual([expect.objectContaining({ provider: 'aws', region: 'eu-west-1', code: 'PROVIDER.FORBIDDEN' })]);
    expect(json.instances.find((i: any) => i.name === 'cctestvm')).toMatchObject({ priced: false, hourlyUsd: null, state: 'running' });
    const catalog = loadPriceCatalog();
    const hourly = (cloud: 'aws' | 'gcp', region: string, type: string) => {
      const p = catalog.price(cloud, region, type);
      return p.kind === 'priced' ? p.hourlyMicros : NaN;
    };
    const expectedMonthly = ((hourly('aws', 'us-east-1', 't3.medium') + hourly('gcp', 'us-central1', 'n1-standard-1')) * 730) / 1e6;
    expect(json.monthlyUsd).toBeCloseTo(expectedMonthly, 6);
  });

  it('cost --json groups the same estate by provider and counts unpriced running instances, not as zero', async () => {
    const { code, json } = await cli(['cost', '--json', '--refresh']);
    expect(code).toBe(0);
    expect(json.groups.map((g: any) => g.key).sort()).toEqual(['aws', 'azure', 'gcp']);
    expect(json.unpricedRunning).toBe(2); // cctestvm (Standard_A1_v2) and custodian (n1-standard-2 in us-east1)
    expect(json.groups.find((g: any) => g.key === 'azure')).toMatchObject({ monthlyUsd: 0, unpriced: 1 });
    expect(json.partial).toBe(true);
  });
});
