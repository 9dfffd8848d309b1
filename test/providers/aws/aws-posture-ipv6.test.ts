/**
 * A security group rule open to both 0.0.0.0/0 and ::/0 is reported and revoked over IPv4 and IPv6, and every
 * AWS remediation command names the region (the AWS CLI otherwise runs it against its default region).
 */
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ResourcePosture } from '../../../src/domain/model/posture.js';
import { SECURITY_CHECKS, findCheck, remediationFor } from '../../../src/domain/security/checks.js';
import { toArray } from '../../../src/lib/collections.js';
import { loadPriceCatalog } from '../../../src/pricing/catalog.js';
import { createAwsProvider } from '../../../src/providers/aws/index.js';
import { ec2, ec2Fixture, xml } from '../../msw/aws.js';
import { fixture } from '../../msw/fixtures.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

// sg-0web: tcp/22 open to 0.0.0.0/0 and ::/0, and to an office range that must stay.
const groups = () =>
  xml(
    fixture('aws/DescribeSecurityGroups.modern.ours.xml').replace(
      '<ipRanges/><ipv6Ranges><item><cidrIpv6>::/0</cidrIpv6></item></ipv6Ranges>',
      '<ipRanges><item><cidrIp>203.0.113.0/24</cidrIp></item><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges><ipv6Ranges><item><cidrIpv6>::/0</cidrIpv6></item></ipv6Ranges>',
    ),
  );
const routes = { DescribeInstances: () => ec2Fixture('DescribeInstances.modern.ours.xml'), DescribeVolumes: () => ec2Fixture('DescribeVolumes.modern.ours.xml'), DescribeSecurityGroups: groups };
const aws = () => createAwsProvider({ regions: ['eu-west-1'], catalog: loadPriceCatalog() }, { credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x' } });

/** The --ip-permissions JSON of a revoke command. */
function permissionsOf(command: string): unknown {
  const m = /--ip-permissions '([^']+)'/.exec(command);
  return m ? JSON.parse(m[1] as string) : undefined;
}

describe('AWS posture: IPv4 and IPv6, and the region in every command', () => {
  it('reports SSH open over 0.0.0.0/0 and ::/0, and the fix revokes both in the instance region, leaving the office range', async () => {
    server.use(ec2('eu-west-1', routes));
    const provider = aws();
    if (!provider.posture) throw new Error('the AWS adapter reads the normalized posture');
    const [posture] = await toArray(provider.posture({}));
    expect(posture).toBeDefined();
    const ssh = findCheck('aws-sg-ssh');
    expect(ssh).toBeDefined();
    const details = ssh?.evaluate(posture as ResourcePosture) ?? [];
    expect(details).toEqual(['sg-0web (web) allows tcp/22 from 0.0.0.0/0 and ::/0']);
    const fix = remediationFor(ssh!, posture as ResourcePosture);
    expect(fix).toMatch(/^aws ec2 revoke-security-group-ingress --region eu-west-1 --group-id sg-0web --ip-permissions '/);
    expect(permissionsOf(fix)).toEqual([{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] }]);
    expect(fix).not.toContain('203.0.113.0/24');
    expect(fix).toMatch(/use SSM Session Manager$/);
  });

  it('the finding list says both ranges and its revoke command names the region and both ranges', async () => {
    server.use(ec2('eu-west-1', routes));
    const findings = await toArray(aws().securityPosture({}));
    const ssh = findings.find((f) => f.checkId === 'ec2_instance_port_ssh_exposed_to_internet');
    expect(ssh?.detail).toBe('sg-0web (web) allows tcp/22 from 0.0.0.0/0 and ::/0');
    expect(ssh?.remediation).toMatch(/^aws ec2 revoke-security-group-ingress --region eu-west-1 --group-id sg-0web /);
    expect(permissionsOf(ssh?.remediation ?? '')).toEqual([{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] }]);
    const https = findings.filter((f) => f.detail.includes('tcp/443'));
    for (const f of https) expect(permissionsOf(f.remediation ?? '')).toEqual([{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }]);
  });

  it('every AWS check whose remediation is an aws CLI command names the region', () => {
    for (const c of SECURITY_CHECKS.filter((x) => x.clouds.includes('aws'))) {
      for (const cmd of c.remediation.split('; ').filter((part) => part.startsWith('aws '))) expect(cmd, c.id).toMatch(/--region \{region\}/);
    }
  });
});
