import { describe, expect, it } from 'vitest';
import type { Cloud } from '../../../src/domain/model/cloud.js';
import type { ResourcePosture } from '../../../src/domain/model/posture.js';
import { findCheck, SECURITY_CHECKS } from '../../../src/domain/security/checks.js';
import { parseMuteDuration, type SecurityMute } from '../../../src/domain/security/mutes.js';
import { compareWithPrevious, evaluateSecurity, failingKeys } from '../../../src/domain/security/report.js';

/** A posture document with nothing wrong in it: every check passes. */
function clean(cloud: Cloud, name = `${cloud}-ok`): ResourcePosture {
  const base: ResourcePosture = {
    resource: { provider: cloud, account: 'acct-1', region: cloud === 'aws' ? 'eu-west-1' : cloud === 'azure' ? 'westeurope' : 'europe-west1', zone: 'z-a', id: `${name}-id`, name },
    state: 'running',
    tags: { env: 'prod' },
    publicIps: [],
    ingress: [{ protocol: 'tcp', fromPort: 22, toPort: 22, sources: ['10.0.0.0/8'], via: 'internal-ssh' }],
    disks: [{ id: 'd1', sizeGiB: 20, encrypted: true, managed: true, customerKey: true }],
  };
  if (cloud === 'aws') base.aws = { imdsV2Required: true, instanceProfile: 'arn:aws:iam::1:instance-profile/app', defaultGroupsWithRules: [] };
  if (cloud === 'azure') base.azure = { trustedLaunch: true, linuxPasswordAuth: false };
  if (cloud === 'gcp') {
    base.gcp = { serialPort: false, blockProjectSshKeys: true, canIpForward: false, shieldedVm: true, confidentialCompute: true, serviceAccounts: [{ email: 'app@p.iam.gserviceaccount.com', scopes: ['https://www.googleapis.com/auth/cloud-platform'] }] };
  }
  return base;
}

const world = (protocol: 'tcp' | 'udp' | 'all', from: number, to: number, src = '0.0.0.0/0') => ({ protocol, fromPort: from, toPort: to, sources: [src], via: 'rule-x' });
const DEFAULT_SA = '123-compute@developer.gserviceaccount.com';

/** For each check: how to break a clean document so that exactly this check fails. */
const BREAK: Record<string, (p: ResourcePosture) => void> = {
  'aws-sg-all-ports': (p) => p.ingress.push(world('all', 0, 65535)),
  'aws-sg-ssh': (p) => p.ingress.push(world('tcp', 22, 22, '::/0')),
  'aws-sg-rdp': (p) => p.ingress.push(world('tcp', 3389, 3389)),
  'aws-sg-high-risk-ports': (p) => p.ingress.push(world('tcp', 5432, 5432)),
  'aws-default-sg': (p) => (p.aws!.defaultGroupsWithRules = [{ id: 'sg-default', inbound: 1, outbound: 1 }]),
  'aws-imdsv2': (p) => (p.aws!.imdsV2Required = false),
  'aws-ebs-encryption': (p) => p.disks.push({ id: 'vol-plain', sizeGiB: 8, encrypted: false }),
  'aws-public-ip': (p) => {
    p.publicIps = ['54.1.2.3'];
    p.aws!.instanceProfile = null;
  },
  'aws-internet-facing-profile': (p) => {
    p.publicIps = ['54.1.2.3'];
  },
  'azure-nsg-ssh': (p) => p.ingress.push(world('tcp', 22, 22, '*')),
  'azure-nsg-rdp': (p) => p.ingress.push(world('tcp', 3389, 3389, 'Internet')),
  'azure-nsg-udp': (p) => p.ingress.push(world('udp', 500, 500)),
  'azure-nsg-http': (p) => p.ingress.push(world('tcp', 443, 443)),
  'azure-managed-disks': (p) => p.disks.push({ id: 'vhd-1', sizeGiB: 30, encrypted: null, managed: false, customerKey: null }),
  'azure-disk-cmk': (p) => p.disks.push({ id: 'disk-pmk', sizeGiB: 30, encrypted: true, managed: true, customerKey: false }),
  'azure-trusted-launch': (p) => (p.azure!.trustedLaunch = false),
  'azure-linux-ssh-keys': (p) => (p.azure!.linuxPasswordAuth = true),
  'gcp-fw-ssh': (p) => p.ingress.push(world('tcp', 0, 65535, '0.0.0.0/0')) ,
  'gcp-fw-rdp': (p) => p.ingress.push(world('tcp', 3389, 3389)),
  'gcp-default-sa': (p) => (p.gcp!.serviceAccounts = [{ email: DEFAULT_SA, scopes: ['https://www.googleapis.com/auth/devstorage.read_only'] }]),
  'gcp-default-sa-full-access': (p) => (p.gcp!.serviceAccounts = [{ email: DEFAULT_SA, scopes: ['https://www.googleapis.com/auth/cloud-platform'] }]),
  'gcp-block-project-ssh-keys': (p) => (p.gcp!.blockProjectSshKeys = false),
  'gcp-serial-port': (p) => (p.gcp!.serialPort = true),
  'gcp-ip-forwarding': (p) => (p.gcp!.canIpForward = true),
  'gcp-csek': (p) => p.disks.push({ id: 'pd-1', sizeGiB: 10, encrypted: true, customerKey: false }),
  'gcp-shielded-vm': (p) => (p.gcp!.shieldedVm = false),
  'gcp-public-ip': (p) => (p.publicIps = ['34.1.2.3']),
  'gcp-confidential-vm': (p) => (p.gcp!.confidentialCompute = false),
};

/** Checks that fail together by definition (all ports covers 22 and 3389; the default SA with full access is a default SA). */
const ALSO: Record<string, string[]> = {
  'aws-internet-facing-profile': ['aws-public-ip'],
  'gcp-default-sa-full-access': ['gcp-default-sa'],
  'gcp-fw-ssh': ['gcp-fw-rdp'],
  'aws-sg-all-ports': ['aws-sg-ssh', 'aws-sg-rdp'],
};

const failing = (p: ResourcePosture) => SECURITY_CHECKS.filter((c) => c.evaluate(p).length > 0).map((c) => c.id).sort();

describe('security checks', () => {
  it('has at least 25 compute and network checks across the three clouds, each with a Prowler id, CIS reference, severity and fix', () => {
    expect(SECURITY_CHECKS.length).toBeGreaterThanOrEqual(25);
    for (const cloud of ['aws', 'azure', 'gcp'] as const) expect(SECURITY_CHECKS.filter((c) => c.clouds.includes(cloud)).length).toBeGreaterThanOrEqual(7);
    for (const c of SECURITY_CHECKS) {
      expect(c.prowler).toMatch(/^[a-z0-9_]+$/);
      expect(c.cis).toMatch(/^(AWS|Azure|GCP) \d\.\d [\d./]+$|^–$/);
      expect(['critical', 'high', 'medium', 'low']).toContain(c.severity);
      expect(c.remediation.length).toBeGreaterThan(10);
    }
    expect(new Set(SECURITY_CHECKS.map((c) => c.id)).size).toBe(SECURITY_CHECKS.length);
    expect(new Set(SECURITY_CHECKS.map((c) => c.prowler)).size).toBe(SECURITY_CHECKS.length);
    expect(Object.keys(BREAK).sort()).toEqual(SECURITY_CHECKS.map((c) => c.id).sort());
  });

  it.each(['aws', 'azure', 'gcp'] as const)('a clean %s posture passes every check', (cloud) => {
    expect(failing(clean(cloud))).toEqual([]);
  });

  it.each(SECURITY_CHECKS.map((c) => [c.id, c.clouds[0] as Cloud] as const))('%s fails on the posture that breaks it and on nothing else', (id, cloud) => {
    const p = clean(cloud);
    BREAK[id]!(p);
    expect(failing(p)).toEqual([id, ...(ALSO[id] ?? [])].sort());
  });

  it('never judges a resource of another cloud', () => {
    const p = clean('azure');
    p.ingress.push(world('tcp', 22, 22));
    expect(failing(p)).toEqual(['azure-nsg-ssh']);
  });

  it('treats IPv6 ::/0 as the internet, and a private range as not', () => {
    const p = clean('gcp');
    p.ingress.push(world('tcp', 22, 22, '::/0'));
    expect(failing(p)).toEqual(['gcp-fw-ssh']);
    const q = clean('gcp');
    q.ingress.push(world('tcp', 22, 22, '35.235.240.0/20'));
    expect(failing(q)).toEqual([]);
  });

  it('finds a check by its Steward id or its Prowler id', () => {
    expect(findCheck('ec2_instance_imdsv2_enabled')?.id).toBe('aws-imdsv2');
    expect(findCheck('AWS-IMDSV2')?.id).toBe('aws-imdsv2');
    expect(findCheck('nope')).toBeUndefined();
  });
});

describe('security report', () => {
  const now = new Date('2026-11-20T09:00:00Z');
  const open = (name: string, tags: Record<string, string> = {}) => {
    const p = clean('aws', name);
    p.tags = { ...p.tags, ...tags };
    p.ingress.push(world('tcp', 22, 22));
    return p;
  };

  it('lists the failing resources with their remediation, and counts by severity and provider', () => {
    const r = evaluateSecurity([open('a'), open('b'), clean('gcp')], [], now);
    const ssh = r.checks.find((c) => c.id === 'aws-sg-ssh');
    expect(ssh?.failing.map((f) => f.name)).toEqual(['a', 'b']);
    expect(ssh?.failing[0]?.remediation).toContain('--region eu-west-1');
    expect(r.counts.bySeverity.high).toBe(2);
    expect(r.counts.byProvider).toEqual({ aws: 2, azure: 0, gcp: 0 });
    expect(r.resources).toBe(3);
  });

  it('a mute hides matching failures until it expires, by resource name or tag', () => {
    const mute = (target: SecurityMute['target'], expiresAt: string): SecurityMute => ({ id: 'm', checkId: 'aws-sg-ssh', target, reason: 'r', createdBy: 'x', createdAt: now.toISOString(), expiresAt });
    const estate = [open('a'), open('b', { env: 'dev' })];
    const r = evaluateSecurity(estate, [mute({ kind: 'resource', value: 'a' }, '2026-12-20T00:00:00Z'), mute({ kind: 'tag', key: 'env', value: 'dev' }, '2026-12-20T00:00:00Z')], now);
    expect(r.checks.find((c) => c.id === 'aws-sg-ssh')).toMatchObject({ failing: [], muted: 2 });
    const expired = evaluateSecurity(estate, [mute({ kind: 'resource', value: 'a' }, '2026-11-20T08:59:59Z')], now);
    expect(expired.checks.find((c) => c.id === 'aws-sg-ssh')?.failing.map((f) => f.name)).toEqual(['a', 'b']);
  });

  it('says what is new and what was resolved since the previous digest', () => {
    const before = evaluateSecurity([open('a'), open('b')], [], now);
    const after = evaluateSecurity([open('b'), open('c')], [], now);
    const ch = compareWithPrevious(after, { at: '2026-11-13T09:00:00Z', keys: failingKeys(before) });
    expect(ch.added.map((a) => a.resource.name)).toEqual(['c']);
    expect(ch.resolved).toEqual([{ checkId: 'aws-sg-ssh', resource: 'aws:acct-1:a-id' }]);
    expect(compareWithPrevious(after, undefined).since).toBeNull();
  });

  it('reads mute durations in hours, days and weeks up to a year', () => {
    expect(parseMuteDuration('30d')).toBe(30 * 86_400_000);
    expect(parseMuteDuration('12h')).toBe(12 * 3_600_000);
    expect(parseMuteDuration('2w')).toBe(14 * 86_400_000);
    for (const bad of ['0d', '400d', '30', 'forever', '3m']) expect(parseMuteDuration(bad)).toBeUndefined();
  });
});
