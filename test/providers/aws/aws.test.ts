import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../../src/domain/model/errors.js';
import type { Gap } from '../../../src/domain/ports/cloud-provider.port.js';
import type { PlanStep } from '../../../src/domain/model/plan.js';
import { toArray } from '../../../src/lib/collections.js';
import { createRateLimiters, type RateLimiters } from '../../../src/lib/rate-limiter.js';
import type { AwsProviderDeps } from '../../../src/providers/aws/index.js';
import { cloudwatch, dryRunOk, ec2, ec2Error, ec2Fixture, emptyVolumes, paged, xml, type Ec2Call } from '../../msw/aws.js';
import { fixture } from '../../msw/fixtures.js';
import { useMswServer } from '../../support/msw.js';
import { testAwsProvider } from './support.js';

const server = useMswServer();
/** Three attempts a call, 5 ms apart: what this file's throttling tests were written for. */
const fast: AwsProviderDeps = { retryStrategy: new ConfiguredRetryStrategy(3, () => 5) };
const aws = (regions: string[], deps: AwsProviderDeps = {}) => testAwsProvider(regions, { ...fast, ...deps });
const instanceTypes = () => ec2Fixture('DescribeInstanceTypes.ours.xml');

describe('AWS adapter: inventory', () => {
  it('normalizes an instance: size from the catalog, volumes with encryption, addresses, tags, price', async () => {
    server.use(ec2('us-east-1', { DescribeInstances: () => ec2Fixture('DescribeInstances.modern.ours.xml'), DescribeVolumes: () => ec2Fixture('DescribeVolumes.modern.ours.xml') }));
    const [i, ...rest] = await toArray(aws(['us-east-1']).listInstances({}));
    expect(rest).toHaveLength(0);
    expect(i).toMatchObject({
      provider: 'aws',
      account: '111122223333',
      region: 'us-east-1',
      zone: 'us-east-1a',
      id: 'i-0abc1234def567890',
      name: 'web-1',
      type: 't3.medium',
      vcpu: 2,
      memoryGiB: 4,
      gpu: 0,
      state: 'running',
      launchedAt: '2024-03-04T09:10:11.000Z',
      tags: { Name: 'web-1', env: 'prod' },
      publicIps: ['54.10.20.30'],
      privateIps: ['10.0.1.25', '10.0.1.26'],
      disks: [
        { id: 'vol-0root000000000001', sizeGiB: 20, encrypted: true },
        { id: 'vol-0data000000000002', sizeGiB: 100, encrypted: false },
      ],
      price: { kind: 'priced', hourlyMicros: 41_600 },
    });
  });

  it('sends every call to the endpoint override, signed for the region ({region} filled in)', async () => {
    const calls: Ec2Call[] = [];
    server.use(
      ec2('eu-west-1', { DescribeInstances: () => ec2Fixture('DescribeInstances.modern.ours.xml'), DescribeVolumes: emptyVolumes }, calls, 'https://ec2.eu-west-1.vpce.example.internal/'),
    );
    const found = await toArray(aws(['eu-west-1'], { endpoint: 'https://ec2.{region}.vpce.example.internal' }).listInstances({}));
    expect(found.map((i) => i.id)).toEqual(['i-0abc1234def567890']);
    expect(found[0]?.region).toBe('eu-west-1');
    expect(calls.map((c) => c.action).sort()).toEqual(['DescribeInstances', 'DescribeVolumes']);
  });

  it('follows NextToken across pages at MaxResults 1000 and asks only for live instances', async () => {
    const calls: Ec2Call[] = [];
    server.use(
      ec2(
        'us-east-1',
        {
          DescribeInstances: paged([fixture('aws/DescribeInstances.libcloud.xml'), fixture('aws/DescribeInstances.jclouds.xml')]),
          DescribeVolumes: emptyVolumes,
          DescribeInstanceTypes: instanceTypes,
        },
        calls,
      ),
    );
    const found = await toArray(aws(['us-east-1']).listInstances({}));
    expect(found.map((i) => i.id).sort()).toEqual(['i-4382922a', 'i-8474834a', 'i-911444f0', 'i-931444f2']);
    const pages = calls.filter((c) => c.action === 'DescribeInstances');
    expect(pages.map((c) => c.form.NextToken)).toEqual([undefined, 'p1']);
    expect(pages.every((c) => c.form.MaxResults === '1000')).toBe(true);
    expect(pages[0]?.form['Filter.1.Name']).toBe('instance-state-name');
    expect(Object.entries(pages[0]?.form ?? {}).filter(([k]) => k.startsWith('Filter.1.Value')).map(([, v]) => v)).not.toContain('terminated');
  });

  it('flags a type missing from the price catalog as unpriced (never zero) and sizes it from DescribeInstanceTypes', async () => {
    const calls: Ec2Call[] = [];
    server.use(ec2('us-west-2', { DescribeInstances: () => ec2Fixture('DescribeInstances.botocore.xml'), DescribeVolumes: () => ec2Fixture('DescribeVolumes.botocore.xml'), DescribeInstanceTypes: instanceTypes }, calls));
    const found = await toArray(aws(['us-west-2']).listInstances({}));
    const small = found.find((i) => i.id === 'i-fde9cece');
    expect(small?.price).toEqual({ kind: 'unpriced', reason: 'm1.small is not in the aws price catalog' });
    expect(small).toMatchObject({ vcpu: 1, memoryGiB: 1.7, state: 'stopped', disks: [{ id: 'vol-bc71579a', sizeGiB: 8, encrypted: null }] });
    expect(calls.filter((c) => c.action === 'DescribeInstanceTypes')).toHaveLength(1);
  });

  it('retries RequestLimitExceeded with backoff and then answers', async () => {
    let n = 0;
    server.use(
      ec2('us-east-1', {
        DescribeInstances: () => (++n === 1 ? ec2Error('RequestLimitExceeded', 'Request limit exceeded.', 503) : ec2Fixture('DescribeInstances.modern.ours.xml')),
        DescribeVolumes: () => ec2Fixture('DescribeVolumes.modern.ours.xml'),
      }),
    );
    const found = await toArray(aws(['us-east-1']).listInstances({}));
    expect(found.map((i) => i.id)).toEqual(['i-0abc1234def567890']);
    expect(n).toBe(2);
  });

  it('reports a region that stays throttled, or is forbidden, as a labelled gap while other regions answer', async () => {
    server.use(
      ec2('us-east-1', { DescribeInstances: () => ec2Fixture('DescribeInstances.modern.ours.xml'), DescribeVolumes: () => ec2Fixture('DescribeVolumes.modern.ours.xml') }),
      ec2('eu-west-1', { DescribeInstances: () => ec2Error('RequestLimitExceeded', 'Request limit exceeded.', 503, 'req-throttled-1'), DescribeVolumes: emptyVolumes }),
      ec2('eu-central-1', {
        DescribeInstances: () => ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation. Encoded authorization failure message: abc', 403, 'req-denied-1'),
        DescribeVolumes: emptyVolumes,
      }),
    );
    const gaps: Gap[] = [];
    const found = await toArray(aws(['us-east-1', 'eu-west-1', 'eu-central-1']).listInstances({}, { onGap: (g) => gaps.push(g) }));
    expect(found.map((i) => i.region)).toEqual(['us-east-1']);
    expect(gaps.sort((a, b) => (a.region ?? '').localeCompare(b.region ?? ''))).toEqual([
      {
        provider: 'aws',
        cloud: 'aws',
        region: 'eu-central-1',
        code: 'PROVIDER.FORBIDDEN',
        message: expect.stringMatching(/not allowed to call DescribeInstances in eu-central-1 \(UnauthorizedOperation, request req-denied-1\)/),
        advice: expect.stringMatching(/grant ec2:DescribeInstances/),
      },
      { provider: 'aws', cloud: 'aws', region: 'eu-west-1', code: 'PROVIDER.THROTTLED', message: expect.stringMatching(/RequestLimitExceeded, request req-throttled-1/), advice: expect.stringMatching(/try again/) },
    ]);
  });

  it('without credentials throws PROVIDER.AUTH naming what to set, before calling EC2', async () => {
    const calls: Ec2Call[] = [];
    server.use(ec2('us-east-1', {}, calls));
    const provider = aws(['us-east-1'], {
      credentials: async () => {
        throw Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
      },
    });
    const err = await toArray(provider.listInstances({})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).code).toBe('PROVIDER.AUTH');
    expect((err as ProviderError).message).toMatch(/AWS_ACCESS_KEY_ID.*AWS_PROFILE/);
    expect(calls).toHaveLength(0);
  });

  it('keeps every region under its request-rate limit', async () => {
    // A controlled clock: the limiter's waits advance it instead of passing on the wall clock, so load on the
    // machine cannot change what is measured. Each grant is stamped with the clock at the moment it is given.
    let clock = 0;
    const base = createRateLimiters({ limit: 2, intervalMs: 150, now: () => clock, sleep: async (ms) => void (clock += ms) });
    const granted: { key: string; at: number }[] = [];
    const limiters: RateLimiters = {
      limit: base.limit,
      intervalMs: base.intervalMs,
      get(key) {
        const l = base.get(key);
        return { limit: l.limit, intervalMs: l.intervalMs, take: (signal) => l.take(signal).then(() => void granted.push({ key, at: clock })) };
      },
    };
    const calls: Ec2Call[] = [];
    const doc = fixture('aws/DescribeInstances.modern.ours.xml');
    server.use(ec2('us-east-1', { DescribeInstances: paged([doc, doc, doc, doc]), DescribeVolumes: () => ec2Fixture('DescribeVolumes.modern.ours.xml') }, calls));
    await toArray(aws(['us-east-1'], { limiters }).listInstances({}));
    // Every request went through the region's limiter: one grant per HTTP request, none elsewhere.
    expect(calls).toHaveLength(5);
    expect(granted.map((g) => g.key)).toEqual(['us-east-1', 'us-east-1', 'us-east-1', 'us-east-1', 'us-east-1']);
    const times = granted.map((g) => g.at);
    // At most 2 in any 150 ms window: any 3 consecutive grants span at least one full window ...
    for (let i = 2; i < times.length; i++) expect((times[i] as number) - (times[i - 2] as number)).toBeGreaterThanOrEqual(150);
    // ... and with 5 requests at 2 per window the read needed at least two waits.
    expect(times.at(-1)).toBeGreaterThanOrEqual(300);
  });

});

describe('AWS adapter: security posture and utilization', () => {
  it('reports SSH/RDP open to the internet from security groups, IMDSv1, unencrypted volumes and public IPs', async () => {
    server.use(
      ec2('us-west-2', {
        DescribeInstances: () => ec2Fixture('DescribeInstances.botocore.xml'),
        DescribeVolumes: () => ec2Fixture('DescribeVolumes.botocore.xml'),
        DescribeSecurityGroups: () => ec2Fixture('DescribeSecurityGroups.botocore.xml'),
        DescribeInstanceTypes: instanceTypes,
      }),
      ec2('us-east-1', {
        DescribeInstances: () => ec2Fixture('DescribeInstances.modern.ours.xml'),
        DescribeVolumes: () => ec2Fixture('DescribeVolumes.modern.ours.xml'),
        DescribeSecurityGroups: () => ec2Fixture('DescribeSecurityGroups.modern.ours.xml'),
      }),
    );
    const findings = await toArray(aws(['us-west-2', 'us-east-1']).securityPosture({}));
    const by = (id: string) => findings.filter((f) => f.resource.id === id).map((f) => f.checkId).sort();
    expect(by('i-fde9cece')).toEqual(['ec2_instance_port_ssh_exposed_to_internet']);
    expect(by('i-78f1b94a')).toEqual(['ec2_instance_port_rdp_exposed_to_internet', 'ec2_instance_public_ip']);
    expect(by('i-0abc1234def567890')).toEqual(['ec2_ebs_volume_encryption', 'ec2_instance_imdsv2_enabled', 'ec2_instance_port_ssh_exposed_to_internet', 'ec2_instance_public_ip']);
    expect(findings.find((f) => f.checkId === 'ec2_instance_port_ssh_exposed_to_internet' && f.resource.id === 'i-0abc1234def567890')?.detail).toMatch(/::\/0/);
  });

  it('computes p50/p95 CPU from hourly CloudWatch averages', async () => {
    const bodies: { region: string; op: string; body: any }[] = [];
    server.use(
      cloudwatch(
        'us-east-1',
        {
          GetMetricData: (body) =>
            Response.json({
              MetricDataResults: [{ Id: body.MetricDataQueries[0].Id, Label: 'CPUUtilization', StatusCode: 'Complete', Timestamps: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], Values: [5, 7, 9, 11, 13, 15, 17, 19, 21, 90] }],
              Messages: [],
            }),
        },
        bodies,
      ),
    );
    const [u] = await aws(['us-east-1']).utilization([{ provider: 'aws', account: '1', region: 'us-east-1', id: 'i-0abc1234def567890' }], { days: 14, end: new Date('2024-05-15T00:00:00Z') });
    expect(u).toMatchObject({ samples: 10, cpuP50: 13, cpuP95: 90, memP95: null, windowDays: 14 });
    const q = bodies[0]?.body.MetricDataQueries[0];
    expect(q.MetricStat).toMatchObject({ Period: 3600, Stat: 'Average', Metric: { Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'InstanceId', Value: 'i-0abc1234def567890' }] } });
  });
});

const ref = { provider: 'aws' as const, account: '111122223333', region: 'us-east-1', zone: 'us-east-1a', id: 'i-0abc1234def567890' };
const base = { id: 's1', target: ref, targetName: 'web-1', expect: {}, reason: 'test' };

/** A little EC2 that remembers one instance's state and type, so stop/modify/start can be watched. */
function statefulEc2(calls: Ec2Call[], initial = { state: 'running', type: 't3.medium' }) {
  const live = { ...initial };
  const doc = () =>
    fixture('aws/DescribeInstances.modern.ours.xml')
      .replace('<code>16</code><name>running</name>', `<code>${live.state === 'running' ? 16 : 80}</code><name>${live.state}</name>`)
      .replace('<instanceType>t3.medium</instanceType>', `<instanceType>${live.type}</instanceType>`);
  return ec2(
    'us-east-1',
    {
      DescribeInstances: () => xml(doc()),
      DescribeVolumes: () => ec2Fixture('DescribeVolumes.modern.ours.xml'),
      // Offers only what the fixture lists (t3.large in us-east-1a), as EC2 filters by instance-type and location.
      DescribeInstanceTypeOfferings: (form) =>
        form['Filter.1.Value.1'] === 't3.large' && form['Filter.2.Value.1'] === 'us-east-1a'
          ? ec2Fixture('DescribeInstanceTypeOfferings.ours.xml')
          : xml(fixture('aws/DescribeInstanceTypeOfferings.ours.xml').replace(/<item>.*<\/item>/s, '')),
      StopInstances: (form) => {
        if (form.DryRun === 'true') return dryRunOk();
        live.state = 'stopped';
        return ec2Fixture('StopInstances.botocore.xml');
      },
      StartInstances: (form) => {
        if (form.DryRun === 'true') return dryRunOk();
        live.state = 'running';
        return ec2Fixture('StartInstances.botocore.xml');
      },
      ModifyInstanceAttribute: (form) => {
        if (form.DryRun === 'true') return dryRunOk();
        if (live.state !== 'stopped') return ec2Error('IncorrectInstanceState', 'The instance is not in the stopped state.', 400);
        live.type = form['InstanceType.Value'] ?? live.type;
        return ec2Fixture('ModifyInstanceAttribute.libcloud.xml');
      },
      CreateSnapshots: (form) => (form.DryRun === 'true' ? dryRunOk() : ec2Fixture('CreateSnapshots.ours.xml')),
    },
    calls,
  );
}

describe('AWS adapter: actions', () => {
  it('dry-runs a stop with EC2 DryRun: DryRunOperation means it would succeed, and nothing changes', async () => {
    const calls: Ec2Call[] = [];
    server.use(statefulEc2(calls));
    const res = await aws(['us-east-1']).apply({ ...base, kind: 'stop' }, { dryRun: true });
    expect(res).toMatchObject({ ok: true, mode: 'dry-run', before: { state: 'running', type: 't3.medium' } });
    const stops = calls.filter((c) => c.action === 'StopInstances');
    expect(stops.map((c) => [c.form.DryRun, c.form['InstanceId.1']])).toEqual([['true', 'i-0abc1234def567890']]);
  });

  it('turns a dry run refused by IAM into PROVIDER.FORBIDDEN with the EC2 code and request id', async () => {
    server.use(
      ec2('us-east-1', {
        DescribeInstances: () => ec2Fixture('DescribeInstances.modern.ours.xml'),
        DescribeVolumes: () => ec2Fixture('DescribeVolumes.modern.ours.xml'),
        TerminateInstances: () => ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403, 'req-42'),
      }),
    );
    const err = (await aws(['us-east-1']).apply({ ...base, kind: 'delete' }, { dryRun: true }).catch((e: unknown) => e)) as ProviderError;
    expect(err).toBeInstanceOf(ProviderError);
    expect([err.code, err.nativeCode, err.requestId, err.operation]).toEqual(['PROVIDER.FORBIDDEN', 'UnauthorizedOperation', 'req-42', 'TerminateInstances']);
  });

  it('resizes a running instance by stopping it, changing the type, and starting it again', async () => {
    const calls: Ec2Call[] = [];
    server.use(statefulEc2(calls));
    const provider = aws(['us-east-1']);
    const res = await provider.apply({ ...base, kind: 'resize', toType: 't3.large' } as PlanStep, { dryRun: false });
    expect(res).toMatchObject({ ok: true, mode: 'applied', before: { state: 'running', type: 't3.medium' } });
    const mutating = calls.filter((c) => !c.action.startsWith('Describe')).map((c) => c.action);
    expect(mutating).toEqual(['StopInstances', 'ModifyInstanceAttribute', 'StartInstances']);
    expect(calls.find((c) => c.action === 'ModifyInstanceAttribute')?.form['InstanceType.Value']).toBe('t3.large');
    expect(await provider.describe(ref)).toMatchObject({ state: 'running', type: 't3.large' });
  });

  it('refuses a resize to a type the zone does not offer, before touching the instance', async () => {
    const calls: Ec2Call[] = [];
    server.use(statefulEc2(calls));
    const err = (await aws(['us-east-1']).apply({ ...base, kind: 'resize', toType: 'p5.48xlarge' } as PlanStep, { dryRun: false }).catch((e: unknown) => e)) as ProviderError;
    expect(calls.find((c) => c.action === 'DescribeInstanceTypeOfferings')?.form).toMatchObject({ LocationType: 'availability-zone', 'Filter.1.Value.1': 'p5.48xlarge', 'Filter.2.Value.1': 'us-east-1a' });
    expect([err.code, err.message]).toEqual(['PROVIDER.INVALID', 'p5.48xlarge is not offered in us-east-1a']);
    expect(calls.filter((c) => !c.action.startsWith('Describe'))).toEqual([]);
  });

  it('snapshots every volume and returns the snapshot ids for a later create step', async () => {
    const calls: Ec2Call[] = [];
    server.use(statefulEc2(calls));
    const res = await aws(['us-east-1']).apply({ ...base, kind: 'snapshot' }, { dryRun: false });
    expect(res.snapshotIds).toEqual(['snap-0root0000000001', 'snap-0data0000000002']);
    const form = calls.find((c) => c.action === 'CreateSnapshots')?.form ?? {};
    expect(form['InstanceSpecification.InstanceId']).toBe('i-0abc1234def567890');
    expect(Object.values(form)).toContain('steward:source-instance');
  });

  it('rejects a step whose starting state is not valid, with the state in the message', async () => {
    server.use(statefulEc2([]));
    const err = (await aws(['us-east-1']).apply({ ...base, kind: 'start' }, { dryRun: true }).catch((e: unknown) => e)) as ProviderError;
    expect(err.code).toBe('PROVIDER.INVALID');
    expect(err.message).toMatch(/cannot start web-1: it is running/);
  });

  it('describe() returns undefined for an instance that no longer exists', async () => {
    server.use(ec2('us-east-1', { DescribeInstances: () => ec2Error('InvalidInstanceID.NotFound', "The instance ID 'i-0abc1234def567890' does not exist", 400) }));
    expect(await aws(['us-east-1']).describe(ref)).toBeUndefined();
  });

  it('declares the IAM actions each step needs', () => {
    const p = aws(['us-east-1']);
    expect(p.permissionsFor({ ...base, kind: 'resize', toType: 't3.large' } as PlanStep)).toEqual(expect.arrayContaining(['ec2:StopInstances', 'ec2:ModifyInstanceAttribute', 'ec2:StartInstances']));
    expect(p.permissionsFor({ ...base, kind: 'tag', tags: {} } as PlanStep)).toContain('ec2:CreateTags');
  });
});
