import { DescribeSecurityGroupsCommand, type IpPermission, type SecurityGroup } from '@aws-sdk/client-ec2';
import type { Finding } from '../../domain/model/finding.js';
import type { Instance } from '../../domain/model/instance.js';
import type { AwsClients } from './clients.js';
import { toAwsError } from './errors.js';
import { revokeWorld } from './posture-doc.js';

export const SG_PAGE = 1000;

export async function readSecurityGroups(clients: AwsClients, region: string, signal?: AbortSignal): Promise<Map<string, SecurityGroup>> {
  const out = new Map<string, SecurityGroup>();
  let token: string | undefined;
  do {
    const page = await clients
      .ec2(region)
      .send(new DescribeSecurityGroupsCommand({ MaxResults: SG_PAGE, NextToken: token }), { abortSignal: signal })
      .catch((err: unknown) => {
        throw toAwsError(err, 'DescribeSecurityGroups', region);
      });
    for (const g of page.SecurityGroups ?? []) if (g.GroupId) out.set(g.GroupId, g);
    token = page.NextToken;
  } while (token);
  return out;
}

const WORLD = new Set(['0.0.0.0/0', '::/0']);
const HIGH_RISK_PORTS = [20, 21, 23, 25, 110, 135, 139, 143, 445, 1433, 1521, 3306, 5432, 5500, 5601, 6379, 8080, 9200, 9300, 11211, 27017];

/** "0.0.0.0/0", "::/0" or "0.0.0.0/0 and ::/0": every world range of the permission, IPv4 and IPv6. */
function openToWorld(p: IpPermission): string | undefined {
  const v4 = (p.IpRanges ?? []).find((r) => r.CidrIp && WORLD.has(r.CidrIp))?.CidrIp;
  const v6 = (p.Ipv6Ranges ?? []).find((r) => r.CidrIpv6 && WORLD.has(r.CidrIpv6))?.CidrIpv6;
  return [v4, v6].filter(Boolean).join(' and ') || undefined;
}

function covers(p: IpPermission, port: number): boolean {
  if (p.IpProtocol === '-1') return true;
  if (p.IpProtocol !== 'tcp' && p.IpProtocol !== '6') return false;
  return (p.FromPort ?? 0) <= port && port <= (p.ToPort ?? 65535);
}

/**
 * Findings for one instance from its security groups, volumes, metadata options and addresses
 * (check ids follow Prowler's names, the same ones the demo estate reports).
 */
export function awsFindings(i: Instance, raw: { MetadataOptions?: { HttpTokens?: string | undefined } | undefined; SecurityGroups?: { GroupId?: string | undefined }[] | undefined }, groups: Map<string, SecurityGroup>): Finding[] {
  const resource = { provider: i.provider, account: i.account, region: i.region, ...(i.zone ? { zone: i.zone } : {}), id: i.id, name: i.name };
  const out: Finding[] = [];
  const add = (checkId: string, severity: Finding['severity'], title: string, detail: string, remediation?: string) =>
    out.push({ checkId, severity, title, detail, resource, ...(remediation ? { remediation } : {}) });
  for (const ref of raw.SecurityGroups ?? []) {
    const g = ref.GroupId ? groups.get(ref.GroupId) : undefined;
    if (!g) continue;
    for (const p of g.IpPermissions ?? []) {
      const cidr = openToWorld(p);
      if (!cidr) continue;
      const revoke = revokeWorld(i.region, g.GroupId ?? '', p);
      if (p.IpProtocol === '-1') {
        add('ec2_securitygroup_allow_ingress_from_internet_to_all_ports', 'critical', 'All ports open to the internet', `${g.GroupId} (${g.GroupName}) allows all traffic from ${cidr}`, revoke);
        continue;
      }
      if (covers(p, 22)) add('ec2_instance_port_ssh_exposed_to_internet', 'critical', 'SSH open to the internet', `${g.GroupId} (${g.GroupName}) allows tcp/22 from ${cidr}`, revoke);
      if (covers(p, 3389)) add('ec2_instance_port_rdp_exposed_to_internet', 'critical', 'RDP open to the internet', `${g.GroupId} (${g.GroupName}) allows tcp/3389 from ${cidr}`, revoke);
      const risky = HIGH_RISK_PORTS.filter((port) => covers(p, port));
      if (risky.length) {
        add('ec2_securitygroup_allow_ingress_from_internet_to_high_risk_tcp_ports', 'high', 'High-risk ports open to the internet', `${g.GroupId} (${g.GroupName}) allows tcp/${risky.slice(0, 5).join(',')} from ${cidr}`, revoke);
      }
    }
  }
  if (raw.MetadataOptions?.HttpTokens === 'optional') {
    add('ec2_instance_imdsv2_enabled', 'high', 'IMDSv2 not required', 'instance metadata accepts v1 requests', `aws ec2 modify-instance-metadata-options --region ${i.region} --instance-id ${i.id} --http-tokens required`);
  }
  for (const d of i.disks) {
    if (d.encrypted === false) add('ec2_ebs_volume_encryption', 'high', 'Unencrypted disk', `volume ${d.id} (${d.sizeGiB} GiB) is not encrypted`);
  }
  if (i.publicIps.length) add('ec2_instance_public_ip', 'medium', 'Public IP', `public address ${i.publicIps.join(', ')}`);
  return out;
}
