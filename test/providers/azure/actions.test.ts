/**
 * Every step kind on Azure through the real SDK against a stateful msw ARM (test/msw/arm-state.ts): success, the
 * preflight refusal, a failure after a partial change (restored, or the exact state left), and a plan failing in its
 * middle, run by the real executor.
 */
import { describe, expect, it } from 'vitest';
import type { ProviderError } from '../../../src/domain/model/errors.js';
import type { PlanStep } from '../../../src/domain/model/plan.js';
import { StepLeftError } from '../../../src/domain/model/step-kinds.js';
import { loadPriceCatalog } from '../../../src/pricing/catalog.js';
import { mergeAzureTags } from '../../../src/providers/azure/actions.js';
import { createAzureProvider } from '../../../src/providers/azure/index.js';
import { armWorld, RG, SUB, VM_ID, type ArmWorld } from '../../msw/arm-state.js';
import { armCredential } from '../../msw/azure.js';
import { useMswServer } from '../../support/msw.js';
import { usePlanRunner } from '../../support/plan-runner.js';

const server = useMswServer();
const credential = armCredential();
const SUBNET = `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-ne/subnets/default`;
const provider = createAzureProvider(
  { subscriptionIds: [SUB], catalog: loadPriceCatalog(), subnets: { northeurope: SUBNET } },
  { credential, retryOptions: { maxRetries: 1, retryDelayInMs: 1, maxRetryDelayInMs: 2 }, pollIntervalMs: 1 },
);
const runner = usePlanRunner(provider);

const ref = { provider: 'azure' as const, account: SUB, region: 'westeurope', zone: 'westeurope-2', id: VM_ID };
const s = <T extends Partial<PlanStep>>(id: string, rest: T) => ({ id, target: ref, targetName: 'web-eu-1', reason: 'test', expect: {}, ...rest }) as PlanStep;
function world(setup: (w: ArmWorld) => void = () => undefined): ArmWorld {
  const w = armWorld();
  setup(w);
  server.use(...w.handlers());
  return w;
}
const failOf = (p: Promise<unknown>) => p.then(() => expect.fail('expected the step to fail'), (e: unknown) => e as ProviderError);
const snapshotId = `${RG}/providers/Microsoft.Compute/snapshots/web-eu-1-os-steward-20240501100000`;
const createStep = (tags: Record<string, string> = {}) =>
  s('s2', { kind: 'create', name: 'web-eu-1-ne', placement: { provider: 'azure', account: SUB, region: 'northeurope', type: 'Standard_D2s_v3' }, fromSnapshotStep: 's1', tags });

describe('Azure steps: start, stop, reboot', () => {
  it('reboots (restarts) a running VM through its long-running operation; preflight calls nothing', async () => {
    const w = world();
    expect(await provider.apply(s('s1', { kind: 'reboot' }), { dryRun: true })).toMatchObject({ mode: 'preflight', message: 'web-eu-1: restart (preflight passed: VM readable, state valid)' });
    expect(w.writes()).toEqual([]);
    expect(await provider.apply(s('s1', { kind: 'reboot' }), { dryRun: false })).toMatchObject({ mode: 'applied', message: 'web-eu-1: restarted in place' });
    expect(w.writes()).toEqual(['POST restart']);
    expect(w.vm.power).toBe('PowerState/running');
  });

  it('refuses to reboot a deallocated VM in the preflight', async () => {
    world((w) => void (w.vm.power = 'PowerState/deallocated'));
    const err = await failOf(provider.apply(s('s1', { kind: 'reboot' }), { dryRun: true }));
    expect([err.code, err.message]).toEqual(['PROVIDER.INVALID', 'cannot reboot web-eu-1: it is stopped']);
  });

  it('deallocates and starts; a start refused by its operation leaves the VM deallocated and says why', async () => {
    const w = world();
    await provider.apply(s('s1', { kind: 'stop' }), { dryRun: false });
    expect(w.vm.power).toBe('PowerState/deallocated');
    w.refuse['POST start'] = { status: 409, code: 'AllocationFailed', message: 'Allocation failed. We do not have sufficient capacity for the requested VM size in this region.', async: true };
    const err = await failOf(provider.apply(s('s2', { kind: 'start' }), { dryRun: false }));
    expect(err.nativeCode).toBe('AllocationFailed');
    expect(w.vm.power).toBe('PowerState/deallocated');
  });
});

describe('Azure steps: resize restores the VM when the size change is refused', () => {
  it('deallocate → update refused → starts it again; the step is not applied', async () => {
    const w = world((w) => void (w.refuse['PATCH web-eu-1'] = { status: 409, code: 'OperationNotAllowed', message: 'The requested size Standard_D4s_v3 is not available in the current region.', async: true }));
    const err = (await failOf(provider.apply(s('s1', { kind: 'resize', toType: 'Standard_D4s_v3' }), { dryRun: false }))) as StepLeftError;
    expect(err).toBeInstanceOf(StepLeftError);
    expect(err.restored).toBe(true);
    expect(w.writes()).toEqual(['POST deallocate', 'PATCH web-eu-1', 'POST start']);
    expect(w.vm).toMatchObject({ power: 'PowerState/running', size: 'Standard_D2s_v3' });
    expect(err.userMessage).toMatch(/not applied: web-eu-1 was started again, so web-eu-1 is running with type Standard_D2s_v3 \(as before\)/);
  });

  it('says it left the VM deallocated when it cannot start it again', async () => {
    const w = world((w) => {
      w.refuse['PATCH web-eu-1'] = { status: 409, code: 'OperationNotAllowed', message: 'The requested size is not available.', async: true };
      w.refuse['POST start'] = { status: 409, code: 'AllocationFailed', message: 'Allocation failed.', async: true };
    });
    const err = (await failOf(provider.apply(s('s1', { kind: 'resize', toType: 'Standard_D4s_v3' }), { dryRun: false }))) as StepLeftError;
    expect([err.restored, err.leftAs]).toEqual([false, 'web-eu-1 is stopped with type Standard_D2s_v3']);
    expect(w.vm.power).toBe('PowerState/deallocated');
  });

  it('preflights the size, the cluster and the quota without a write; refuses a size the region lacks', async () => {
    const w = world();
    expect((await provider.apply(s('s1', { kind: 'resize', toType: 'Standard_D4s_v3' }), { dryRun: true })).message).toMatch(/deallocate, resize, start; .*vCPU quota 12\/20/);
    const err = await failOf(provider.apply(s('s1', { kind: 'resize', toType: 'Standard_M416ms_v2' }), { dryRun: true }));
    expect([err.code, err.message]).toEqual(['PROVIDER.INVALID', 'Standard_M416ms_v2 is not offered in westeurope']);
    expect(w.writes()).toEqual([]);
  });

  it('through the executor: the card says the VM is running again and the proposal is rolled back', async () => {
    const w = world((w) => void (w.refuse['PATCH web-eu-1'] = { status: 409, code: 'OperationNotAllowed', message: 'The requested size is not available.', async: true }));
    const { report } = await runner.run([s('s1', { kind: 'resize', toType: 'Standard_D4s_v3', expect: { state: 'running', type: 'Standard_D2s_v3' } })]);
    expect(report?.status).toBe('rolled_back');
    expect(report?.summary).toMatch(/web-eu-1 was started again, so web-eu-1 is running with type Standard_D2s_v3/);
    expect(w.vm.power).toBe('PowerState/running');
  });
});

describe('Azure steps: snapshot, create, tag, delete', () => {
  it('snapshots the managed OS disk and returns its id for the create', async () => {
    const w = world();
    const res = await provider.apply(s('s1', { kind: 'snapshot' }), { dryRun: false });
    expect(res.snapshotIds).toEqual([expect.stringMatching(/\/snapshots\/web-eu-1-os-steward-\d{14}$/)]);
    const put = w.calls.find((c) => c.method === 'PUT');
    expect(put?.body).toMatchObject({ location: 'westeurope', properties: { incremental: true, creationData: { createOption: 'Copy', sourceResourceId: expect.stringMatching(/disks\/web-eu-1-os$/) } }, tags: { 'steward-source-instance': 'web-eu-1', 'steward-step': 's1' } });
  });

  it('a refused snapshot changes nothing', async () => {
    const w = world((w) => void (w.refuse['PUT web-eu-1-os-steward-*'] = { status: 403, code: 'AuthorizationFailed', message: 'The client does not have authorization to perform action Microsoft.Compute/snapshots/write.' }));
    const err = await failOf(provider.apply(s('s1', { kind: 'snapshot' }), { dryRun: false }));
    expect([err.code, err.nativeCode]).toEqual(['PROVIDER.FORBIDDEN', 'AuthorizationFailed']);
    expect(w.made.size).toBe(0);
  });

  it('creates disk, NIC and VM; the VM deletes its disk and NIC with it, and carries each tag once', async () => {
    const w = world();
    const res = await provider.apply(createStep({ Env: 'staging', 'steward:failover-of': 'web-eu-1' }), { dryRun: false, snapshotIds: [snapshotId] });
    expect(w.writes()).toEqual(['PUT web-eu-1-ne-os', 'PUT web-eu-1-ne-nic', 'PUT web-eu-1-ne']);
    const vm = w.calls.find((c) => c.method === 'PUT' && c.path.endsWith('/web-eu-1-ne'))?.body as any;
    expect(vm.tags).toEqual({ team: 'web', Env: 'staging', 'steward:failover-of': 'web-eu-1', 'steward-source-instance': 'web-eu-1' });
    expect(vm.properties.storageProfile.osDisk).toMatchObject({ createOption: 'Attach', deleteOption: 'Delete' });
    expect(vm.properties.networkProfile.networkInterfaces[0]).toMatchObject({ properties: { primary: true, deleteOption: 'Delete' } });
    const disk = w.calls.find((c) => c.path.endsWith('/disks/web-eu-1-ne-os'))?.body as any;
    expect(disk.properties.creationData).toEqual({ createOption: 'CopyStart', sourceResourceId: snapshotId });
    expect(res.created).toMatchObject({ provider: 'azure', region: 'northeurope', id: expect.stringMatching(/virtualMachines\/web-eu-1-ne$/) });
  });

  it('when the VM is refused after its disk and NIC exist, deletes both and counts the step as not applied', async () => {
    const w = world((w) => void (w.refuse['PUT web-eu-1-ne'] = { status: 409, code: 'SkuNotAvailable', message: "The requested size for resource 'web-eu-1-ne' is currently not available in location 'northeurope'.", async: true }));
    const err = (await failOf(provider.apply(createStep(), { dryRun: false, snapshotIds: [snapshotId] }))) as StepLeftError;
    expect(err).toBeInstanceOf(StepLeftError);
    expect(err.restored).toBe(true);
    expect(w.writes()).toEqual(['PUT web-eu-1-ne-os', 'PUT web-eu-1-ne-nic', 'PUT web-eu-1-ne', 'DELETE web-eu-1-ne-nic', 'DELETE web-eu-1-ne-os']);
    expect(w.made.size).toBe(0);
  });

  it('names the disk it left behind, by id, when deleting it is refused too', async () => {
    const w = world((w) => {
      w.refuse['PUT web-eu-1-ne'] = { status: 409, code: 'SkuNotAvailable', message: 'The requested size is not available.', async: true };
      w.refuse['DELETE web-eu-1-ne-os'] = { status: 403, code: 'AuthorizationFailed', message: 'The client does not have authorization to perform action Microsoft.Compute/disks/delete.' };
    });
    const err = (await failOf(provider.apply(createStep(), { dryRun: false, snapshotIds: [snapshotId] }))) as StepLeftError;
    expect(err.restored).toBe(false);
    expect(err.leftBehind).toEqual([{ kind: 'disk', id: `${RG}/providers/Microsoft.Compute/disks/web-eu-1-ne-os`, region: 'northeurope' }]);
    expect([...w.made.keys()]).toEqual([`${RG}/providers/Microsoft.Compute/disks/web-eu-1-ne-os`]);
  });

  it('preflights a create: size offered, subnet configured, quota; writes nothing', async () => {
    const w = world();
    expect((await provider.apply(createStep(), { dryRun: true, snapshotIds: [snapshotId] })).message).toMatch(/web-eu-1-ne: Standard_D2s_v3 in northeurope from web-eu-1-os-steward-20240501100000 \(preflight passed: size offered, subnet configured/);
    expect(w.writes()).toEqual([]);
  });

  it('tags: merges with the VM tags without duplicate names; refuses reserved names in the preflight', async () => {
    const w = world();
    await provider.apply(s('s1', { kind: 'tag', tags: { TEAM: 'platform' } }), { dryRun: false });
    expect(w.vm.tags).toEqual({ env: 'prod', TEAM: 'platform' });
    const err = await failOf(provider.apply(s('s2', { kind: 'tag', tags: { 'microsoft.owner': 'x' } }), { dryRun: true }));
    expect(err.code).toBe('PROVIDER.INVALID');
    expect(mergeAzureTags({ Name: 'a' }, { name: 'b' }, { 'azure-x': 'c' })).toEqual({ name: 'b' });
  });

  it('deletes; a delete refused by RBAC is PROVIDER.FORBIDDEN and the VM stays', async () => {
    const w = world((w) => void (w.refuse['DELETE web-eu-1'] = { status: 403, code: 'AuthorizationFailed', message: 'The client does not have authorization to perform action Microsoft.Compute/virtualMachines/delete.' }));
    const err = await failOf(provider.apply(s('s1', { kind: 'delete' }), { dryRun: false }));
    expect(err.code).toBe('PROVIDER.FORBIDDEN');
    expect(w.vm.power).toBe('PowerState/running');
    delete w.refuse['DELETE web-eu-1'];
    await provider.apply(s('s1', { kind: 'delete' }), { dryRun: false });
    expect(await provider.describe(ref)).toBeUndefined();
  });

  it('a failover plan failing in its middle: the created VM is deleted again, the snapshot kept and named', async () => {
    const w = world((w) => void (w.refuse['PATCH web-eu-1'] = { status: 403, code: 'AuthorizationFailed', message: 'The client does not have authorization to perform action Microsoft.Compute/virtualMachines/write.' }));
    const { report, execution } = await runner.run([
      s('s1', { kind: 'snapshot', expect: { state: 'running' } }),
      createStep({ env: 'prod' }),
      s('s3', { kind: 'tag', tags: { 'steward-replaced-by': 'web-eu-1-ne' } }),
    ]);
    expect(execution?.steps.map((x) => x.status)).toEqual(['not_undoable', 'undone', 'failed']);
    expect(w.writes().filter((x) => x.startsWith('DELETE'))).toEqual(['DELETE web-eu-1-ne']);
    expect(report?.summary).toMatch(/Undone: s2 \(create web-eu-1-ne in azure northeurope\).*NOT undone: s1 \(snapshot web-eu-1\): snapshots are kept/);
  });
});

describe('Azure steps: a resize is checked against Azure rules when it is proposed', () => {
  const resize = (toType: string) => s('s1', { kind: 'resize', toType });

  it('refuses an x64 VM to an Arm64 size (Resource SKUs CpuArchitectureType)', async () => {
    world();
    expect(await provider.vetStep?.(resize('Standard_D4ps_v5'))).toBe(
      'Standard_D4ps_v5 is an Arm64 size and web-eu-1 runs on x64: Azure cannot resize a VM to another CPU architecture. Pick an x64 size, or create a new VM from an Arm64 image.',
    );
  });

  it('refuses a size restricted for the subscription, and one without the VM\'s Hyper-V generation', async () => {
    world((w) => void (w.vm.hyperVGeneration = 'V2'));
    expect(await provider.vetStep?.(resize('Standard_E4s_v5'))).toBe('Standard_E4s_v5 is not available to this subscription in westeurope (NotAvailableForSubscription).');
    expect(await provider.vetStep?.(resize('Standard_A2_v2'))).toBe('Standard_A2_v2 supports Hyper-V generation V1 and web-eu-1 is a generation V2 VM: Azure cannot resize it there.');
  });

  it('refuses a size the region does not offer and lets a compatible one through', async () => {
    world();
    expect(await provider.vetStep?.(resize('Standard_M416ms_v2'))).toBe('Standard_M416ms_v2 is not a VM size offered in westeurope.');
    expect(await provider.vetStep?.(resize('Standard_D4s_v3'))).toBeUndefined();
  });
});
