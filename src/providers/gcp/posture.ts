import type { protos } from '@google-cloud/compute';
import type { Finding } from '../../domain/model/finding.js';
import type { Instance } from '../../domain/model/instance.js';
import type { GcpClients } from './clients.js';
import { toGcpError } from './errors.js';
import { last, type GceInstance } from './instances.js';

type Firewall = protos.google.cloud.compute.v1.IFirewall;

export async function readFirewalls(clients: GcpClients, project: string): Promise<Firewall[]> {
  const out: Firewall[] = [];
  try {
    for await (const f of (await clients.firewalls()).listAsync({ project, maxResults: 500 })) out.push(f);
  } catch (err) {
    throw toGcpError(err, 'list firewalls');
  }
  return out;
}

function allows(f: Firewall, port: number): boolean {
  return (f.allowed ?? []).some((a) => {
    const proto = (a.IPProtocol ?? '').toLowerCase();
    if (proto !== 'tcp' && proto !== 'all' && proto !== '6') return false;
    if (!a.ports?.length) return true;
    return a.ports.some((p) => {
      const [lo, hi] = p.split('-').map(Number);
      return lo !== undefined && lo <= port && port <= (hi ?? lo);
    });
  });
}

function applies(f: Firewall, raw: GceInstance): boolean {
  if (f.disabled || (f.direction && f.direction !== 'INGRESS')) return false;
  if (!(f.sourceRanges ?? []).some((r) => r === '0.0.0.0/0' || r === '::/0')) return false;
  const networks = (raw.networkInterfaces ?? []).map((n) => last(n.network));
  if (f.network && !networks.includes(last(f.network))) return false;
  const tags = raw.tags?.items ?? [];
  return !f.targetTags?.length || f.targetTags.some((t) => tags.includes(t));
}

const ON = new Set(['true', '1', 'yes']);

/** Findings for one instance from the project's firewalls and its own settings (Prowler's GCP check ids). */
export function gcpFindings(i: Instance, raw: GceInstance, firewalls: Firewall[]): Finding[] {
  const resource = { provider: i.provider, account: i.account, region: i.region, ...(i.zone ? { zone: i.zone } : {}), id: i.id, name: i.name };
  const out: Finding[] = [];
  const add = (checkId: string, severity: Finding['severity'], title: string, detail: string, remediation?: string) =>
    out.push({ checkId, severity, title, detail, resource, ...(remediation ? { remediation } : {}) });
  const open = firewalls.filter((f) => applies(f, raw));
  const ssh = open.find((f) => allows(f, 22));
  const rdp = open.find((f) => allows(f, 3389));
  if (ssh) add('compute_firewall_ssh_access_from_the_internet_allowed', 'critical', 'SSH open to the internet', `firewall ${ssh.name} allows tcp/22 from ${(ssh.sourceRanges ?? []).join(', ')}`, `gcloud compute firewall-rules update ${ssh.name} --project ${i.account} --source-ranges=<your range>`);
  if (rdp) add('compute_firewall_rdp_access_from_the_internet_allowed', 'critical', 'RDP open to the internet', `firewall ${rdp.name} allows tcp/3389 from ${(rdp.sourceRanges ?? []).join(', ')}`, `gcloud compute firewall-rules update ${rdp.name} --project ${i.account} --source-ranges=<your range>`);
  const serial = (raw.metadata?.items ?? []).find((m) => m.key === 'serial-port-enable');
  if (serial && ON.has(String(serial.value).toLowerCase())) {
    add('compute_instance_serial_ports_in_use', 'medium', 'Serial port enabled', 'metadata serial-port-enable=true', `gcloud compute instances add-metadata ${i.name} --zone ${i.zone} --metadata serial-port-enable=false`);
  }
  for (const sa of raw.serviceAccounts ?? []) {
    if (!sa.email?.endsWith('-compute@developer.gserviceaccount.com')) continue;
    const full = (sa.scopes ?? []).includes('https://www.googleapis.com/auth/cloud-platform');
    add(
      full ? 'compute_instance_default_service_account_in_use_with_full_api_access' : 'compute_instance_default_service_account_in_use',
      full ? 'high' : 'medium',
      full ? 'Default service account with full API access' : 'Default service account',
      `runs as ${sa.email}${full ? ' with the cloud-platform scope' : ''}`,
    );
  }
  if (i.publicIps.length) add('compute_instance_public_ip', 'medium', 'Public IP', `external address ${i.publicIps.join(', ')}`);
  return out;
}
