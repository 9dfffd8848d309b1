import type { TokenCredential } from '@azure/core-auth';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../../src/domain/model/errors.js';
import type { PlanStep } from '../../../src/domain/model/plan.js';
import type { Gap } from '../../../src/domain/ports/cloud-provider.port.js';
import { toArray } from '../../../src/lib/collections.js';
import { loadPriceCatalog } from '../../../src/pricing/catalog.js';
import { createAzureProvider, type AzureProviderDeps } from '../../../src/providers/azure/index.js';
import { useMswServer } from '../../support/msw.js';
import { ARM, armError, armCredential, armList, armLro, azureFixture, subscriptionLists, type ArmCall } from '../../msw/azure.js';

const server = useMswServer();

const SUB = 'ea42f556-5106-4743-99b0-c129bfa71a47';
const SUB2 = '11111111-2222-3333-4444-555555555555';
const catalog = loadPriceCatalog();
const tokens: string[] = [];
const credential = armCredential({ onScopes: () => tokens.push('fake-arm-token') });
const fast: AzureProviderDeps = { credential, retryOptions: { maxRetries: 2, retryDelayInMs: 1, maxRetryDelayInMs: 5 }, pollIntervalMs: 1 };
const azure = (subs: string[] = [SUB], deps: AzureProviderDeps = {}, subnets: Record<string, string> = {}) =>
  createAzureProvider({ subscriptionIds: subs, catalog, subnets }, { ...fast, ...deps });

const recorded = () => azureFixture('virtualMachines_listAll.recorded.json').value;
const priced = () => azureFixture('virtualMachines_listAll.priced.ours.json').value;
const statusOnly = () => azureFixture('virtualMachines_listAll_statusOnly.ours.json').value;
const nics = () => azureFixture('networkInterfaces_listAll.ours.json').value;
const pips = () => azureFixture('publicIPAddresses_listAll.ours.json').value;
const sizes = (location: string) =>
  http.get(`${ARM}/subscriptions/:sub/providers/Microsoft.Compute/locations/${location}/vmSizes`, () => HttpResponse.json(azureFixture('VirtualMachine_ListAvailableVmSizes.json')));

describe('Azure adapter: inventory', () => {
  it('pages through every list, joins power state, NICs and public IPs, sizes and prices each VM', async () => {
    const calls: ArmCall[] = [];
    server.use(...subscriptionLists(SUB, { vms: [recorded(), priced()], statusOnly: [statusOnly()], nics: [nics()], pips: [pips()] }, calls), sizes('southcentralus'));
    const found = await toArray(azure().listInstances({}));
    expect(calls.filter((c) => c.path.endsWith('/virtualMachines') && !c.query.statusOnly).map((c) => c.query.$skiptoken)).toEqual([undefined, '1']);
    const cc = found.find((i) => i.name === 'cctestvm');
    expect(cc).toMatchObject({
      provider: 'azure',
      account: SUB,
      region: 'southcentralus',
      type: 'Standard_A1_v2',
      vcpu: 1,
      memoryGiB: 2,
      state: 'running',
      tags: { testtag: 'testvalue' },
      publicIps: ['40.84.10.20'],
      privateIps: ['10.0.0.4'],
      disks: [
        { id: expect.stringMatching(/cctestvm_OsDisk_1/), sizeGiB: 30, encrypted: true },
        { id: expect.stringMatching(/cctestvm_disk2/), sizeGiB: 1023, encrypted: true },
      ],
      price: { kind: 'unpriced', reason: 'Standard_A1_v2 is not in the azure price catalog' },
    });
    const web = found.find((i) => i.name === 'web-eu-1');
    expect(web).toMatchObject({ region: 'westeurope', zone: 'westeurope-2', type: 'Standard_D2s_v3', vcpu: 2, memoryGiB: 8, state: 'stopped', publicIps: [], privateIps: ['10.1.0.5'], launchedAt: '2024-02-01T08:00:00.000Z' });
    expect(web?.price).toMatchObject({ kind: 'priced' });
    expect(tokens.length).toBeGreaterThan(0);
  });

  it('reads through an endpoint override, following its nextLinks, with tokens still for the ARM audience', async () => {
    const origin = 'https://arm.proxy.example.internal';
    const scopes: string[] = [];
    const calls: ArmCall[] = [];
    server.use(...subscriptionLists(SUB, { vms: [priced(), []], statusOnly: [statusOnly()], nics: [nics()], pips: [pips()] }, calls, origin));
    const watched: TokenCredential = { getToken: async (s) => (scopes.push(...[s].flat()), credential.getToken(s)) };
    const found = await toArray(azure([SUB], { credential: watched, endpoint: origin }).listInstances({}));
    expect(found.map((i) => i.name)).toContain('web-eu-1');
    expect(calls.filter((c) => c.path.endsWith('/virtualMachines') && !c.query.statusOnly)).toHaveLength(2);
    expect(new Set(scopes)).toEqual(new Set(['https://management.azure.com/.default']));
  });

  it('retries a 429 from ARM and then answers', async () => {
    let n = 0;
    server.use(
      armList(`/subscriptions/${SUB}/providers/Microsoft.Compute/virtualMachines`, [priced()], {
        when: (q) => q.get('statusOnly') !== 'true',
        respond: () => (++n === 1 ? armError(429, 'TooManyRequests', 'The request is being throttled.', 'req-429', { 'Retry-After': '0' }) : undefined),
      }),
      ...subscriptionLists(SUB, { vms: [[]], statusOnly: [statusOnly()] }).slice(0, 1),
      ...subscriptionLists(SUB, { vms: [[]], statusOnly: [[]] }).slice(2),
    );
    const found = await toArray(azure().listInstances({}));
    expect(found.map((i) => i.name)).toEqual(['web-eu-1']);
    expect(n).toBe(2);
  });

  it('labels a forbidden subscription as a gap with the ARM code and request id, while the other answers', async () => {
    server.use(
      ...subscriptionLists(SUB, { vms: [priced()], statusOnly: [statusOnly()] }),
      http.get(`${ARM}/subscriptions/${SUB2}/providers/:ns/:type`, () =>
        armError(403, 'AuthorizationFailed', "The client 'abc' with object id 'abc' does not have authorization to perform action 'Microsoft.Compute/virtualMachines/read'", 'req-403'),
      ),
    );
    const gaps: Gap[] = [];
    const found = await toArray(azure([SUB, SUB2]).listInstances({}, { onGap: (g) => gaps.push(g) }));
    expect(found.map((i) => i.account)).toEqual([SUB]);
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({ provider: 'azure', account: SUB2, code: 'PROVIDER.FORBIDDEN' });
    expect(gaps[0]?.message).toMatch(/AuthorizationFailed, request req-403/);
  });

  it('without credentials or subscriptions throws PROVIDER.AUTH naming what to set', async () => {
    const noCred: TokenCredential = {
      getToken: async () => {
        throw Object.assign(new Error('EnvironmentCredential is unavailable. ManagedIdentityCredential: no response'), { name: 'CredentialUnavailableError' });
      },
    };
    const e1 = (await toArray(azure([SUB], { credential: noCred }).listInstances({})).catch((e: unknown) => e)) as ProviderError;
    expect([e1.code, e1.message]).toEqual(['PROVIDER.AUTH', expect.stringMatching(/AZURE_CLIENT_ID.*az login/)]);
    const e2 = (await toArray(azure([]).listInstances({})).catch((e: unknown) => e)) as ProviderError;
    expect([e2.code, e2.message]).toEqual(['PROVIDER.AUTH', expect.stringMatching(/AZURE_SUBSCRIPTION_IDS/)]);
  });
});

const VM_ID = `/subscriptions/${SUB}/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/web-eu-1`;
const VM_PATH = `/subscriptions/${SUB}/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/web-eu-1`;
const D4S_V3 = { name: 'Standard_D4s_v3', numberOfCores: 4, memoryInMB: 16384 };
const E64S_V3 = { name: 'Standard_E64s_v3', numberOfCores: 64, memoryInMB: 442368 };
/** What a resize of the VM in westeurope reads first: the sizes its cluster takes, the sizes the region offers, and
 * the region's vCPU usage against its quota. */
const resizeReads = (sizes: { cluster: object[]; region: object[] }) => [
  http.get(`${ARM}${VM_PATH}/vmSizes`, () => HttpResponse.json({ value: sizes.cluster })),
  http.get(`${ARM}/subscriptions/${SUB}/providers/Microsoft.Compute/locations/westeurope/vmSizes`, () => HttpResponse.json({ value: sizes.region })),
  http.get(`${ARM}/subscriptions/${SUB}/providers/Microsoft.Compute/locations/westeurope/usages`, () => HttpResponse.json(azureFixture('usages_list.ours.json'))),
];
const ref = { provider: 'azure' as const, account: SUB, region: 'westeurope', id: VM_ID };
const base = { id: 's1', target: ref, targetName: 'web-eu-1', expect: {}, reason: 'test' };

/** GET of the VM (with instance view) and its NIC, with a power state the test controls. */
function liveVm(state: { power: string; size?: string }) {
  return [
    http.get(`${ARM}${VM_PATH}`, () => {
      const vm = structuredClone(priced()[0]);
      if (state.size) vm.properties.hardwareProfile.vmSize = state.size;
      vm.properties.instanceView = { statuses: [{ code: 'ProvisioningState/succeeded' }, { code: state.power }] };
      return HttpResponse.json(vm);
    }),
    http.get(`${ARM}/subscriptions/${SUB}/resourceGroups/rg-web/providers/Microsoft.Network/networkInterfaces/web-eu-1-nic`, () => HttpResponse.json(nics()[1])),
  ];
}

describe('Azure adapter: actions', () => {
  it('stops (deallocates) through a long-running operation, polling Azure-AsyncOperation until it succeeds', async () => {
    const calls: ArmCall[] = [];
    server.use(...liveVm({ power: 'PowerState/running' }), ...armLro('post', `${VM_PATH}/deallocate`, { polls: 3, calls }));
    const res = await azure().apply({ ...base, kind: 'stop' }, { dryRun: false });
    expect(res).toMatchObject({ ok: true, mode: 'applied', before: { state: 'running', type: 'Standard_D2s_v3' } });
    expect(calls.map((c) => c.method + ' ' + c.path.split('/').pop())).toEqual(['POST deallocate', 'GET op-1', 'GET op-1', 'GET op-1', 'GET op-1']);
  });

  it('turns a failed long-running operation into a ProviderError with the ARM code', async () => {
    server.use(...liveVm({ power: 'PowerState/deallocated' }), ...armLro('post', `${VM_PATH}/start`, { polls: 1, fail: { code: 'OperationNotAllowed', message: 'Operation results in exceeding quota limits of Core.' } }));
    const err = (await azure().apply({ ...base, kind: 'start' }, { dryRun: false }).catch((e: unknown) => e)) as ProviderError;
    expect(err).toBeInstanceOf(ProviderError);
    expect([err.code, err.nativeCode]).toEqual(['PROVIDER.INVALID', 'OperationNotAllowed']);
  });

  it('preflights a resize without changing anything: size offered, quota, state, and says it is a preflight', async () => {
    const calls: ArmCall[] = [];
    server.use(
      ...liveVm({ power: 'PowerState/running' }),
      ...resizeReads({ cluster: [], region: [D4S_V3] }),
      http.all(`${ARM}/*`, ({ request }) => {
        calls.push({ method: request.method, path: new URL(request.url).pathname, query: {}, at: 0 });
        return armError(500, 'Unexpected', 'no route');
      }),
    );
    const res = await azure().apply({ ...base, kind: 'resize', toType: 'Standard_D4s_v3' } as PlanStep, { dryRun: true });
    expect(res).toMatchObject({ ok: true, mode: 'preflight' });
    expect(res.message).toMatch(/Standard_D2s_v3 → Standard_D4s_v3 \(deallocate, resize, start; .*vCPU quota 12\/20/);
    expect(calls).toEqual([]);
  });

  it('refuses a resize the regional vCPU quota cannot hold', async () => {
    server.use(
      ...liveVm({ power: 'PowerState/running' }),
      ...resizeReads({ cluster: [E64S_V3], region: [E64S_V3] }),
    );
    const err = (await azure().apply({ ...base, kind: 'resize', toType: 'Standard_E64s_v3' } as PlanStep, { dryRun: true }).catch((e: unknown) => e)) as ProviderError;
    expect([err.code, err.message]).toEqual(['PROVIDER.INVALID', 'regional vCPU quota in westeurope would be exceeded: 10 + 62 > 20']);
  });

  it('resizes a running VM whose cluster lacks the size: deallocate, PATCH the size, start', async () => {
    const calls: ArmCall[] = [];
    server.use(
      ...liveVm({ power: 'PowerState/running' }),
      ...resizeReads({ cluster: [], region: [D4S_V3] }),
      ...armLro('post', `${VM_PATH}/deallocate`, { polls: 1, calls }),
      ...armLro('patch', VM_PATH, { polls: 1, calls, result: azureFixture('virtualMachines_update_resize.libcloud.json'), initialStatus: 200 }),
      ...armLro('post', `${VM_PATH}/start`, { polls: 1, calls }),
    );
    const res = await azure().apply({ ...base, kind: 'resize', toType: 'Standard_D4s_v3' } as PlanStep, { dryRun: false });
    expect(res).toMatchObject({ ok: true, mode: 'applied', message: expect.stringMatching(/deallocate, resize, start/) });
    const writes = calls.filter((c) => c.method !== 'GET');
    expect(writes.map((c) => `${c.method} ${c.path.split('/').pop()}`)).toEqual(['POST deallocate', 'PATCH web-eu-1', 'POST start']);
    expect(writes[1]?.body).toMatchObject({ properties: { hardwareProfile: { vmSize: 'Standard_D4s_v3' } } });
  });

  it('preflights a failover create: names the missing subnet variable', async () => {
    server.use(
      ...liveVm({ power: 'PowerState/running' }),
      http.get(`${ARM}/subscriptions/${SUB}/providers/Microsoft.Compute/locations/northeurope/vmSizes`, () => HttpResponse.json({ value: [{ name: 'Standard_D2s_v3', numberOfCores: 2, memoryInMB: 8192 }] })),
    );
    const step = { ...base, kind: 'create', name: 'web-eu-1-ne', placement: { provider: 'azure', account: SUB, region: 'northeurope', type: 'Standard_D2s_v3' }, fromSnapshotStep: 's0', tags: {} } as PlanStep;
    const err = (await azure().apply(step, { dryRun: true }).catch((e: unknown) => e)) as ProviderError;
    expect([err.code, err.message]).toEqual(['PROVIDER.INVALID', 'no subnet for replacement VMs in northeurope: add northeurope=<subnet id> to AZURE_SUBNET_IDS']);
  });

  it('describe() returns undefined when ARM says the VM is gone', async () => {
    server.use(http.get(`${ARM}${VM_PATH}`, () => armError(404, 'ResourceNotFound', "The Resource 'Microsoft.Compute/virtualMachines/web-eu-1' was not found.")));
    expect(await azure().describe(ref)).toBeUndefined();
  });
});

describe('Azure adapter: posture and utilization', () => {
  it('reports SSH open through the NIC security group, and the public IP', async () => {
    server.use(
      ...subscriptionLists(SUB, { vms: [recorded()], statusOnly: [statusOnly()], nics: [nics()], pips: [pips()], nsgs: [azureFixture('networkSecurityGroups_listAll.recorded.json').value] }),
      sizes('southcentralus'),
    );
    const findings = await toArray(azure().securityPosture({}));
    expect(findings.map((f) => [f.resource.name, f.checkId]).sort()).toEqual([
      ['cctestvm', 'network_ssh_internet_access_restricted'],
      ['cctestvm', 'vm_public_ip'],
    ]);
    expect(findings.find((f) => f.checkId === 'network_ssh_internet_access_restricted')?.detail).toMatch(/k8s-master-C02B7042-nsg rule allow_ssh/);
  });

  it('computes CPU and memory percentiles from hourly Azure Monitor averages', async () => {
    server.use(
      http.get(`${ARM}${VM_PATH}/providers/Microsoft.Insights/metrics`, ({ request }) => {
        const q = new URL(request.url).searchParams;
        expect([q.get('interval'), q.get('aggregation'), q.get('metricnames')]).toEqual(['PT1H', 'Average', 'Percentage CPU,Available Memory Bytes']);
        const points = (vals: number[]) => vals.map((average, h) => ({ timeStamp: new Date(Date.UTC(2024, 4, 1, h)).toISOString(), average }));
        return HttpResponse.json({
          timespan: q.get('timespan'),
          interval: 'PT1H',
          value: [
            { id: 'cpu', type: 'Microsoft.Insights/metrics', name: { value: 'Percentage CPU' }, unit: 'Percent', timeseries: [{ data: points([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]) }] },
            { id: 'mem', type: 'Microsoft.Insights/metrics', name: { value: 'Available Memory Bytes' }, unit: 'Bytes', timeseries: [{ data: points([6, 6, 6, 6, 6, 6, 6, 6, 6, 2].map((g) => g * 1024 ** 3)) }] },
          ],
        });
      }),
      http.get(`${ARM}${VM_PATH}`, () => HttpResponse.json(priced()[0])),
    );
    const [u] = await azure().utilization([ref], { days: 7, end: new Date('2024-05-02T00:00:00Z') });
    expect(u).toMatchObject({ samples: 10, cpuP50: 50, cpuP95: 100, memP95: 75 });
  });
});
