import type { Instance as Ec2Instance, IpPermission, SecurityGroup, Volume } from '@aws-sdk/client-ec2';
import type { Instance } from '../../domain/model/instance.js';
import type { IngressRule, ResourcePosture } from '../../domain/model/posture.js';

function protocolOf(p: IpPermission): IngressRule['protocol'] {
  const v = (p.IpProtocol ?? '').toLowerCase();
  if (v === '-1' || v === 'all') return 'all';
  if (v === 'tcp' || v === '6') return 'tcp';
  if (v === 'udp' || v === '17') return 'udp';
  if (v === 'icmp' || v === '1' || v === 'icmpv6' || v === '58') return 'icmp';
  return 'other';
}

function ruleCount(ps: IpPermission[] | undefined): number {
  return (ps ?? []).reduce((n, p) => n + Math.max(1, (p.IpRanges?.length ?? 0) + (p.Ipv6Ranges?.length ?? 0) + (p.UserIdGroupPairs?.length ?? 0) + (p.PrefixListIds?.length ?? 0)), 0);
}

/**
 * The command that closes a permission to the internet and nothing else: every world range it has, IPv4
 * (0.0.0.0/0) and IPv6 (::/0) in one call, in the group's own region. Other sources of the same permission stay.
 */
export function revokeWorld(region: string, groupId: string, p: IpPermission): string | undefined {
  const v4 = (p.IpRanges ?? []).filter((r) => r.CidrIp === '0.0.0.0/0').map(() => ({ CidrIp: '0.0.0.0/0' }));
  const v6 = (p.Ipv6Ranges ?? []).filter((r) => r.CidrIpv6 === '::/0').map(() => ({ CidrIpv6: '::/0' }));
  if (!v4.length && !v6.length) return undefined;
  const all = p.IpProtocol === '-1';
  const perm = {
    IpProtocol: p.IpProtocol,
    ...(all ? {} : { FromPort: p.FromPort, ToPort: p.ToPort }),
    ...(v4.length ? { IpRanges: v4.slice(0, 1) } : {}),
    ...(v6.length ? { Ipv6Ranges: v6.slice(0, 1) } : {}),
  };
  return `aws ec2 revoke-security-group-ingress --region ${region} --group-id ${groupId} --ip-permissions '${JSON.stringify([perm])}'`;
}

/** The normalized posture of one EC2 instance from its security groups, volumes and metadata options. */
export function awsPosture(i: Instance, raw: Ec2Instance, groups: Map<string, SecurityGroup>, volumes: Map<string, Volume>): ResourcePosture {
  const ingress: IngressRule[] = [];
  const defaults: { id: string; inbound: number; outbound: number }[] = [];
  for (const ref of raw.SecurityGroups ?? []) {
    const g = ref.GroupId ? groups.get(ref.GroupId) : undefined;
    if (!g) continue;
    const via = `${g.GroupId} (${g.GroupName ?? ''})`;
    for (const p of g.IpPermissions ?? []) {
      const protocol = protocolOf(p);
      const all = protocol === 'all';
      const sources = [...(p.IpRanges ?? []).map((r) => r.CidrIp), ...(p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6)].filter((s): s is string => !!s);
      if (!sources.length) continue;
      ingress.push({
        protocol,
        fromPort: all ? 0 : Math.max(0, p.FromPort ?? 0),
        toPort: all ? 65535 : p.ToPort === undefined || p.ToPort < 0 ? 65535 : p.ToPort,
        sources,
        via,
        ...(revokeWorld(i.region, g.GroupId ?? '', p) ? { fix: revokeWorld(i.region, g.GroupId ?? '', p) as string } : {}),
      });
    }
    if (g.GroupName === 'default') {
      const inbound = ruleCount(g.IpPermissions);
      const outbound = ruleCount(g.IpPermissionsEgress);
      if (inbound + outbound > 0) defaults.push({ id: g.GroupId ?? '', inbound, outbound });
    }
  }
  const tokens = raw.MetadataOptions?.HttpTokens;
  return {
    resource: { provider: 'aws', account: i.account, region: i.region, ...(i.zone ? { zone: i.zone } : {}), id: i.id, name: i.name },
    state: i.state,
    tags: { ...i.tags },
    publicIps: [...i.publicIps],
    ingress,
    disks: i.disks.map((d) => {
      const v = volumes.get(d.id);
      return { ...d, customerKey: v?.KmsKeyId ? !/alias\/aws\/ebs$/.test(v.KmsKeyId) : v?.Encrypted === false ? false : null };
    }),
    aws: {
      ...(tokens ? { imdsV2Required: tokens === 'required' } : {}),
      instanceProfile: raw.IamInstanceProfile?.Arn ?? null,
      defaultGroupsWithRules: defaults,
    },
  };
}
