import type { VirtualMachine } from '@azure/arm-compute';
import { ProviderError } from '../../domain/model/errors.js';
import type { Instance, InstanceRef } from '../../domain/model/instance.js';
import { VALID_FROM, type PlanStep, type StepKind, type StepResult } from '../../domain/model/plan.js';
import type { AzureClients } from './clients.js';
import { toAzureError } from './errors.js';
import { parseVmId, type Shape } from './instances.js';

/** Azure RBAC actions each step needs (manifests/iam/azure-steward-operator.role.json grants them). */
export const AZURE_PERMISSIONS: Record<StepKind, string[]> = {
  start: ['Microsoft.Compute/virtualMachines/read', 'Microsoft.Compute/virtualMachines/start/action'],
  stop: ['Microsoft.Compute/virtualMachines/read', 'Microsoft.Compute/virtualMachines/deallocate/action'],
  resize: [
    'Microsoft.Compute/virtualMachines/read', 'Microsoft.Compute/virtualMachines/vmSizes/read', 'Microsoft.Compute/locations/vmSizes/read',
    'Microsoft.Compute/locations/usages/read', 'Microsoft.Compute/virtualMachines/deallocate/action', 'Microsoft.Compute/virtualMachines/write',
    'Microsoft.Compute/virtualMachines/start/action',
  ],
  snapshot: ['Microsoft.Compute/virtualMachines/read', 'Microsoft.Compute/disks/read', 'Microsoft.Compute/snapshots/write', 'Microsoft.Compute/disks/beginGetAccess/action'],
  create: [
    'Microsoft.Compute/snapshots/read', 'Microsoft.Compute/locations/vmSizes/read', 'Microsoft.Compute/locations/usages/read', 'Microsoft.Compute/disks/write',
    'Microsoft.Network/virtualNetworks/subnets/join/action', 'Microsoft.Network/networkInterfaces/write', 'Microsoft.Network/networkInterfaces/join/action',
    'Microsoft.Compute/virtualMachines/write',
  ],
  delete: ['Microsoft.Compute/virtualMachines/read', 'Microsoft.Compute/virtualMachines/delete'],
  tag: ['Microsoft.Compute/virtualMachines/read', 'Microsoft.Compute/virtualMachines/write'],
};

export const SOURCE_TAG = 'steward-source-instance';

export interface AzureActionDeps {
  clients: AzureClients;
  read(ref: InstanceRef): Promise<{ instance: Instance; vm: VirtualMachine } | undefined>;
  shape(sub: string, location: string, size: string): Promise<Shape | undefined>;
  /** Subnet id per region for replacement VMs (AZURE_SUBNET_IDS). */
  subnets: Record<string, string>;
  pollIntervalMs: number;
}

const lc = (s: string | undefined) => (s ?? '').toLowerCase();

function fail(code: 'PROVIDER.NOT_FOUND' | 'PROVIDER.INVALID', message: string, step: PlanStep, region = step.target.region): never {
  throw new ProviderError(code, message, { provider: 'azure', operation: step.kind, region });
}

export function createAzureActions(deps: AzureActionDeps) {
  const { clients } = deps;
  const lro = { updateIntervalInMs: deps.pollIntervalMs };

  async function call<T>(op: string, sub: string, region: string, f: () => PromiseLike<T>): Promise<T> {
    try {
      return await f();
    } catch (err) {
      throw toAzureError(err, op, sub, region);
    }
  }

  /** Sizes offered in a location (VirtualMachineSizes_List). */
  async function offeredIn(sub: string, location: string): Promise<Set<string>> {
    return call('list virtual machine sizes', sub, location, async () => {
      const out = new Set<string>();
      for await (const s of clients.compute(sub).virtualMachineSizes.list(location)) if (s.name) out.add(lc(s.name));
      return out;
    });
  }

  /** Regional vCPU quota: throws INVALID when `addVcpu` more cores would exceed it. */
  async function checkQuota(sub: string, location: string, addVcpu: number, step: PlanStep): Promise<string> {
    if (addVcpu <= 0) return 'no extra vCPU needed';
    const usages = await call('list usages', sub, location, async () => {
      const out: { name: string; current: number; limit: number }[] = [];
      for await (const u of clients.compute(sub).usage.list(location)) out.push({ name: u.name.value ?? '', current: u.currentValue, limit: u.limit });
      return out;
    });
    const cores = usages.find((u) => u.name === 'cores');
    if (cores && cores.current + addVcpu > cores.limit) {
      fail('PROVIDER.INVALID', `regional vCPU quota in ${location} would be exceeded: ${cores.current} + ${addVcpu} > ${cores.limit}`, step, location);
    }
    return cores ? `vCPU quota ${cores.current + addVcpu}/${cores.limit}` : 'vCPU quota not reported';
  }

  return {
    async apply(step: PlanStep, opts: { dryRun: boolean; snapshotIds?: string[] }): Promise<StepResult> {
      const dryRun = opts.dryRun;
      const mode = dryRun ? 'preflight' : 'applied';
      const found = await deps.read(step.target);
      if (!found) fail('PROVIDER.NOT_FOUND', `${step.targetName} does not exist`, step);
      const { instance: inst, vm } = found;
      if (!VALID_FROM[step.kind].includes(inst.state)) fail('PROVIDER.INVALID', `cannot ${step.kind} ${inst.name}: it is ${inst.state}`, step);
      const { subscription: sub, resourceGroup: rg, name } = parseVmId(inst.id);
      const vms = clients.compute(sub).virtualMachines;
      const before = { state: inst.state, type: inst.type };
      const checked = 'preflight passed: VM readable, state valid';

      switch (step.kind) {
        case 'start': {
          if (dryRun) return { ok: true, mode, message: `${inst.name}: start (${checked})`, before };
          await call('start', sub, inst.region, () => vms.start(rg, name, lro));
          return { ok: true, mode, message: `${inst.name}: ${inst.state} → running`, before };
        }
        case 'stop': {
          if (dryRun) return { ok: true, mode, message: `${inst.name}: deallocate (${checked})`, before };
          await call('deallocate', sub, inst.region, () => vms.deallocate(rg, name, lro));
          return { ok: true, mode, message: `${inst.name}: ${inst.state} → stopped (deallocated)`, before };
        }
        case 'resize': {
          // Sizes the VM's current hardware cluster can take without a deallocation.
          const inPlace = await call('list available sizes', sub, inst.region, async () => {
            const out = new Set<string>();
            for await (const s of vms.listAvailableSizes(rg, name)) if (s.name) out.add(lc(s.name));
            return out;
          });
          const needsDeallocate = !inPlace.has(lc(step.toType));
          if (needsDeallocate && !(await offeredIn(sub, inst.region)).has(lc(step.toType))) fail('PROVIDER.INVALID', `${step.toType} is not offered in ${inst.region}`, step);
          const to = await deps.shape(sub, inst.region, step.toType);
          const quota = inst.state === 'running' ? await checkQuota(sub, inst.region, (to?.vcpu ?? 0) - (inst.vcpu ?? 0), step) : 'stopped: no running vCPU';
          const how = needsDeallocate && inst.state === 'running' ? 'deallocate, resize, start' : 'resize in place';
          if (dryRun) return { ok: true, mode, message: `${inst.name}: ${inst.type} → ${step.toType} (${how}; ${checked}, size offered, ${quota})`, before };
          if (needsDeallocate && inst.state === 'running') await call('deallocate', sub, inst.region, () => vms.deallocate(rg, name, lro));
          await call('update', sub, inst.region, () => vms.update(rg, name, { hardwareProfile: { vmSize: step.toType } }, lro));
          if (needsDeallocate && inst.state === 'running') await call('start', sub, inst.region, () => vms.start(rg, name, lro));
          return { ok: true, mode, message: `${inst.name}: ${inst.type} → ${step.toType} (${how})`, before };
        }
        case 'snapshot': {
          const disks = [vm.storageProfile?.osDisk?.managedDisk?.id, ...(vm.storageProfile?.dataDisks ?? []).map((d) => d.managedDisk?.id)].filter((d): d is string => !!d);
          if (!disks.length) fail('PROVIDER.INVALID', `${inst.name} has no managed disks to snapshot`, step);
          if (dryRun) return { ok: true, mode, message: `${inst.name}: snapshot of ${disks.length} managed disk(s) (${checked})`, before };
          const stamp = new Date().toISOString().replace(/[-:T.Z]/g, '').slice(0, 14);
          const snapshotIds: string[] = [];
          for (const [i, diskId] of disks.entries()) {
            const snapName = `${name}-${i === 0 ? 'os' : `data${i}`}-steward-${stamp}`.slice(0, 80);
            const snap = await call('create snapshot', sub, inst.region, () =>
              clients.compute(sub).snapshots.createOrUpdate(
                rg,
                snapName,
                { location: inst.region, incremental: true, creationData: { createOption: 'Copy', sourceResourceId: diskId }, tags: { [SOURCE_TAG]: name, 'steward-step': step.id } },
                lro,
              ),
            );
            snapshotIds.push(snap.id ?? snapName);
          }
          return { ok: true, mode, message: `${inst.name}: ${snapshotIds.length} snapshot(s) taken`, snapshotIds, before };
        }
        case 'create': {
          const p = step.placement;
          if (p.provider !== 'azure') fail('PROVIDER.INVALID', `the Azure adapter cannot create in ${p.provider}`, step);
          const targetSub = p.account || sub;
          if (!(await offeredIn(targetSub, p.region)).has(lc(p.type))) fail('PROVIDER.INVALID', `${p.type} is not offered in ${p.region}`, step, p.region);
          const subnet = deps.subnets[p.region];
          if (!subnet) fail('PROVIDER.INVALID', `no subnet for replacement VMs in ${p.region}: add ${p.region}=<subnet id> to AZURE_SUBNET_IDS`, step, p.region);
          const shape = await deps.shape(targetSub, p.region, p.type);
          const quota = await checkQuota(targetSub, p.region, shape?.vcpu ?? 0, step);
          let snapshotId = opts.snapshotIds?.[0];
          if (!snapshotId) {
            snapshotId = await call('list snapshots', sub, inst.region, async () => {
              let best: { id: string; at: number } | undefined;
              for await (const s of clients.compute(sub).snapshots.listByResourceGroup(rg)) {
                if (s.tags?.[SOURCE_TAG] !== name || !s.id || !/-os-steward-/.test(s.name ?? '')) continue;
                const at = s.timeCreated ? new Date(s.timeCreated).getTime() : 0;
                if (!best || at > best.at) best = { id: s.id, at };
              }
              return best?.id;
            });
          }
          if (!snapshotId) fail('PROVIDER.INVALID', `no Steward snapshot of ${inst.name}'s OS disk found; run a snapshot step first`, step);
          if (dryRun) {
            return { ok: true, mode, message: `${step.name}: ${p.type} in ${p.region} from ${snapshotId.split('/').pop()} (preflight passed: size offered, subnet configured, ${quota})`, before };
          }
          const zone = p.zone?.split('-').pop();
          const disk = await call('create disk', targetSub, p.region, () =>
            clients.compute(targetSub).disks.createOrUpdate(
              rg,
              `${step.name}-os`,
              {
                location: p.region,
                ...(zone ? { zones: [zone] } : {}),
                // A snapshot in another region is copied across with CopyStart.
                creationData: { createOption: p.region === inst.region ? 'Copy' : 'CopyStart', sourceResourceId: snapshotId },
                ...(vm.storageProfile?.osDisk?.osType ? { osType: vm.storageProfile.osDisk.osType } : {}),
                tags: { [SOURCE_TAG]: name },
              },
              lro,
            ),
          );
          const nic = await call('create network interface', targetSub, p.region, () =>
            clients.network(targetSub).networkInterfaces.beginCreateOrUpdateAndWait(
              rg,
              `${step.name}-nic`,
              { location: p.region, ipConfigurations: [{ name: 'ipconfig1', subnet: { id: subnet } }], tags: { [SOURCE_TAG]: name } },
              lro,
            ),
          );
          const created = await call('create virtual machine', targetSub, p.region, () =>
            vms.createOrUpdate(
              rg,
              step.name,
              {
                location: p.region,
                ...(zone ? { zones: [zone] } : {}),
                tags: { ...(vm.tags ?? {}), ...step.tags, [SOURCE_TAG]: name },
                hardwareProfile: { vmSize: p.type },
                storageProfile: { osDisk: { createOption: 'Attach', managedDisk: { id: disk.id as string }, ...(vm.storageProfile?.osDisk?.osType ? { osType: vm.storageProfile.osDisk.osType } : {}) } },
                networkProfile: { networkInterfaces: [{ id: nic.id as string, primary: true }] },
              },
              lro,
            ),
          );
          const newId = created.id ?? `/subscriptions/${targetSub}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachines/${step.name}`;
          return {
            ok: true,
            mode,
            message: `${step.name} created in ${p.region} as ${p.type}`,
            created: { provider: 'azure', account: targetSub, region: p.region, ...(p.zone ? { zone: p.zone } : {}), id: newId },
            before,
          };
        }
        case 'delete': {
          if (dryRun) return { ok: true, mode, message: `${inst.name}: delete (${checked})`, before };
          await call('delete', sub, inst.region, () => vms.delete(rg, name, lro));
          return { ok: true, mode, message: `${inst.name}: deleted`, before };
        }
        case 'tag': {
          const tags = Object.entries(step.tags).map(([k, v]) => `${k}=${v}`).join(', ');
          if (dryRun) return { ok: true, mode, message: `${inst.name}: tag ${tags} (${checked})`, before };
          await call('update tags', sub, inst.region, () => vms.update(rg, name, { tags: { ...(vm.tags ?? {}), ...step.tags } }, lro));
          return { ok: true, mode, message: `${inst.name}: tagged ${tags}`, before };
        }
      }
    },
  };
}
