import type { VirtualMachine } from '@azure/arm-compute';
import type { NetworkSecurityGroup, SecurityRule } from '@azure/arm-network';
import type { Instance } from '../../domain/model/instance.js';
import type { IngressRule, ResourcePosture } from '../../domain/model/posture.js';
import type { Nic } from './instances.js';

function protocolOf(r: SecurityRule): IngressRule['protocol'] {
  const v = (r.protocol ?? '*').toLowerCase();
  if (v === '*') return 'all';
  if (v === 'tcp' || v === 'udp' || v === 'icmp') return v;
  return 'other';
}

function portRanges(r: SecurityRule): [number, number][] {
  const ranges = [r.destinationPortRange, ...(r.destinationPortRanges ?? [])].filter((s): s is string => !!s);
  return ranges.flatMap((range): [number, number][] => {
    if (range === '*') return [[0, 65535]];
    const [lo, hi] = range.split('-').map((x) => Number(x.trim()));
    return lo === undefined || Number.isNaN(lo) ? [] : [[lo, hi === undefined || Number.isNaN(hi) ? lo : hi]];
  });
}

/**
 * The normalized posture of one VM: inbound Allow rules of its NICs' NSGs (rules a higher-priority Deny shadows
 * are still listed: the check reports the rule, as Prowler does), disks, Trusted Launch and SSH password settings.
 */
export function azurePosture(i: Instance, vm: VirtualMachine, nics: Nic[], nsgs: Map<string, NetworkSecurityGroup>): ResourcePosture {
  const ingress: IngressRule[] = [];
  const seen = new Set<string>();
  for (const n of nics) {
    const nsg = n.nsgId ? nsgs.get(n.nsgId.toLowerCase()) : undefined;
    if (!nsg || seen.has(nsg.id ?? '')) continue;
    seen.add(nsg.id ?? '');
    for (const r of nsg.securityRules ?? []) {
      if (r.direction !== 'Inbound' || r.access !== 'Allow') continue;
      const sources = [r.sourceAddressPrefix, ...(r.sourceAddressPrefixes ?? [])].filter((s): s is string => !!s);
      for (const [fromPort, toPort] of portRanges(r)) {
        ingress.push({
          protocol: protocolOf(r),
          fromPort,
          toPort,
          sources,
          via: `NSG ${nsg.name} rule ${r.name}`,
          fix: `az network nsg rule update --nsg-name ${nsg.name} -n ${r.name} -g <resource-group> --access Deny`,
        });
      }
    }
  }
  const storage = vm.storageProfile;
  const all = [...(storage?.osDisk ? [storage.osDisk] : []), ...(storage?.dataDisks ?? [])];
  const security = vm.securityProfile;
  const linux = vm.osProfile?.linuxConfiguration;
  return {
    resource: { provider: 'azure', account: i.account, region: i.region, ...(i.zone ? { zone: i.zone } : {}), id: i.id, name: i.name },
    state: i.state,
    tags: { ...i.tags },
    publicIps: [...i.publicIps],
    ingress,
    disks: i.disks.map((d, n) => {
      const src = all[n];
      const managed = src ? !!src.managedDisk || !src.vhd : true;
      return { ...d, managed, customerKey: src?.managedDisk ? !!src.managedDisk.diskEncryptionSet?.id : null };
    }),
    azure: {
      ...(vm.storageProfile ? { trustedLaunch: security?.securityType === 'TrustedLaunch' && security.uefiSettings?.secureBootEnabled === true && security.uefiSettings?.vTpmEnabled === true } : {}),
      ...(linux ? { linuxPasswordAuth: linux.disablePasswordAuthentication !== true } : {}),
    },
  };
}
