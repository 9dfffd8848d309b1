/**
 * The compute and network checks of the security digest, computed from the normalized posture every adapter reads
 * (src/domain/model/posture.ts). Ids, severities and CIS references follow Prowler's checks and its CIS mapping files
 * (shared research, anchors §4); "wide open" means 0.0.0.0/0 or ::/0 (or Azure's `*`/`Internet`).
 */
import type { Cloud } from '../model/cloud.js';
import type { Severity } from '../model/finding.js';
import { isWorldSource, type IngressRule, type ResourcePosture } from '../model/posture.js';

/** What a check is, as a report shows it (with its results) and `security --json` lists it. */
export interface SecurityCheckInfo {
  /** Steward's short id (`aws-sg-ssh`); `security mute` takes it or the Prowler id. */
  id: string;
  prowler: string;
  /** CIS benchmark reference as Prowler maps it, or '–' where the check has none. */
  cis: string;
  severity: Severity;
  title: string;
  clouds: Cloud[];
  /** What to do, in one line; `{id}`, `{name}`, `{region}`, `{account}`, `{zone}` are filled per resource. */
  remediation: string;
}

export interface SecurityCheck extends SecurityCheckInfo {
  /** Failure details for this resource (empty: passes or does not apply). */
  evaluate(p: ResourcePosture): string[];
  /**
   * Network checks: which inbound rule (open to the world) fails the check. The remediation then is the adapter's
   * own command for exactly those rules (`IngressRule.fix`: region, group, every world range, IPv4 and IPv6).
   */
  rule?: (r: IngressRule) => boolean;
}

export const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

const HIGH_RISK_TCP = [20, 21, 23, 25, 110, 135, 139, 143, 445, 1433, 1521, 3306, 5432, 5500, 5601, 6379, 8080, 9200, 9300, 11211, 27017];

function fromWorld(r: IngressRule): string | undefined {
  const world = [...new Set(r.sources.filter(isWorldSource))];
  // A rule open to 0.0.0.0/0 and ::/0 is open over IPv4 and IPv6: say both.
  return world.length ? world.join(' and ') : undefined;
}

function opens(r: IngressRule, protocol: 'tcp' | 'udp', port: number): boolean {
  if (r.protocol !== 'all' && r.protocol !== protocol) return false;
  return r.fromPort <= port && port <= r.toPort;
}

function worldRules(p: ResourcePosture, match: (r: IngressRule) => boolean): string[] {
  const out: string[] = [];
  for (const r of p.ingress) {
    const src = fromWorld(r);
    if (src && match(r)) out.push(`${r.via} allows ${describeRule(r)} from ${src}`);
  }
  return [...new Set(out)];
}

function describeRule(r: IngressRule): string {
  if (r.protocol === 'all') return 'all traffic';
  const ports = r.fromPort === r.toPort ? String(r.fromPort) : r.fromPort === 0 && r.toPort === 65535 ? 'all ports' : `${r.fromPort}-${r.toPort}`;
  return `${r.protocol}/${ports}`;
}

const port = (protocol: 'tcp' | 'udp', n: number) => (p: ResourcePosture) => worldRules(p, (r) => opens(r, protocol, n));
const opensPort = (protocol: 'tcp' | 'udp', n: number) => (r: IngressRule) => opens(r, protocol, n);
const allPorts = (r: IngressRule) => r.protocol === 'all' || (r.fromPort === 0 && r.toPort === 65535);
const riskyPorts = (r: IngressRule) => (r.protocol === 'all' || allPorts(r) ? [] : HIGH_RISK_TCP.filter((n) => opens(r, 'tcp', n)));
const only = (cloud: Cloud, f: (p: ResourcePosture) => string[]) => (p: ResourcePosture) => (p.resource.provider === cloud ? f(p) : []);
const when = (cond: boolean, detail: string): string[] => (cond ? [detail] : []);

export const SECURITY_CHECKS: readonly SecurityCheck[] = [
  // ── AWS ───────────────────────────────────────────────────────────────────────────────────────────────────
  {
    id: 'aws-sg-all-ports',
    prowler: 'ec2_securitygroup_allow_ingress_from_internet_to_all_ports',
    cis: 'AWS 3.0 5.2/5.3',
    severity: 'critical',
    title: 'Security group allows all ports from the internet',
    clouds: ['aws'],
    remediation: 'aws ec2 revoke-security-group-ingress --region {region} --group-id <sg> --protocol all --cidr 0.0.0.0/0 (and --ip-permissions for ::/0)',
    evaluate: only('aws', (p) => worldRules(p, allPorts)),
    rule: allPorts,
  },
  {
    id: 'aws-sg-ssh',
    prowler: 'ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22',
    cis: 'AWS 3.0 5.2/5.3',
    severity: 'high',
    title: 'SSH (tcp/22) open to the internet',
    clouds: ['aws'],
    remediation: 'aws ec2 revoke-security-group-ingress --region {region} --group-id <sg> --protocol tcp --port 22 --cidr 0.0.0.0/0 (and ::/0); use SSM Session Manager',
    evaluate: only('aws', port('tcp', 22)),
    rule: opensPort('tcp', 22),
  },
  {
    id: 'aws-sg-rdp',
    prowler: 'ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_3389',
    cis: 'AWS 3.0 5.2/5.3',
    severity: 'high',
    title: 'RDP (tcp/3389) open to the internet',
    clouds: ['aws'],
    remediation: 'aws ec2 revoke-security-group-ingress --region {region} --group-id <sg> --protocol tcp --port 3389 --cidr 0.0.0.0/0 (and ::/0)',
    evaluate: only('aws', port('tcp', 3389)),
    rule: opensPort('tcp', 3389),
  },
  {
    id: 'aws-sg-high-risk-ports',
    prowler: 'ec2_securitygroup_allow_ingress_from_internet_to_high_risk_tcp_ports',
    cis: '–',
    severity: 'high',
    title: 'Database or admin ports open to the internet',
    clouds: ['aws'],
    remediation: 'aws ec2 revoke-security-group-ingress --region {region} --group-id <sg> --protocol tcp --port <port> --cidr 0.0.0.0/0 (and ::/0); reach databases through a private network',
    evaluate: only('aws', (p) =>
      p.ingress.flatMap((r) => {
        const src = fromWorld(r);
        const risky = riskyPorts(r);
        return src && risky.length ? [`${r.via} allows tcp/${risky.slice(0, 6).join(',')} from ${src}`] : [];
      }),
    ),
    rule: (r) => riskyPorts(r).length > 0,
  },
  {
    id: 'aws-default-sg',
    prowler: 'ec2_securitygroup_default_restrict_traffic',
    cis: 'AWS 3.0 5.4',
    severity: 'high',
    title: 'Default security group carries rules',
    clouds: ['aws'],
    remediation: 'remove every rule from the VPC default security group and attach purpose-made groups to {name}',
    evaluate: only('aws', (p) => (p.aws?.defaultGroupsWithRules ?? []).map((g) => `default group ${g.id} has ${g.inbound} inbound and ${g.outbound} outbound rule(s)`)),
  },
  {
    id: 'aws-imdsv2',
    prowler: 'ec2_instance_imdsv2_enabled',
    cis: 'AWS 3.0 5.6',
    severity: 'high',
    title: 'IMDSv2 not required (instance metadata v1 accepted)',
    clouds: ['aws'],
    remediation: 'aws ec2 modify-instance-metadata-options --region {region} --instance-id {id} --http-tokens required',
    evaluate: only('aws', (p) => when(p.aws?.imdsV2Required === false, 'MetadataOptions.HttpTokens is optional')),
  },
  {
    id: 'aws-ebs-encryption',
    prowler: 'ec2_ebs_volume_encryption',
    cis: 'AWS 3.0 2.2.1',
    severity: 'high',
    title: 'EBS volume not encrypted',
    clouds: ['aws'],
    remediation: 'snapshot the volume, copy the snapshot with --encrypted, and replace the volume; turn on EBS encryption by default in {region}',
    evaluate: only('aws', (p) => p.disks.filter((d) => d.encrypted === false).map((d) => `volume ${d.id} (${d.sizeGiB} GiB) is not encrypted`)),
  },
  {
    id: 'aws-public-ip',
    prowler: 'ec2_instance_public_ip',
    cis: '–',
    severity: 'medium',
    title: 'Instance has a public IP address',
    clouds: ['aws'],
    remediation: 'move {name} behind a load balancer or NAT and launch it without a public address',
    evaluate: only('aws', (p) => when(p.publicIps.length > 0, `public address ${p.publicIps.join(', ')}`)),
  },
  {
    id: 'aws-internet-facing-profile',
    prowler: 'ec2_instance_internet_facing_with_instance_profile',
    cis: '–',
    severity: 'high',
    title: 'Internet-facing instance holds IAM credentials',
    clouds: ['aws'],
    remediation: 'aws ec2 disassociate-iam-instance-profile --region {region} --association-id <id>, or take {name} off the internet',
    evaluate: only('aws', (p) => when(p.publicIps.length > 0 && !!p.aws?.instanceProfile, `public address ${p.publicIps.join(', ')} with instance profile ${p.aws?.instanceProfile ?? ''}`)),
  },
  // ── Azure ─────────────────────────────────────────────────────────────────────────────────────────────────
  {
    id: 'azure-nsg-ssh',
    prowler: 'network_ssh_internet_access_restricted',
    cis: 'Azure 3.0 7.2',
    severity: 'high',
    title: 'NSG allows SSH (tcp/22) from the internet',
    clouds: ['azure'],
    remediation: 'az network nsg rule update -g <resource-group> --nsg-name <nsg> -n <rule> --access Deny; use Azure Bastion or JIT access',
    evaluate: only('azure', port('tcp', 22)),
    rule: opensPort('tcp', 22),
  },
  {
    id: 'azure-nsg-rdp',
    prowler: 'network_rdp_internet_access_restricted',
    cis: 'Azure 3.0 7.1',
    severity: 'high',
    title: 'NSG allows RDP (tcp/3389) from the internet',
    clouds: ['azure'],
    remediation: 'az network nsg rule update -g <resource-group> --nsg-name <nsg> -n <rule> --access Deny; use Azure Bastion or JIT access',
    evaluate: only('azure', port('tcp', 3389)),
    rule: opensPort('tcp', 3389),
  },
  {
    id: 'azure-nsg-udp',
    prowler: 'network_udp_internet_access_restricted',
    cis: 'Azure 3.0 7.3',
    severity: 'high',
    title: 'NSG allows UDP from the internet',
    clouds: ['azure'],
    remediation: 'az network nsg rule update -g <resource-group> --nsg-name <nsg> -n <rule> --source-address-prefixes <your range>',
    evaluate: only('azure', (p) => worldRules(p, (r) => r.protocol === 'udp' || r.protocol === 'all')),
  },
  {
    id: 'azure-nsg-http',
    prowler: 'network_http_internet_access_restricted',
    cis: 'Azure 3.0 7.4',
    severity: 'high',
    title: 'NSG allows HTTP(S) from the internet',
    clouds: ['azure'],
    remediation: 'publish web traffic through Application Gateway or Front Door and restrict the rule to their ranges',
    evaluate: only('azure', (p) => worldRules(p, (r) => opens(r, 'tcp', 80) || opens(r, 'tcp', 443))),
  },
  {
    id: 'azure-managed-disks',
    prowler: 'vm_ensure_using_managed_disks',
    cis: 'Azure 3.0 8.2',
    severity: 'high',
    title: 'VM uses unmanaged (VHD) disks',
    clouds: ['azure'],
    remediation: 'az vm convert -g <resource-group> -n {name} (deallocate first)',
    evaluate: only('azure', (p) => p.disks.filter((d) => d.managed === false).map((d) => `disk ${d.id} is a VHD in a storage account`)),
  },
  {
    id: 'azure-disk-cmk',
    prowler: 'vm_ensure_attached_disks_encrypted_with_cmk',
    cis: 'Azure 3.0 8.3',
    severity: 'medium',
    title: 'Attached disks not encrypted with a customer-managed key',
    clouds: ['azure'],
    remediation: 'az disk update -g <resource-group> -n <disk> --encryption-type EncryptionAtRestWithCustomerKey --disk-encryption-set <des>',
    evaluate: only('azure', (p) => p.disks.filter((d) => d.managed !== false && d.customerKey === false).map((d) => `disk ${d.id} uses a platform-managed key`)),
  },
  {
    id: 'azure-trusted-launch',
    prowler: 'vm_trusted_launch_enabled',
    cis: 'Azure 3.0 8.11',
    severity: 'medium',
    title: 'Trusted Launch (Secure Boot and vTPM) off',
    clouds: ['azure'],
    remediation: 'az vm update -g <resource-group> -n {name} --security-type TrustedLaunch --enable-secure-boot true --enable-vtpm true (deallocated, Gen2 image)',
    evaluate: only('azure', (p) => when(p.azure?.trustedLaunch === false, 'securityType is not TrustedLaunch with Secure Boot and vTPM')),
  },
  {
    id: 'azure-linux-ssh-keys',
    prowler: 'vm_linux_enforce_ssh_authentication',
    cis: '–',
    severity: 'high',
    title: 'Linux VM accepts SSH passwords',
    clouds: ['azure'],
    remediation: 'set PasswordAuthentication no in sshd_config and disablePasswordAuthentication=true on {name}',
    evaluate: only('azure', (p) => when(p.azure?.linuxPasswordAuth === true, 'osProfile.linuxConfiguration.disablePasswordAuthentication is false')),
  },
  // ── Google Cloud ──────────────────────────────────────────────────────────────────────────────────────────
  {
    id: 'gcp-fw-ssh',
    prowler: 'compute_firewall_ssh_access_from_the_internet_allowed',
    cis: 'GCP 3.0 3.6',
    severity: 'critical',
    title: 'Firewall opens SSH (tcp/22) to the internet',
    clouds: ['gcp'],
    remediation: 'gcloud compute firewall-rules update <rule> --project {account} --source-ranges=<your range>; use IAP TCP forwarding (35.235.240.0/20)',
    evaluate: only('gcp', port('tcp', 22)),
    rule: opensPort('tcp', 22),
  },
  {
    id: 'gcp-fw-rdp',
    prowler: 'compute_firewall_rdp_access_from_the_internet_allowed',
    cis: 'GCP 3.0 3.7',
    severity: 'critical',
    title: 'Firewall opens RDP (tcp/3389) to the internet',
    clouds: ['gcp'],
    remediation: 'gcloud compute firewall-rules update <rule> --project {account} --source-ranges=<your range>',
    evaluate: only('gcp', port('tcp', 3389)),
    rule: opensPort('tcp', 3389),
  },
  {
    id: 'gcp-default-sa',
    prowler: 'compute_instance_default_service_account_in_use',
    cis: 'GCP 3.0 4.1',
    severity: 'medium',
    title: 'Runs as the default compute service account',
    clouds: ['gcp'],
    remediation: 'gcloud compute instances set-service-account {name} --zone {zone} --service-account <dedicated-sa> (stopped)',
    evaluate: only('gcp', (p) => (p.gcp?.serviceAccounts ?? []).filter((s) => isDefaultSa(s.email)).map((s) => `runs as ${s.email}`)),
  },
  {
    id: 'gcp-default-sa-full-access',
    prowler: 'compute_instance_default_service_account_in_use_with_full_api_access',
    cis: 'GCP 3.0 4.2',
    severity: 'high',
    title: 'Default service account with full access to all Cloud APIs',
    clouds: ['gcp'],
    remediation: 'gcloud compute instances set-service-account {name} --zone {zone} --service-account <dedicated-sa> --scopes <needed scopes>',
    evaluate: only('gcp', (p) =>
      (p.gcp?.serviceAccounts ?? []).filter((s) => isDefaultSa(s.email) && s.scopes.includes('https://www.googleapis.com/auth/cloud-platform')).map((s) => `${s.email} with the cloud-platform scope`),
    ),
  },
  {
    id: 'gcp-block-project-ssh-keys',
    prowler: 'compute_instance_block_project_wide_ssh_keys_disabled',
    cis: 'GCP 3.0 4.3',
    severity: 'medium',
    title: 'Project-wide SSH keys accepted',
    clouds: ['gcp'],
    remediation: 'gcloud compute instances add-metadata {name} --zone {zone} --metadata block-project-ssh-keys=TRUE',
    evaluate: only('gcp', (p) => when(p.gcp?.blockProjectSshKeys === false, 'metadata block-project-ssh-keys is not true')),
  },
  {
    id: 'gcp-serial-port',
    prowler: 'compute_instance_serial_ports_in_use',
    cis: 'GCP 3.0 4.5',
    severity: 'medium',
    title: 'Interactive serial console enabled',
    clouds: ['gcp'],
    remediation: 'gcloud compute instances add-metadata {name} --zone {zone} --metadata serial-port-enable=false',
    evaluate: only('gcp', (p) => when(p.gcp?.serialPort === true, 'metadata serial-port-enable=true')),
  },
  {
    id: 'gcp-ip-forwarding',
    prowler: 'compute_instance_ip_forwarding_is_enabled',
    cis: 'GCP 3.0 4.6',
    severity: 'medium',
    title: 'IP forwarding enabled',
    clouds: ['gcp'],
    remediation: 'recreate {name} with --no-can-ip-forward (it cannot be changed in place) unless it is a router or NAT',
    evaluate: only('gcp', (p) => when(p.gcp?.canIpForward === true, 'canIpForward is true')),
  },
  {
    id: 'gcp-csek',
    prowler: 'compute_instance_encryption_with_csek_enabled',
    cis: 'GCP 3.0 4.7',
    severity: 'medium',
    title: 'Disks not encrypted with a customer-supplied key',
    clouds: ['gcp'],
    remediation: 'recreate the disk from a snapshot with --csek-key-file (or a CMEK with --kms-key) for critical VMs',
    evaluate: only('gcp', (p) => p.disks.filter((d) => d.customerKey === false).map((d) => `disk ${d.id} uses a Google-managed key`)),
  },
  {
    id: 'gcp-shielded-vm',
    prowler: 'compute_instance_shielded_vm_enabled',
    cis: 'GCP 3.0 4.8',
    severity: 'medium',
    title: 'Shielded VM (vTPM and integrity monitoring) off',
    clouds: ['gcp'],
    remediation: 'gcloud compute instances update {name} --zone {zone} --shielded-secure-boot --shielded-vtpm --shielded-integrity-monitoring (stopped)',
    evaluate: only('gcp', (p) => when(p.gcp?.shieldedVm === false, 'Secure Boot, vTPM or integrity monitoring is off')),
  },
  {
    id: 'gcp-public-ip',
    prowler: 'compute_instance_public_ip',
    cis: 'GCP 3.0 4.9',
    severity: 'high',
    title: 'VM has an external IP address',
    clouds: ['gcp'],
    remediation: 'gcloud compute instances delete-access-config {name} --zone {zone} --access-config-name "External NAT"; use Cloud NAT',
    evaluate: only('gcp', (p) => when(p.publicIps.length > 0, `external address ${p.publicIps.join(', ')}`)),
  },
  {
    id: 'gcp-confidential-vm',
    prowler: 'compute_instance_confidential_computing_enabled',
    cis: 'GCP 3.0 4.11',
    severity: 'medium',
    title: 'Confidential Computing off',
    clouds: ['gcp'],
    remediation: 'recreate {name} on an N2D/C2D machine type with --confidential-compute where the data calls for it',
    evaluate: only('gcp', (p) => when(p.gcp?.confidentialCompute === false, 'confidentialInstanceConfig.enableConfidentialCompute is not true')),
  },
];

function isDefaultSa(email: string): boolean {
  return email.endsWith('-compute@developer.gserviceaccount.com');
}

/** A check by Steward id or Prowler id (case-insensitive). */
export function findCheck(idOrProwler: string): SecurityCheck | undefined {
  const k = idOrProwler.trim().toLowerCase();
  return SECURITY_CHECKS.find((c) => c.id === k || c.prowler === k);
}

export function remediationFor(check: SecurityCheck, p: ResourcePosture): string {
  const r = p.resource;
  const match = check.rule;
  if (match && check.clouds.includes(r.provider as Cloud)) {
    // The adapter's command for the very rules that fail, when it wrote one; the template's advice after it.
    const fixes = [...new Set(p.ingress.filter((x) => x.fix && fromWorld(x) && match(x)).map((x) => x.fix as string))];
    if (fixes.length) return [...fixes, ...check.remediation.split('; ').slice(1)].join('; ');
  }
  return check.remediation
    .replace(/\{id\}/g, r.id)
    .replace(/\{name\}/g, r.name)
    .replace(/\{region\}/g, r.region)
    .replace(/\{account\}/g, r.account)
    .replace(/\{zone\}/g, r.zone ?? '<zone>');
}
