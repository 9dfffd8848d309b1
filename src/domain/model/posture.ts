import type { InstanceRef, InstanceState } from './instance.js';

/**
 * One inbound rule that reaches an instance, normalized across security groups (AWS), NSG rules (Azure) and VPC
 * firewall rules (Google Cloud). Ports are inclusive; protocol `all` covers every port.
 */
export interface IngressRule {
  protocol: 'tcp' | 'udp' | 'icmp' | 'all' | 'other';
  fromPort: number;
  toPort: number;
  /** Source ranges as the cloud states them: CIDRs, `*`, `Internet`, `Any`. */
  sources: string[];
  /** Where the rule lives, for the reader: `sg-0a1b (web)`, `NSG web-nsg rule allow_ssh`, `firewall default-ssh`. */
  via: string;
  /** The CLI line that closes this rule, when the adapter can write one. */
  fix?: string;
}

export interface PostureDisk {
  id: string;
  sizeGiB: number;
  /** null when the provider did not say. */
  encrypted: boolean | null;
  /** Azure: a managed disk (false: a VHD blob in a storage account). */
  managed?: boolean;
  /** Encrypted with a key the customer manages (Azure disk encryption set, GCP CSEK/CMEK, AWS KMS CMK); null = unknown. */
  customerKey?: boolean | null;
}

/**
 * What the security checks read about one instance, the same shape for every cloud. Cloud-specific settings sit in
 * their own section; a field left out means "the adapter did not read it", and checks that need it pass over it
 * (never a failure from missing data).
 */
export interface ResourcePosture {
  resource: InstanceRef & { name: string };
  state: InstanceState;
  tags: Record<string, string>;
  publicIps: string[];
  ingress: IngressRule[];
  disks: PostureDisk[];
  aws?: {
    /** MetadataOptions.HttpTokens === 'required'. */
    imdsV2Required?: boolean;
    /** The IAM instance profile ARN, or null when none is attached. */
    instanceProfile?: string | null;
    /** Attached security groups named `default` that still carry rules. */
    defaultGroupsWithRules?: { id: string; inbound: number; outbound: number }[];
  };
  azure?: {
    /** securityProfile.securityType is TrustedLaunch with Secure Boot and vTPM on. */
    trustedLaunch?: boolean;
    /** Linux VMs: password authentication still allowed (disablePasswordAuthentication false). Windows: undefined. */
    linuxPasswordAuth?: boolean;
  };
  gcp?: {
    serialPort?: boolean;
    /** metadata block-project-ssh-keys=true. */
    blockProjectSshKeys?: boolean;
    canIpForward?: boolean;
    /** Shielded VM: Secure Boot, vTPM and integrity monitoring all on. */
    shieldedVm?: boolean;
    confidentialCompute?: boolean;
    serviceAccounts?: { email: string; scopes: string[] }[];
  };
}

export function isWorldSource(s: string): boolean {
  const v = s.trim().toLowerCase();
  return v === '0.0.0.0/0' || v === '::/0' || v === '*' || v === 'internet' || v === 'any' || v === '0.0.0.0';
}
