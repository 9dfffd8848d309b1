/**
 * How each step kind is done on Azure (the kinds are declared in src/domain/model/step-kinds.ts): the RBAC actions
 * it needs, its preflight (Azure has no dry-run for VM writes, so Steward checks sizes, quota, subnet itself) and its
 * calls. A resize that deallocated the VM starts it again when the update is refused; a create that made a disk and
 * a NIC removes them when the VM is refused, or names what it left.
 */
import type { VirtualMachine } from '@azure/arm-compute';
import { ProviderError } from '../../domain/model/errors.js';
import type { Instance, InstanceRef } from '../../domain/model/instance.js';
import type { PlanStep, StepKind, StepResult } from '../../domain/model/plan.js';
import { applyDeclared, compensated, permissionsOf, sameAs, type StepActions, type StepOf, type StepRunOptions, type StepTarget } from '../../domain/model/step-kinds.js';
import type { AzureClients } from './clients.js';
import { azureResizeRefusal } from './compat.js';
import { toAzureError } from './errors.js';
import { parseVmId, type Shape } from './instances.js';

export const SOURCE_TAG = 'steward-source-instance';

export interface AzureActionDeps {
  clients: AzureClients;
  read(ref: InstanceRef): Promise<{ instance: Instance; vm: VirtualMachine } | undefined>;
  shape(sub: string, location: string, size: string): Promise<Shape | undefined>;
  /** Subnet id per region for replacement VMs (AZURE_SUBNET_IDS). */
  subnets: Record<string, string>;
  pollIntervalMs: number;
}

interface AzureTarget extends StepTarget {
  vm: VirtualMachine;
}

const lc = (s: string | undefined) => (s ?? '').toLowerCase();

function fail(code: 'PROVIDER.NOT_FOUND' | 'PROVIDER.INVALID', message: string, step: PlanStep, region = step.target.region): never {
  throw new ProviderError(code, message, { provider: 'azure', operation: step.kind, region });
}

/** Tag name prefixes Azure reserves ("microsoft", "azure", "windows"); a write with them is refused. */
const reservedTag = (k: string) => /^(microsoft|azure|windows)/i.test(k);

/**
 * Tags for a VM: later sources win, names compared without case (Azure tag names are case-insensitive, so `Name` and
 * `name` are one tag and sending both is refused), reserved prefixes dropped.
 */
export function mergeAzureTags(...sources: Record<string, string>[]): Record<string, string> {
  const byLower = new Map<string, [string, string]>();
  for (const src of sources) for (const [k, v] of Object.entries(src)) if (!reservedTag(k)) byLower.set(k.toLowerCase(), [k, v]);
  return Object.fromEntries(byLower.values());
}

const shown = (tags: Record<string, string>) => Object.entries(tags).map(([k, v]) => `${k}=${v}`).join(', ');

export function createAzureActions(deps: AzureActionDeps) {
  const { clients } = deps;
  const lro = { updateIntervalInMs: deps.pollIntervalMs };
  const CHECKED = 'preflight passed: VM readable, state valid';

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

  const idOf = (inst: Instance) => parseVmId(inst.id);
  const readInstance = (ref: InstanceRef) => () => deps.read(ref).then((r) => r?.instance);

  /** What a resize needs: whether the VM must be deallocated first (its cluster lacks the size), and the quota. */
  async function resizePlan(step: StepOf<'resize'>, inst: Instance): Promise<{ deallocate: boolean; how: string; quota: string }> {
    const { subscription: sub, resourceGroup: rg, name } = idOf(inst);
    const vms = clients.compute(sub).virtualMachines;
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
    const deallocate = needsDeallocate && inst.state === 'running';
    return { deallocate, how: deallocate ? 'deallocate, resize, start' : 'resize in place', quota };
  }

  interface CreatePlan {
    targetSub: string;
    subnet: string;
    quota: string;
    snapshotId: string;
  }

  async function createPlan(step: StepOf<'create'>, inst: Instance, opts: StepRunOptions): Promise<CreatePlan> {
    const p = step.placement;
    if (p.provider !== 'azure') fail('PROVIDER.INVALID', `the Azure adapter cannot create in ${p.provider}`, step);
    const { subscription: sub, resourceGroup: rg, name } = idOf(inst);
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
    return { targetSub, subnet, quota, snapshotId };
  }

  const actions: StepActions<AzureTarget> = {
    start: {
      permissions: ['Microsoft.Compute/virtualMachines/read', 'Microsoft.Compute/virtualMachines/start/action'],
      check: async (_s, { instance }) => `${instance.name}: start (${CHECKED})`,
      async apply(_s, { instance }) {
        const { subscription: sub, resourceGroup: rg, name } = idOf(instance);
        const vms = clients.compute(sub).virtualMachines;
        await call('start', sub, instance.region, () => vms.start(rg, name, lro));
        return { message: `${instance.name}: ${instance.state} → running` };
      },
    },
    stop: {
      permissions: ['Microsoft.Compute/virtualMachines/read', 'Microsoft.Compute/virtualMachines/deallocate/action'],
      check: async (_s, { instance }) => `${instance.name}: deallocate (${CHECKED})`,
      async apply(_s, { instance }) {
        const { subscription: sub, resourceGroup: rg, name } = idOf(instance);
        const vms = clients.compute(sub).virtualMachines;
        await call('deallocate', sub, instance.region, () => vms.deallocate(rg, name, lro));
        return { message: `${instance.name}: ${instance.state} → stopped (deallocated)` };
      },
    },
    reboot: {
      permissions: ['Microsoft.Compute/virtualMachines/read', 'Microsoft.Compute/virtualMachines/restart/action'],
      check: async (_s, { instance }) => `${instance.name}: restart (${CHECKED})`,
      async apply(_s, { instance }) {
        const { subscription: sub, resourceGroup: rg, name } = idOf(instance);
        const vms = clients.compute(sub).virtualMachines;
        await call('restart', sub, instance.region, () => vms.restart(rg, name, lro));
        return { message: `${instance.name}: restarted in place` };
      },
    },
    resize: {
      permissions: [
        'Microsoft.Compute/virtualMachines/read', 'Microsoft.Compute/virtualMachines/vmSizes/read', 'Microsoft.Compute/locations/vmSizes/read',
        'Microsoft.Compute/locations/usages/read', 'Microsoft.Compute/virtualMachines/deallocate/action', 'Microsoft.Compute/virtualMachines/write',
        'Microsoft.Compute/virtualMachines/start/action',
      ],
      async check(step, { instance }) {
        const plan = await resizePlan(step, instance);
        return `${instance.name}: ${instance.type} → ${step.toType} (${plan.how}; ${CHECKED}, size offered, ${plan.quota})`;
      },
      async apply(step, { instance }) {
        const plan = await resizePlan(step, instance);
        const { subscription: sub, resourceGroup: rg, name } = idOf(instance);
        const vms = clients.compute(sub).virtualMachines;
        const before = { state: instance.state, type: instance.type };
        await compensated(
          { provider: 'azure', region: instance.region },
          async (onFailure) => {
            if (plan.deallocate) {
              await call('deallocate', sub, instance.region, () => vms.deallocate(rg, name, lro));
              onFailure({ what: `${instance.name} was started again`, run: () => call('start', sub, instance.region, () => vms.start(rg, name, lro)) });
            }
            await call('update', sub, instance.region, () => vms.update(rg, name, { hardwareProfile: { vmSize: step.toType } }, lro));
            onFailure({ what: `its size was set back to ${instance.type}`, run: async () => void (await call('update', sub, instance.region, () => vms.update(rg, name, { hardwareProfile: { vmSize: instance.type } }, lro))) });
            if (plan.deallocate) await call('start', sub, instance.region, () => vms.start(rg, name, lro));
          },
          sameAs(before, readInstance(step.target), instance.name),
        );
        return { message: `${instance.name}: ${instance.type} → ${step.toType} (${plan.how})` };
      },
    },
    snapshot: {
      permissions: ['Microsoft.Compute/virtualMachines/read', 'Microsoft.Compute/disks/read', 'Microsoft.Compute/snapshots/write'],
      async check(step, { instance, vm }) {
        const disks = disksOf(vm);
        if (!disks.length) fail('PROVIDER.INVALID', `${instance.name} has no managed disks to snapshot`, step);
        return `${instance.name}: snapshot of ${disks.length} managed disk(s) (${CHECKED})`;
      },
      async apply(step, { instance, vm }) {
        const disks = disksOf(vm);
        if (!disks.length) fail('PROVIDER.INVALID', `${instance.name} has no managed disks to snapshot`, step);
        const { subscription: sub, resourceGroup: rg, name } = idOf(instance);
        const stamp = new Date().toISOString().replace(/[-:T.Z]/g, '').slice(0, 14);
        const snapshotIds: string[] = [];
        for (const [i, diskId] of disks.entries()) {
          const snapName = `${name}-${i === 0 ? 'os' : `data${i}`}-steward-${stamp}`.slice(0, 80);
          const snap = await call('create snapshot', sub, instance.region, () =>
            clients.compute(sub).snapshots.createOrUpdate(
              rg,
              snapName,
              { location: instance.region, incremental: true, creationData: { createOption: 'Copy', sourceResourceId: diskId }, tags: { [SOURCE_TAG]: name, 'steward-step': step.id } },
              lro,
            ),
          );
          snapshotIds.push(snap.id ?? snapName);
        }
        return { message: `${instance.name}: ${snapshotIds.length} snapshot(s) taken`, snapshotIds };
      },
    },
    create: {
      permissions: [
        'Microsoft.Compute/snapshots/read', 'Microsoft.Compute/locations/vmSizes/read', 'Microsoft.Compute/locations/usages/read', 'Microsoft.Compute/disks/write',
        'Microsoft.Compute/disks/delete', 'Microsoft.Network/virtualNetworks/subnets/join/action', 'Microsoft.Network/networkInterfaces/write',
        'Microsoft.Network/networkInterfaces/join/action', 'Microsoft.Network/networkInterfaces/delete', 'Microsoft.Compute/virtualMachines/write',
      ],
      async check(step, { instance }, opts) {
        const p = step.placement;
        const plan = await createPlan(step, instance, opts);
        return `${step.name}: ${p.type} in ${p.region} from ${plan.snapshotId.split('/').pop()} (preflight passed: size offered, subnet configured, ${plan.quota})`;
      },
      async apply(step, { instance, vm }, opts) {
        const p = step.placement;
        const plan = await createPlan(step, instance, opts);
        const { resourceGroup: rg, name } = idOf(instance);
        const { targetSub } = plan;
        const compute = clients.compute(targetSub);
        const zone = p.zone?.split('-').pop();
        const osType = vm.storageProfile?.osDisk?.osType;
        const created = await compensated(
          { provider: 'azure', region: p.region },
          async (onFailure) => {
            const disk = await call('create disk', targetSub, p.region, () =>
              compute.disks.createOrUpdate(
                rg,
                `${step.name}-os`,
                {
                  location: p.region,
                  ...(zone ? { zones: [zone] } : {}),
                  // A snapshot in another region is copied across with CopyStart.
                  creationData: { createOption: p.region === instance.region ? 'Copy' : 'CopyStart', sourceResourceId: plan.snapshotId },
                  ...(osType ? { osType } : {}),
                  tags: { [SOURCE_TAG]: name },
                },
                lro,
              ),
            );
            const diskId = disk.id ?? `/subscriptions/${targetSub}/resourceGroups/${rg}/providers/Microsoft.Compute/disks/${step.name}-os`;
            onFailure({
              what: `disk ${step.name}-os was deleted`,
              resource: { kind: 'disk', id: diskId, region: p.region },
              run: () => call('delete disk', targetSub, p.region, () => compute.disks.delete(rg, `${step.name}-os`, lro)),
            });
            const nics = clients.network(targetSub).networkInterfaces;
            const nic = await call('create network interface', targetSub, p.region, () =>
              nics.beginCreateOrUpdateAndWait(rg, `${step.name}-nic`, { location: p.region, ipConfigurations: [{ name: 'ipconfig1', subnet: { id: plan.subnet } }], tags: { [SOURCE_TAG]: name } }, lro),
            );
            const nicId = nic.id ?? `/subscriptions/${targetSub}/resourceGroups/${rg}/providers/Microsoft.Network/networkInterfaces/${step.name}-nic`;
            onFailure({
              what: `network interface ${step.name}-nic was deleted`,
              resource: { kind: 'network-interface', id: nicId, region: p.region },
              run: () => call('delete network interface', targetSub, p.region, () => nics.beginDeleteAndWait(rg, `${step.name}-nic`, lro)),
            });
            return call('create virtual machine', targetSub, p.region, () =>
              compute.virtualMachines.createOrUpdate(
                rg,
                step.name,
                {
                  location: p.region,
                  ...(zone ? { zones: [zone] } : {}),
                  tags: mergeAzureTags(vm.tags ?? {}, step.tags, { [SOURCE_TAG]: name }),
                  hardwareProfile: { vmSize: p.type },
                  // The disk and NIC go with the VM when it is deleted (a rollback leaves nothing behind).
                  storageProfile: { osDisk: { createOption: 'Attach', deleteOption: 'Delete', managedDisk: { id: diskId }, ...(osType ? { osType } : {}) } },
                  networkProfile: { networkInterfaces: [{ id: nicId, primary: true, deleteOption: 'Delete' }] },
                },
                lro,
              ),
            );
          },
          async () => ({ asBefore: true, text: `no ${step.name} was created in ${p.region}` }),
        );
        const newId = created.id ?? `/subscriptions/${targetSub}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachines/${step.name}`;
        return {
          message: `${step.name} created in ${p.region} as ${p.type} (its disk and network interface are deleted with it)`,
          created: { provider: 'azure', account: targetSub, region: p.region, ...(p.zone ? { zone: p.zone } : {}), id: newId },
        };
      },
    },
    delete: {
      permissions: ['Microsoft.Compute/virtualMachines/read', 'Microsoft.Compute/virtualMachines/delete'],
      check: async (_s, { instance }) => `${instance.name}: delete (${CHECKED})`,
      async apply(_s, { instance }) {
        const { subscription: sub, resourceGroup: rg, name } = idOf(instance);
        const vms = clients.compute(sub).virtualMachines;
        await call('delete', sub, instance.region, () => vms.delete(rg, name, lro));
        return { message: `${instance.name}: deleted` };
      },
    },
    tag: {
      permissions: ['Microsoft.Compute/virtualMachines/read', 'Microsoft.Compute/virtualMachines/write'],
      async check(step, { instance }) {
        const bad = Object.keys(step.tags).filter(reservedTag);
        if (bad.length) fail('PROVIDER.INVALID', `tag names starting with microsoft, azure or windows are reserved by Azure: ${bad.join(', ')}`, step);
        return `${instance.name}: tag ${shown(step.tags)} (${CHECKED})`;
      },
      async apply(step, { instance, vm }) {
        const bad = Object.keys(step.tags).filter(reservedTag);
        if (bad.length) fail('PROVIDER.INVALID', `tag names starting with microsoft, azure or windows are reserved by Azure: ${bad.join(', ')}`, step);
        const { subscription: sub, resourceGroup: rg, name } = idOf(instance);
        const vms = clients.compute(sub).virtualMachines;
        // PATCH replaces the whole tag map: send the VM's tags with the new ones merged in.
        await call('update tags', sub, instance.region, () => vms.update(rg, name, { tags: mergeAzureTags(vm.tags ?? {}, step.tags) }, lro));
        return { message: `${instance.name}: tagged ${shown(step.tags)}` };
      },
    },
  };

  return {
    actions,
    apply(step: PlanStep, opts: StepRunOptions): Promise<StepResult> {
      return applyDeclared('azure', actions, step, opts, () => deps.read(step.target), 'preflight');
    },
    /** At proposal time: what Azure would refuse about this step (size in the region, architecture, Hyper-V generation). */
    async vet(step: PlanStep): Promise<string | undefined> {
      if (step.kind !== 'resize') return undefined;
      const found = await deps.read(step.target);
      if (!found) return `${step.targetName} no longer exists.`;
      return azureResizeRefusal(clients, found.instance, found.vm, step.toType);
    },
  };
}

function disksOf(vm: VirtualMachine): string[] {
  return [vm.storageProfile?.osDisk?.managedDisk?.id, ...(vm.storageProfile?.dataDisks ?? []).map((d) => d.managedDisk?.id)].filter((d): d is string => !!d);
}

/** Azure RBAC actions each step needs (manifests/iam/azure-steward-operator.role.json grants them). */
export const AZURE_PERMISSIONS: Record<StepKind, string[]> = permissionsOf(
  createAzureActions({ clients: undefined as never, read: async () => undefined, shape: async () => undefined, subnets: {}, pollIntervalMs: 0 }).actions,
);
