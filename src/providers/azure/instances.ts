import type { VirtualMachine } from '@azure/arm-compute';
import type { Disk, Instance, InstanceState } from '../../domain/model/instance.js';
import type { PriceCatalog } from '../../domain/ports/price-catalog.port.js';
import type { AzureClients } from './clients.js';
import { toAzureError } from './errors.js';

export interface Shape {
  vcpu: number;
  memoryGiB: number;
  gpu: number;
}

export interface Nic {
  id: string;
  vmId: string | undefined;
  privateIps: string[];
  publicIpIds: string[];
  nsgId: string | undefined;
}

export interface RawSubscription {
  subscription: string;
  vms: VirtualMachine[];
  /** VM id (lower case) → power state code, from the statusOnly listing. */
  power: Map<string, string>;
  nics: Nic[];
  publicIps: Map<string, string>;
}

const lc = (s: string | undefined) => (s ?? '').toLowerCase();

async function drain<T>(it: AsyncIterable<T>, op: string, sub: string): Promise<T[]> {
  const out: T[] = [];
  try {
    for await (const x of it) out.push(x);
  } catch (err) {
    throw toAzureError(err, op, sub);
  }
  return out;
}

/**
 * One subscription in four paged chains read side by side: VM models, VM power states (statusOnly),
 * network interfaces and public IP addresses. Every list follows nextLink to the end.
 */
export async function readSubscription(clients: AzureClients, sub: string, signal?: AbortSignal): Promise<RawSubscription> {
  const compute = clients.compute(sub);
  const network = clients.network(sub);
  const opts = signal ? { abortSignal: signal } : {};
  const [vms, statuses, nics, pips] = await Promise.all([
    drain(compute.virtualMachines.listAll(opts), 'list virtual machines', sub),
    drain(compute.virtualMachines.listAll({ ...opts, statusOnly: 'true' }), 'list virtual machine power states', sub),
    drain(network.networkInterfaces.listAll(opts), 'list network interfaces', sub),
    drain(network.publicIPAddresses.listAll(opts), 'list public IP addresses', sub),
  ]);
  const power = new Map<string, string>();
  for (const v of statuses) {
    const code = v.instanceView?.statuses?.find((s) => s.code?.startsWith('PowerState/'))?.code;
    if (v.id && code) power.set(lc(v.id), code);
  }
  return {
    subscription: sub,
    vms,
    power,
    nics: nics.map((n) => ({
      id: n.id ?? '',
      vmId: n.virtualMachine?.id,
      privateIps: (n.ipConfigurations ?? []).map((c) => c.privateIPAddress).filter((x): x is string => !!x),
      publicIpIds: (n.ipConfigurations ?? []).map((c) => c.publicIPAddress?.id).filter((x): x is string => !!x),
      nsgId: n.networkSecurityGroup?.id,
    })),
    publicIps: new Map(pips.filter((p) => p.id && p.ipAddress).map((p) => [lc(p.id), p.ipAddress as string])),
  };
}

/**
 * NICs grouped by the VM they are attached to (lower-case id). Matching each VM against every NIC of the
 * subscription was quadratic: 10,000 comparisons for 100 VMs, 4 million for 2,000.
 */
export function nicsByVm(nics: Nic[]): Map<string, Nic[]> {
  const out = new Map<string, Nic[]>();
  for (const n of nics) {
    if (!n.vmId) continue;
    const key = lc(n.vmId);
    const list = out.get(key);
    if (list) list.push(n);
    else out.set(key, [n]);
  }
  return out;
}

/** Sizes the catalog does not know, from VirtualMachineSizes_List for the location (remembered per location). */
export async function resolveShapes(clients: AzureClients, sub: string, location: string, known: Map<string, Shape>): Promise<void> {
  const sizes = await drain(clients.compute(sub).virtualMachineSizes.list(location), 'list virtual machine sizes', sub);
  for (const s of sizes) {
    if (s.name) known.set(lc(s.name), { vcpu: s.numberOfCores ?? 0, memoryGiB: Math.round(((s.memoryInMB ?? 0) / 1024) * 100) / 100, gpu: 0 });
  }
}

const POWER: Record<string, InstanceState> = {
  'PowerState/running': 'running',
  'PowerState/starting': 'pending',
  'PowerState/stopping': 'stopping',
  'PowerState/deallocating': 'stopping',
  'PowerState/stopped': 'stopped',
  'PowerState/deallocated': 'stopped',
};

export function powerState(code: string | undefined): InstanceState {
  return (code && POWER[code]) || 'unknown';
}

/** Resource group and name out of an ARM id. */
export function parseVmId(id: string): { subscription: string; resourceGroup: string; name: string } {
  const m = /\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/virtualMachines\/([^/]+)/i.exec(id);
  if (!m) throw new Error(`not a virtual machine id: ${id}`);
  return { subscription: m[1] as string, resourceGroup: m[2] as string, name: m[3] as string };
}

export function toInstance(
  vm: VirtualMachine,
  ctx: { subscription: string; power: string | undefined; nics: Nic[]; publicIps: Map<string, string>; shape: Shape | undefined; catalog: PriceCatalog },
): Instance {
  const location = vm.location ?? 'unknown';
  const type = vm.hardwareProfile?.vmSize ?? 'unknown';
  const vmId = lc(vm.id);
  const mine = ctx.nics.filter((n) => lc(n.vmId) === vmId);
  const storage = vm.storageProfile;
  const disks: Disk[] = [];
  const os = storage?.osDisk;
  if (os) {
    disks.push({
      id: os.managedDisk?.id ?? os.vhd?.uri?.split('?')[0] ?? os.name ?? 'os',
      sizeGiB: os.diskSizeGB ?? 0,
      // Managed disks are always encrypted at rest (platform or customer key); unmanaged VHDs depend on the storage account.
      encrypted: os.managedDisk ? true : os.encryptionSettings?.enabled ?? null,
    });
  }
  for (const d of storage?.dataDisks ?? []) {
    disks.push({ id: d.managedDisk?.id ?? d.vhd?.uri?.split('?')[0] ?? d.name ?? `lun-${d.lun}`, sizeGiB: d.diskSizeGB ?? 0, encrypted: d.managedDisk ? true : null });
  }
  const zone = vm.zones?.[0];
  return {
    provider: 'azure',
    account: ctx.subscription,
    region: location,
    ...(zone ? { zone: `${location}-${zone}` } : {}),
    id: vm.id ?? '',
    name: vm.name ?? '',
    type,
    vcpu: ctx.shape?.vcpu ?? null,
    memoryGiB: ctx.shape?.memoryGiB ?? null,
    gpu: ctx.shape?.gpu ?? 0,
    state: powerState(ctx.power),
    ...(vm.timeCreated ? { launchedAt: new Date(vm.timeCreated).toISOString() } : {}),
    tags: { ...(vm.tags ?? {}) },
    publicIps: mine.flatMap((n) => n.publicIpIds.map((id) => ctx.publicIps.get(lc(id))).filter((x): x is string => !!x)),
    privateIps: mine.flatMap((n) => n.privateIps),
    disks,
    price: ctx.catalog.price('azure', location, type),
  };
}
