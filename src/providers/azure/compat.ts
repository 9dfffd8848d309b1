/**
 * What Azure allows when a VM changes size, checked when a resize is proposed: the size exists in the VM's region and
 * is not restricted for the subscription, it has the VM's CPU architecture (x64 / Arm64) and supports its Hyper-V
 * generation. The facts come from Resource SKUs (Microsoft.Compute/skus) for the region.
 */
import type { ResourceSku, VirtualMachine } from '@azure/arm-compute';
import type { Instance } from '../../domain/model/instance.js';
import type { AzureClients } from './clients.js';
import { toAzureError } from './errors.js';
import { parseVmId } from './instances.js';

const cap = (sku: ResourceSku | undefined, name: string) => sku?.capabilities?.find((c) => c.name === name)?.value;
const lc = (s: string | undefined) => (s ?? '').toLowerCase();

export async function azureResizeRefusal(clients: AzureClients, inst: Instance, vm: VirtualMachine, toType: string): Promise<string | undefined> {
  const { subscription: sub } = parseVmId(inst.id);
  const skus: ResourceSku[] = [];
  try {
    for await (const s of clients.compute(sub).resourceSkus.list({ filter: `location eq '${inst.region}'` })) {
      if (s.resourceType === 'virtualMachines' && (lc(s.name) === lc(toType) || lc(s.name) === lc(inst.type))) skus.push(s);
    }
  } catch (err) {
    throw toAzureError(err, 'list resource SKUs', sub, inst.region);
  }
  const to = skus.find((s) => lc(s.name) === lc(toType));
  const cur = skus.find((s) => lc(s.name) === lc(inst.type));
  if (!to) return `${toType} is not a VM size offered in ${inst.region}.`;
  const blocked = (to.restrictions ?? []).find((r) => r.type === 'Location' || (r.type === 'Zone' && inst.zone && (r.restrictionInfo?.zones ?? []).includes(inst.zone.split('-').pop() ?? '')));
  if (blocked) return `${toType} is not available to this subscription in ${inst.region}${blocked.type === 'Zone' ? ` zone ${inst.zone}` : ''} (${blocked.reasonCode ?? 'restricted'}).`;
  const toArch = cap(to, 'CpuArchitectureType') ?? 'x64';
  const curArch = cap(cur, 'CpuArchitectureType') ?? 'x64';
  if (lc(toArch) !== lc(curArch)) {
    return `${toType} is an ${toArch} size and ${inst.name} runs on ${curArch}: Azure cannot resize a VM to another CPU architecture. Pick an ${curArch} size, or create a new VM from an ${toArch} image.`;
  }
  const gen = vm.instanceView?.hyperVGeneration ?? (cap(cur, 'HyperVGenerations')?.split(',').length === 1 ? cap(cur, 'HyperVGenerations') : undefined);
  const gens = cap(to, 'HyperVGenerations')?.split(',') ?? [];
  if (gen && gens.length && !gens.map(lc).includes(lc(gen))) {
    return `${toType} supports Hyper-V generation ${gens.join('/')} and ${inst.name} is a generation ${gen} VM: Azure cannot resize it there.`;
  }
  return undefined;
}
