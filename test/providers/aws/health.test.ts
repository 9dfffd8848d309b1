/**
 * AWS health signals through the real SDK clients (EC2 Query XML, AWS Health JSON 1.1) against msw, serving the
 * shared fixtures: status checks → impaired / ok / unknown, scheduled events, Health events with their affected
 * instances, and SubscriptionRequiredException as a labelled gap (never healthy).
 */
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAwsHealthSource } from '../../../src/providers/aws/health.js';
import { ec2, ec2Fixture, type Ec2Call } from '../../msw/aws.js';
import { fixture } from '../../msw/fixtures.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const deps = {
  credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
  retryStrategy: new ConfiguredRetryStrategy(2, () => 5),
};

interface HealthCall {
  target: string;
  body: Record<string, unknown>;
}

/** The AWS Health endpoint (JSON 1.1, X-Amz-Target routing). */
function healthApi(routes: Record<string, () => Response>, calls: HealthCall[] = []) {
  return http.post('https://health.us-east-1.amazonaws.com/', async ({ request }) => {
    const target = (request.headers.get('x-amz-target') ?? '').replace('AWSHealth_20160804.', '');
    calls.push({ target, body: (await request.json()) as Record<string, unknown> });
    const route = routes[target];
    if (!route) return HttpResponse.json({ __type: 'InvalidAction', message: `no route for ${target}` }, { status: 400 });
    return route();
  });
}
const json = (path: string) => new HttpResponse(fixture(path), { headers: { 'content-type': 'application/x-amz-json-1.1' } });

describe('AWS health source', () => {
  it('reads status checks: impaired with the failed checks, ok, and insufficient data as unknown; scheduled events', async () => {
    const calls: Ec2Call[] = [];
    server.use(
      ec2('us-east-1', { DescribeInstanceStatus: () => ec2Fixture('DescribeInstanceStatus.impaired-events.derived.xml') }, calls),
      healthApi({ DescribeEvents: () => json('aws/health.DescribeEvents.awscli-example.json') }),
    );
    const source = createAwsHealthSource({ regions: ['us-east-1'], intervalMs: 60_000, accountId: '123456789012' }, deps);
    const obs = await source.poll();
    source.close();
    expect(calls[0]?.form).toMatchObject({ Action: 'DescribeInstanceStatus', IncludeAllInstances: 'true', MaxResults: '1000' });
    const by = Object.fromEntries(obs.instances.map((i) => [i.ref.id, i]));
    expect(by['i-1a2b3c4d']).toMatchObject({ status: 'impaired', ref: { provider: 'aws', account: '123456789012', region: 'us-east-1', zone: 'us-east-1d' } });
    expect(by['i-1a2b3c4d']?.checks.join(' ')).toMatch(/system status check impaired \(reachability: failed since 2026-11-30T08:15:00.000Z\)/);
    expect(by['i-2a2b3c4d']?.status).toBe('ok');
    expect(by['i-3a2b3c4d']?.status).toBe('ok');
    expect(by['i-4a2b3c4d']?.status).toBe('unknown');
    const scheduled = obs.events.filter((e) => e.kind === 'scheduled');
    expect(scheduled.map((e) => [e.affected[0]?.ref.id, e.summary.split(':')[0], e.state])).toEqual([
      ['i-1a2b3c4d', 'instance-retirement', 'upcoming'],
      ['i-2a2b3c4d', 'instance-reboot', 'upcoming'],
    ]);
    // Health: only EC2/EBS issues; the awscli sample's two EC2 issues are closed; notifications are left out.
    const issues = obs.events.filter((e) => e.key.startsWith('aws:health:'));
    expect(issues.map((e) => [e.region, e.state, e.scope])).toEqual([
      ['us-east-1', 'closed', 'region'],
      ['ap-southeast-2', 'closed', 'region'],
    ]);
    expect(obs.gaps).toEqual([]);
  });

  it('an open account-specific EC2 issue names its instances (DescribeAffectedEntities) and asks only for EC2/EBS in the watched regions', async () => {
    const hc: HealthCall[] = [];
    server.use(
      ec2('eu-west-1', { DescribeInstanceStatus: () => ec2Fixture('DescribeInstanceStatus.ok.botocore.xml') }),
      healthApi({ DescribeEvents: () => json('aws/health.DescribeEvents.ec2-open.ours.json'), DescribeAffectedEntities: () => json('aws/health.DescribeAffectedEntities.ec2-open.ours.json') }, hc),
    );
    const source = createAwsHealthSource({ regions: ['eu-west-1'], intervalMs: 60_000 }, deps);
    const obs = await source.poll();
    source.close();
    const events = hc.find((c) => c.target === 'DescribeEvents');
    expect(events?.body).toMatchObject({ filter: { services: ['EC2', 'EBS'], regions: ['eu-west-1'] }, maxResults: 100 });
    const open = obs.events.find((e) => e.state === 'open');
    expect(open).toMatchObject({ cloud: 'aws', region: 'eu-west-1', scope: 'account', kind: 'issue', severity: 'critical', service: 'EC2', started: new Date(1796000000 * 1000).toISOString() });
    expect(open?.affected.map((a) => a.ref.id)).toEqual(['i-1a2b3c4d']);
    expect(obs.events.find((e) => e.kind === 'scheduled' && e.key.startsWith('aws:health:'))?.state).toBe('upcoming');
  });

  it('SubscriptionRequiredException is a labelled gap, never healthy; status checks still answer', async () => {
    server.use(
      ec2('eu-west-1', { DescribeInstanceStatus: () => ec2Fixture('DescribeInstanceStatus.ok.botocore.xml') }),
      healthApi({
        DescribeEvents: () =>
          HttpResponse.json(
            { __type: 'SubscriptionRequiredException', message: 'The requested API requires a Business, Enterprise On-Ramp, or Enterprise Support plan.' },
            { status: 400, headers: { 'x-amzn-errortype': 'SubscriptionRequiredException', 'content-type': 'application/x-amz-json-1.1' } },
          ),
      }),
    );
    const source = createAwsHealthSource({ regions: ['eu-west-1'], intervalMs: 60_000 }, deps);
    const obs = await source.poll();
    source.close();
    expect(obs.gaps).toEqual([expect.objectContaining({ provider: 'aws', cloud: 'aws', code: 'HEALTH.SUBSCRIPTION_REQUIRED' })]);
    expect(obs.gaps[0]?.message).toMatch(/support plan/);
    expect(obs.instances.map((i) => i.status)).toEqual(['ok']);
  });
});
