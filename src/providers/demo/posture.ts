import type { Finding } from '../../domain/model/finding.js';
import type { DemoInstance } from './estate.js';

/** Findings for one simulated instance, with the check ids Prowler uses for the same conditions. */
export function postureFindings(i: DemoInstance): Finding[] {
  const resource = { provider: i.provider, account: i.account, region: i.region, ...(i.zone ? { zone: i.zone } : {}), id: i.id, name: i.name };
  const out: Finding[] = [];
  const add = (checkId: string, severity: Finding['severity'], title: string, detail: string, remediation?: string) =>
    out.push({ checkId, severity, title, detail, resource, ...(remediation ? { remediation } : {}) });
  const ssh = { aws: 'ec2_instance_port_ssh_exposed_to_internet', azure: 'network_ssh_internet_access_restricted', gcp: 'compute_firewall_ssh_access_from_the_internet_allowed' }[i.provider];
  const rdp = { aws: 'ec2_instance_port_rdp_exposed_to_internet', azure: 'network_rdp_internet_access_restricted', gcp: 'compute_firewall_rdp_access_from_the_internet_allowed' }[i.provider];
  if (i.posture.sshOpenToWorld) add(ssh, 'critical', 'SSH open to the internet', 'tcp/22 allowed from 0.0.0.0/0');
  if (i.posture.rdpOpenToWorld) add(rdp, 'critical', 'RDP open to the internet', 'tcp/3389 allowed from 0.0.0.0/0');
  if (i.posture.imdsV1 && i.provider === 'aws') {
    add('ec2_instance_imdsv2_enabled', 'high', 'IMDSv2 not required', 'instance metadata accepts v1 requests', `aws ec2 modify-instance-metadata-options --instance-id ${i.id} --http-tokens required`);
  }
  if (i.posture.serialPort && i.provider === 'gcp') add('compute_instance_serial_ports_in_use', 'medium', 'Serial port enabled', 'serial-port-enable=true');
  if (i.posture.defaultServiceAccount && i.provider === 'gcp') add('compute_instance_default_service_account_in_use', 'medium', 'Default service account', 'runs as the default compute service account');
  for (const d of i.disks) {
    if (d.encrypted === false) {
      const id = { aws: 'ec2_ebs_volume_encryption', azure: 'vm_ensure_attached_disks_encrypted_with_cmk', gcp: 'compute_instance_encryption_with_csek_enabled' }[i.provider];
      add(id, 'high', 'Unencrypted disk', `disk ${d.id} (${d.sizeGiB} GiB) is not encrypted`);
    }
  }
  if (i.publicIps.length) {
    const id = { aws: 'ec2_instance_public_ip', azure: 'vm_public_ip', gcp: 'compute_instance_public_ip' }[i.provider];
    add(id, 'medium', 'Public IP', `public address ${i.publicIps.join(', ')}`);
  }
  return out;
}
