import type { IngressRule, ResourcePosture } from '../../domain/model/posture.js';
import { createRandom, hashString } from '../../lib/random.js';
import type { DemoInstance } from './estate.js';

/**
 * The normalized posture of a simulated instance: the estate's own flags (SSH/RDP open, IMDSv1, serial port, default
 * service account, disk encryption, public IPs) plus settings the estate file does not carry, drawn from a hash of
 * the instance id so that the same instance always has the same posture.
 */
export function demoPosture(i: DemoInstance): ResourcePosture {
  const r = createRandom(hashString(`posture:${i.provider}:${i.id}`));
  const ingress: IngressRule[] = [];
  const via = { aws: 'sg-demo-web', azure: `NSG ${i.name}-nsg`, gcp: 'firewall demo-allow' }[i.provider];
  if (i.posture.sshOpenToWorld) ingress.push({ protocol: 'tcp', fromPort: 22, toPort: 22, sources: ['0.0.0.0/0'], via: `${via} (ssh)` });
  if (i.posture.rdpOpenToWorld) ingress.push({ protocol: 'tcp', fromPort: 3389, toPort: 3389, sources: ['0.0.0.0/0'], via: `${via} (rdp)` });
  const web = i.tags.app === 'web' && i.publicIps.length > 0;
  if (web) ingress.push({ protocol: 'tcp', fromPort: 443, toPort: 443, sources: ['0.0.0.0/0', '::/0'], via: `${via} (https)` });
  if (r.chance(0.03)) ingress.push({ protocol: 'tcp', fromPort: 5432, toPort: 5432, sources: ['0.0.0.0/0'], via: `${via} (postgres)` });
  if (r.chance(0.01)) ingress.push({ protocol: 'all', fromPort: 0, toPort: 65535, sources: ['0.0.0.0/0'], via: `${via} (any)` });
  if (i.provider === 'azure' && r.chance(0.03)) ingress.push({ protocol: 'udp', fromPort: 500, toPort: 500, sources: ['Internet'], via: `${via} (ike)` });
  const base: ResourcePosture = {
    resource: { provider: i.provider, account: i.account, region: i.region, ...(i.zone ? { zone: i.zone } : {}), id: i.id, name: i.name },
    state: i.state,
    tags: { ...i.tags },
    publicIps: [...i.publicIps],
    ingress,
    disks: i.disks.map((d) => ({ id: d.id, sizeGiB: d.sizeGiB, encrypted: d.encrypted, managed: true, customerKey: d.encrypted === false ? false : r.chance(0.6) })),
  };
  if (i.provider === 'aws') {
    base.aws = {
      imdsV2Required: !i.posture.imdsV1,
      instanceProfile: r.chance(0.4) ? `arn:aws:iam::${i.account}:instance-profile/${i.tags.app ?? 'app'}-role` : null,
      defaultGroupsWithRules: r.chance(0.05) ? [{ id: 'sg-demo-default', inbound: 1, outbound: 1 }] : [],
    };
  } else if (i.provider === 'azure') {
    const linux = r.chance(0.8);
    base.azure = { trustedLaunch: r.chance(0.75), ...(linux ? { linuxPasswordAuth: r.chance(0.1) } : {}) };
  } else {
    base.gcp = {
      serialPort: i.posture.serialPort,
      blockProjectSshKeys: r.chance(0.6),
      canIpForward: r.chance(0.04),
      shieldedVm: r.chance(0.8),
      confidentialCompute: r.chance(0.15),
      serviceAccounts: [
        i.posture.defaultServiceAccount
          ? { email: `123456789012-compute@developer.gserviceaccount.com`, scopes: r.chance(0.4) ? ['https://www.googleapis.com/auth/cloud-platform'] : ['https://www.googleapis.com/auth/devstorage.read_only'] }
          : { email: `${i.tags.app ?? 'app'}@${i.account}.iam.gserviceaccount.com`, scopes: ['https://www.googleapis.com/auth/cloud-platform'] },
      ],
    };
  }
  return base;
}
