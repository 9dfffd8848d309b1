/**
 * The security checks on real recorded responses: each adapter reads them through its real SDK client (msw serves the
 * documents), normalizes the posture, and the checks judge it.
 */
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ResourcePosture } from '../../../src/domain/model/posture.js';
import { SECURITY_CHECKS } from '../../../src/domain/security/checks.js';
import { toArray } from '../../../src/lib/collections.js';
import { loadPriceCatalog } from '../../../src/pricing/catalog.js';
import { createAwsProvider } from '../../../src/providers/aws/index.js';
import { createAzureProvider } from '../../../src/providers/azure/index.js';
import { createGcpProvider } from '../../../src/providers/gcp/index.js';
import { ec2, ec2Fixture } from '../../msw/aws.js';
import { ARM, armCredential, azureFixture, subscriptionLists } from '../../msw/azure.js';
import { aggregatedInstances, compute, fakeAuth, gcpFixture } from '../../msw/gcp.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());
const catalog = loadPriceCatalog();

const failing = (p: ResourcePosture | undefined) => (p ? SECURITY_CHECKS.filter((c) => c.evaluate(p).length > 0).map((c) => c.id).sort() : []);

describe('checks on recorded AWS responses', () => {
  it('finds SSH and RDP open in the botocore security groups, IMDSv1, unencrypted volumes and public IPs', async () => {
    server.use(
      ec2('us-west-2', {
        DescribeInstances: () => ec2Fixture('DescribeInstances.botocore.xml'),
        DescribeVolumes: () => ec2Fixture('DescribeVolumes.botocore.xml'),
        DescribeSecurityGroups: () => ec2Fixture('DescribeSecurityGroups.botocore.xml'),
        DescribeInstanceTypes: () => ec2Fixture('DescribeInstanceTypes.ours.xml'),
      }),
      ec2('us-east-1', {
        DescribeInstances: () => ec2Fixture('DescribeInstances.modern.ours.xml'),
        DescribeVolumes: () => ec2Fixture('DescribeVolumes.modern.ours.xml'),
        DescribeSecurityGroups: () => ec2Fixture('DescribeSecurityGroups.modern.ours.xml'),
      }),
    );
    const aws = createAwsProvider({ regions: ['us-west-2', 'us-east-1'], catalog }, { credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x' }, retryStrategy: new ConfiguredRetryStrategy(2, () => 5) });
    const postures = await toArray(aws.posture!({}));
    aws.close();
    const of = (id: string) => failing(postures.find((p) => p.resource.id === id));
    expect(of('i-fde9cece')).toContain('aws-sg-ssh');
    expect(of('i-78f1b94a')).toEqual(expect.arrayContaining(['aws-sg-rdp', 'aws-public-ip']));
    expect(of('i-0abc1234def567890')).toEqual(expect.arrayContaining(['aws-sg-ssh', 'aws-imdsv2', 'aws-ebs-encryption', 'aws-public-ip']));
    // The same estate passes the checks its documents give no reason to fail.
    expect(of('i-fde9cece')).not.toContain('aws-sg-rdp');
  });
});

describe('checks on recorded Azure responses', () => {
  it('finds SSH open to * in the recorded k8s master NSG on the NIC of cctestvm', async () => {
    const credential = armCredential({ token: 't' });
    const SUB = 'ea42f556-5106-4743-99b0-c129bfa71a47';
    server.use(
      ...subscriptionLists(SUB, {
        vms: [azureFixture('virtualMachines_listAll.recorded.json').value],
        statusOnly: [azureFixture('virtualMachines_listAll_statusOnly.ours.json').value],
        nics: [azureFixture('networkInterfaces_listAll.ours.json').value],
        pips: [azureFixture('publicIPAddresses_listAll.ours.json').value],
        nsgs: [azureFixture('networkSecurityGroups_listAll.recorded.json').value],
      }),
      http.get(`${ARM}/subscriptions/:sub/providers/Microsoft.Compute/locations/southcentralus/vmSizes`, () => HttpResponse.json(azureFixture('VirtualMachine_ListAvailableVmSizes.json'))),
    );
    const azure = createAzureProvider({ subscriptionIds: [SUB], catalog }, { credential, retryOptions: { maxRetries: 1, retryDelayInMs: 1, maxRetryDelayInMs: 5 } });
    const [vm] = await toArray(azure.posture!({}));
    expect(vm?.resource.name).toBe('cctestvm');
    expect(vm?.ingress.find((r) => r.fromPort === 22)?.via).toMatch(/k8s-master-C02B7042-nsg rule allow_ssh/);
    expect(failing(vm)).toContain('azure-nsg-ssh');
    expect(failing(vm)).not.toContain('azure-nsg-rdp');
    expect(failing(vm)).not.toContain('azure-managed-disks');
  });
});

describe('checks on recorded Google Cloud responses', () => {
  it('finds the libcloud default-ssh firewall, the default service account, external IPs and missing Shielded VM', async () => {
    const P = 'cloud-custodian';
    server.use(aggregatedInstances(P, [gcpFixture('compute.instances.aggregatedList.json').items]), compute(P, { 'GET global/firewalls': () => HttpResponse.json(gcpFixture('compute.firewalls.list.libcloud.json')) }));
    const gcp = createGcpProvider({ projectIds: [P], catalog }, { authClient: fakeAuth(), retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 5 }, timeoutMs: 5000 });
    const postures = await toArray(gcp.posture!({}));
    await gcp.close();
    const jenkins = postures.find((p) => p.resource.name === 'c7n-jenkins');
    expect(failing(jenkins)).toEqual(expect.arrayContaining(['gcp-fw-ssh', 'gcp-default-sa', 'gcp-public-ip', 'gcp-shielded-vm']));
    expect(failing(jenkins)).not.toContain('gcp-fw-rdp');
    expect(SECURITY_CHECKS.find((c) => c.id === 'gcp-fw-ssh')?.evaluate(jenkins!)).toEqual(['firewall default-ssh allows tcp/22 from 0.0.0.0/0']);
  });
});
