/**
 * One setting per cloud points its SDK at another endpoint (a VPC / Private Service Connect endpoint, a sovereign
 * cloud, an emulator): AWS_ENDPOINT_URL, AZURE_RESOURCE_MANAGER_ENDPOINT (+ its token audience), GCP_API_ENDPOINT.
 * Each is read by the configuration, wired by the composition root, and answered by msw at the custom host only
 * (any call to the public endpoints is an unhandled request and fails the test).
 */
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/lib/logger.js';
import { bootstrap, type App } from '../../src/main.js';
import { runCliCommand } from '../../src/surfaces/cli/cli.js';
import { ec2, ec2Fixture, type Ec2Call } from '../msw/aws.js';
import { armCredential, azureFixture, subscriptionLists, type ArmCall } from '../msw/azure.js';
import { aggregatedInstances, fakeAuth, gcpFixture } from '../msw/gcp.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

let app: App | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function inventory(env: Record<string, string>, deps: NonNullable<NonNullable<Parameters<typeof bootstrap>[1]>['providerDeps']>): Promise<any> {
  app = await bootstrap(loadConfig({ STEWARD_DATA_DIR: 'memory://', LOG_LEVEL: 'silent', ...env }), { log: silentLogger(), providerDeps: deps });
  let out = '';
  const code = await runCliCommand(app.dispatcher, ['inventory', '--json'], { stdout: (s) => void (out += s), stderr: () => undefined });
  expect(code).toBe(0);
  return JSON.parse(out);
}

const SUB = 'ea42f556-5106-4743-99b0-c129bfa71a47';

describe('endpoint settings per cloud', () => {
  it('AWS_ENDPOINT_URL sends every EC2 call to that host, {region} filled in', async () => {
    const calls: Ec2Call[] = [];
    server.use(
      ...['us-east-1', 'eu-west-1'].map((r) =>
        ec2(r, { DescribeInstances: () => ec2Fixture('DescribeInstances.modern.ours.xml'), DescribeVolumes: () => ec2Fixture('DescribeVolumes.modern.ours.xml') }, calls, `https://ec2.${r}.emulator.example.test/`),
      ),
    );
    const json = await inventory(
      { STEWARD_PROVIDERS: 'aws', AWS_REGIONS: 'us-east-1,eu-west-1', AWS_ENDPOINT_URL: 'https://ec2.{region}.emulator.example.test' },
      { aws: { credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x' } } },
    );
    expect(json.partial).toBe(false);
    expect(json.instances.map((i: any) => i.region).sort()).toEqual(['eu-west-1', 'us-east-1']);
    expect(new Set(calls.map((c) => c.region))).toEqual(new Set(['us-east-1', 'eu-west-1']));
  });

  it('AZURE_RESOURCE_MANAGER_ENDPOINT reads a sovereign cloud, with tokens for its own audience', async () => {
    const origin = 'https://management.usgovcloudapi.net';
    const scopes: string[] = [];
    const calls: ArmCall[] = [];
    const credential = armCredential({ token: 'fake-gov-token', onScopes: (s) => scopes.push(...s) });
    server.use(
      ...subscriptionLists(
        SUB,
        {
          vms: [azureFixture('virtualMachines_listAll.priced.ours.json').value],
          statusOnly: [azureFixture('virtualMachines_listAll_statusOnly.ours.json').value],
          nics: [azureFixture('networkInterfaces_listAll.ours.json').value],
          pips: [azureFixture('publicIPAddresses_listAll.ours.json').value],
        },
        calls,
        origin,
      ),
    );
    const json = await inventory({ STEWARD_PROVIDERS: 'azure', AZURE_SUBSCRIPTION_IDS: SUB, AZURE_RESOURCE_MANAGER_ENDPOINT: origin }, { azure: { credential, retryOptions: { maxRetries: 0 } } });
    expect(json.partial).toBe(false);
    expect(json.instances.map((i: any) => i.name)).toContain('web-eu-1');
    expect(calls.length).toBeGreaterThan(0);
    expect(new Set(scopes)).toEqual(new Set(['https://management.core.usgovcloudapi.net/.default']));
  });

  it('AZURE_RESOURCE_MANAGER_AUDIENCE overrides the audience (a private link in front of the public cloud keeps public ARM by default)', () => {
    expect(loadConfig({ AZURE_RESOURCE_MANAGER_ENDPOINT: 'https://arm.proxy.example.internal/', AZURE_RESOURCE_MANAGER_AUDIENCE: 'https://management.azure.com/' }).azure).toMatchObject({
      endpoint: 'https://arm.proxy.example.internal',
      audience: 'https://management.azure.com/',
    });
  });

  it('GCP_API_ENDPOINT sends Compute Engine calls to that host', async () => {
    const P = 'cloud-custodian';
    server.use(aggregatedInstances(P, [gcpFixture('compute.instances.aggregatedList.json').items], { base: 'https://compute-psc.example.test/compute/v1' }));
    const json = await inventory({ STEWARD_PROVIDERS: 'gcp', GCP_PROJECT_IDS: P, GCP_API_ENDPOINT: 'https://compute-psc.example.test' }, { gcp: { authClient: fakeAuth(), retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } } });
    expect(json.partial).toBe(false);
    expect(json.instances.map((i: any) => i.name).sort()).toEqual(['c7n-jenkins', 'custodian', 'custodian-dev', 'drone']);
  });

  it('rejects endpoints that are not URLs, naming the variable', () => {
    expect(() => loadConfig({ AWS_ENDPOINT_URL: 'localhost:4566' })).toThrow(ConfigError);
    expect(() => loadConfig({ AWS_ENDPOINT_URL: 'localhost:4566' })).toThrow(/AWS_ENDPOINT_URL: expected an http\(s\) URL/);
    expect(() => loadConfig({ AZURE_RESOURCE_MANAGER_ENDPOINT: 'http://management.usgovcloudapi.net' })).toThrow(/AZURE_RESOURCE_MANAGER_ENDPOINT: expected the https origin/);
    expect(() => loadConfig({ GCP_API_ENDPOINT: 'compute-psc.example.test' })).toThrow(/GCP_API_ENDPOINT: expected the origin/);
  });
});
