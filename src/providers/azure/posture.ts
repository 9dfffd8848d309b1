import type { VirtualMachine } from '@azure/arm-compute';
import type { NetworkSecurityGroup, SecurityRule } from '@azure/arm-network';
import type { Finding } from '../../domain/model/finding.js';
import type { Instance } from '../../domain/model/instance.js';
import type { AzureClients } from './clients.js';
import { toAzureError } from './errors.js';
import type { Nic } from './instances.js';

export async function readNsgs(clients: AzureClients, sub: string, signal?: AbortSignal): Promise<Map<string, NetworkSecurityGroup>> {
  const out = new Map<string, NetworkSecurityGroup>();
  try {
    for await (const g of clients.network(sub).networkSecurityGroups.listAll(signal ? { abortSignal: signal } : {})) if (g.id) out.set(g.id.toLowerCase(), g);
  } catch (err) {
    throw toAzureError(err, 'list network security groups', sub);
  }
  return out;
}

const INTERNET = new Set(['*', '0.0.0.0/0', '::/0', 'internet', 'any']);

function fromInternet(r: SecurityRule): boolean {
  const sources = [r.sourceAddressPrefix, ...(r.sourceAddressPrefixes ?? [])].filter((s): s is string => !!s);
  return sources.some((s) => INTERNET.has(s.toLowerCase()));
}

function opens(r: SecurityRule, port: number): boolean {
  if (r.protocol && !['tcp', '*'].includes(r.protocol.toLowerCase())) return false;
  const ranges = [r.destinationPortRange, ...(r.destinationPortRanges ?? [])].filter((s): s is string => !!s);
  return ranges.some((range) => {
    if (range === '*') return true;
    const [lo, hi] = range.split('-').map(Number);
    return lo !== undefined && lo <= port && port <= (hi ?? lo);
  });
}

/** Findings for one VM from its NICs' NSGs, disks and public addresses (Prowler's Azure check ids). */
export function azureFindings(i: Instance, vm: VirtualMachine, nics: Nic[], nsgs: Map<string, NetworkSecurityGroup>): Finding[] {
  const resource = { provider: i.provider, account: i.account, region: i.region, ...(i.zone ? { zone: i.zone } : {}), id: i.id, name: i.name };
  const out: Finding[] = [];
  const add = (checkId: string, severity: Finding['severity'], title: string, detail: string, remediation?: string) =>
    out.push({ checkId, severity, title, detail, resource, ...(remediation ? { remediation } : {}) });
  const mine = nics.filter((n) => (n.vmId ?? '').toLowerCase() === i.id.toLowerCase());
  const seen = new Set<string>();
  for (const n of mine) {
    const nsg = n.nsgId ? nsgs.get(n.nsgId.toLowerCase()) : undefined;
    if (!nsg) continue;
    for (const r of nsg.securityRules ?? []) {
      if (r.direction !== 'Inbound' || r.access !== 'Allow' || !fromInternet(r)) continue;
      const fix = `az network nsg rule update -g <resource-group> --nsg-name ${nsg.name} -n ${r.name} --access Deny`;
      if (opens(r, 22) && !seen.has('ssh')) {
        seen.add('ssh');
        add('network_ssh_internet_access_restricted', 'critical', 'SSH open to the internet', `NSG ${nsg.name} rule ${r.name} allows tcp/22 from ${r.sourceAddressPrefix ?? 'the internet'}`, fix);
      }
      if (opens(r, 3389) && !seen.has('rdp')) {
        seen.add('rdp');
        add('network_rdp_internet_access_restricted', 'critical', 'RDP open to the internet', `NSG ${nsg.name} rule ${r.name} allows tcp/3389 from ${r.sourceAddressPrefix ?? 'the internet'}`, fix);
      }
    }
  }
  const unmanaged = [vm.storageProfile?.osDisk, ...(vm.storageProfile?.dataDisks ?? [])].filter((d) => d && !d.managedDisk && d.vhd);
  if (unmanaged.length) add('vm_ensure_using_managed_disks', 'high', 'Unmanaged disks', `${unmanaged.length} disk(s) are VHDs in a storage account, not managed disks`);
  if (i.publicIps.length) add('vm_public_ip', 'medium', 'Public IP', `public address ${i.publicIps.join(', ')}`);
  return out;
}
