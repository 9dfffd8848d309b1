import type { protos } from '@google-cloud/compute';
import type { Instance } from '../../domain/model/instance.js';
import type { IngressRule, ResourcePosture } from '../../domain/model/posture.js';
import { last, type GceInstance } from './instances.js';

type Firewall = protos.google.cloud.compute.v1.IFirewall;

const ON = new Set(['true', '1', 'yes']);

function appliesTo(f: Firewall, raw: GceInstance): boolean {
  if (f.disabled || (f.direction && f.direction !== 'INGRESS')) return false;
  const networks = (raw.networkInterfaces ?? []).map((n) => last(n.network));
  if (f.network && !networks.includes(last(f.network))) return false;
  const tags = raw.tags?.items ?? [];
  return !f.targetTags?.length || f.targetTags.some((t) => tags.includes(t));
}

function protocolOf(p: string | null | undefined): IngressRule['protocol'] {
  const v = (p ?? '').toLowerCase();
  if (v === 'all') return 'all';
  if (v === 'tcp' || v === '6') return 'tcp';
  if (v === 'udp' || v === '17') return 'udp';
  if (v === 'icmp' || v === '1') return 'icmp';
  return 'other';
}

/** The normalized posture of one Compute Engine instance from the project's firewalls, metadata and settings. */
export function gcpPosture(i: Instance, raw: GceInstance, firewalls: Firewall[]): ResourcePosture {
  const ingress: IngressRule[] = [];
  for (const f of firewalls) {
    if (!appliesTo(f, raw)) continue;
    const sources = (f.sourceRanges ?? []).filter((s): s is string => !!s);
    if (!sources.length) continue;
    for (const a of f.allowed ?? []) {
      const protocol = protocolOf(a.IPProtocol);
      const ranges: [number, number][] = a.ports?.length
        ? a.ports.map((p): [number, number] => {
            const [lo, hi] = p.split('-').map(Number);
            return [lo ?? 0, hi ?? lo ?? 0];
          })
        : [[0, 65535]];
      for (const [fromPort, toPort] of ranges) {
        ingress.push({ protocol, fromPort, toPort, sources, via: `firewall ${f.name}`, fix: `gcloud compute firewall-rules update ${f.name} --project ${i.account} --source-ranges=<your range>` });
      }
    }
  }
  const meta = new Map((raw.metadata?.items ?? []).map((m) => [m.key ?? '', String(m.value ?? '').toLowerCase()]));
  const shielded = raw.shieldedInstanceConfig;
  return {
    resource: { provider: 'gcp', account: i.account, region: i.region, ...(i.zone ? { zone: i.zone } : {}), id: i.id, name: i.name },
    state: i.state,
    tags: { ...i.tags },
    publicIps: [...i.publicIps],
    ingress,
    disks: i.disks.map((d, n) => {
      const src = raw.disks?.[n];
      return { ...d, customerKey: !!(src?.diskEncryptionKey && (src.diskEncryptionKey.sha256 || src.diskEncryptionKey.kmsKeyName)) };
    }),
    gcp: {
      serialPort: ON.has(meta.get('serial-port-enable') ?? ''),
      blockProjectSshKeys: ON.has(meta.get('block-project-ssh-keys') ?? ''),
      canIpForward: raw.canIpForward === true,
      // Older instances carry no shieldedInstanceConfig at all: they are not Shielded VMs.
      shieldedVm: !!shielded && shielded.enableVtpm === true && shielded.enableIntegrityMonitoring === true,
      confidentialCompute: raw.confidentialInstanceConfig?.enableConfidentialCompute === true,
      serviceAccounts: (raw.serviceAccounts ?? []).map((s) => ({ email: s.email ?? '', scopes: (s.scopes ?? []).filter((x): x is string => !!x) })),
    },
  };
}
