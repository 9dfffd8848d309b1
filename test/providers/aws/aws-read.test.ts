/**
 * The AWS read side under partial failure: what a region, a DescribeInstanceTypes call or a GetMetricData call
 * that fails costs (only what it covers), how the gap reads, and region discovery when AWS_REGIONS is unset.
 */
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import type { Gap } from '../../../src/domain/ports/cloud-provider.port.js';
import { toArray } from '../../../src/lib/collections.js';
import { cloudwatch, ec2, ec2Error, ec2Fixture, emptyVolumes, xml, type Ec2Call } from '../../msw/aws.js';
import { fixture } from '../../msw/fixtures.js';
import { useMswServer } from '../../support/msw.js';
import { testAwsProvider } from './support.js';

const server = useMswServer();
const aws = testAwsProvider;
const modern = { DescribeInstances: () => ec2Fixture('DescribeInstances.modern.ours.xml'), DescribeVolumes: () => ec2Fixture('DescribeVolumes.modern.ours.xml') };

describe('AWS read side: a failure costs only what it covers', () => {
  it('a region whose endpoint answers with a web page (not EC2) is a gap that names the endpoint, without SDK internals', async () => {
    server.use(
      ec2('us-east-1', modern),
      http.post('https://ec2.eu-west-1.amazonaws.com/', () => new HttpResponse('<html><body><h1>Proxy login required</h1></body></html>', { status: 200, headers: { 'content-type': 'text/html' } })),
    );
    const gaps: Gap[] = [];
    const found = await toArray(aws(['us-east-1', 'eu-west-1']).listInstances({}, { onGap: (g) => gaps.push(g) }));
    expect(found.map((i) => i.region)).toEqual(['us-east-1']);
    expect(gaps).toHaveLength(1);
    const [gap] = gaps;
    expect(gap).toMatchObject({ provider: 'aws', region: 'eu-west-1', code: 'PROVIDER.UNAVAILABLE' });
    expect(gap?.message).toMatch(/not an AWS API response \(HTTP 200, text\/html\).*AWS_ENDPOINT_URL/);
    expect(gap?.message).not.toMatch(/\$response|hidden field|Deserialization|parse error|Unexpected|\{error\}/i);
    expect(gap?.advice).toBeTruthy();
  });

  it('a region answering with a page that does not even parse as XML is a gap without the parser error or SDK hints', async () => {
    server.use(http.post('https://ec2.eu-west-1.amazonaws.com/', () => new HttpResponse('<?xml version="1.0"?><Response><Broken attr=></Response', { status: 200, headers: { 'content-type': 'text/xml' } })));
    const gaps: Gap[] = [];
    await toArray(aws(['eu-west-1']).listInstances({}, { onGap: (g) => gaps.push(g) }));
    expect(gaps).toEqual([expect.objectContaining({ region: 'eu-west-1', code: 'PROVIDER.UNAVAILABLE', message: expect.stringMatching(/not an AWS API response/) })]);
    expect(gaps[0]?.message).not.toMatch(/\$response|hidden field|Deserialization|\{error\}/i);
  });

  it('a 502 HTML answer from a gateway is an unavailable region, without SDK internals', async () => {
    server.use(http.post('https://ec2.eu-west-1.amazonaws.com/', () => new HttpResponse('<html><body>502 Bad Gateway</body></html>', { status: 502, headers: { 'content-type': 'text/html' } })));
    const gaps: Gap[] = [];
    await toArray(aws(['eu-west-1']).listInstances({}, { onGap: (g) => gaps.push(g) }));
    expect(gaps).toEqual([expect.objectContaining({ region: 'eu-west-1', code: 'PROVIDER.UNAVAILABLE' })]);
    expect(gaps[0]?.message).not.toMatch(/\$response|hidden field|Deserialization|\{error\}/i);
  });

  it('gap messages name the failed call once, without repeating the provider and region, and give advice', async () => {
    server.use(ec2('eu-west-1', { DescribeInstances: () => ec2Error('RequestLimitExceeded', 'Request limit exceeded.', 503, 'req-t-1'), DescribeVolumes: emptyVolumes }));
    const gaps: Gap[] = [];
    await toArray(aws(['eu-west-1']).listInstances({}, { onGap: (g) => gaps.push(g) }));
    expect(gaps).toEqual([
      {
        provider: 'aws',
        cloud: 'aws',
        region: 'eu-west-1',
        code: 'PROVIDER.THROTTLED',
        message: 'DescribeInstances: Request limit exceeded. (RequestLimitExceeded, request req-t-1)',
        advice: expect.stringMatching(/try again.*AWS_REQUESTS_PER_SECOND/),
      },
    ]);
  });

  it('a failing DescribeInstanceTypes costs the sizes of the types it covers, not the region', async () => {
    const calls: Ec2Call[] = [];
    server.use(
      ec2(
        'us-west-2',
        {
          DescribeInstances: () => ec2Fixture('DescribeInstances.botocore.xml'),
          DescribeVolumes: () => ec2Fixture('DescribeVolumes.botocore.xml'),
          DescribeInstanceTypes: () => ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403, 'req-dit-1'),
        },
        calls,
      ),
    );
    const gaps: Gap[] = [];
    const found = await toArray(aws(['us-west-2']).listInstances({}, { onGap: (g) => gaps.push(g) }));
    // Both instances of the region are still listed; the one whose type the catalog lacks has no memory size.
    expect(found.map((i) => i.id).sort()).toEqual(['i-78f1b94a', 'i-fde9cece']);
    const small = found.find((i) => i.id === 'i-fde9cece');
    expect(small).toMatchObject({ memoryGiB: null, state: 'stopped', price: { kind: 'unpriced' } });
    expect(gaps).toEqual([
      expect.objectContaining({ provider: 'aws', region: 'us-west-2', code: 'PROVIDER.FORBIDDEN', message: expect.stringMatching(/^DescribeInstanceTypes: .*sizes of m1\.small.* unknown/) }),
    ]);
    expect(gaps[0]?.advice).toMatch(/ec2:DescribeInstanceTypes/);
  });

  it('a GetMetricData failure in one region is a labelled gap; the other regions still answer, read side by side', async () => {
    const answer = (body: any) =>
      Response.json({ MetricDataResults: body.MetricDataQueries.map((q: any) => ({ Id: q.Id, StatusCode: 'Complete', Timestamps: [1, 2, 3], Values: [10, 20, 30] })), Messages: [] });
    let inFlight = 0;
    let maxInFlight = 0;
    const slow = (ok: boolean) => async (body: any) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 20));
      inFlight--;
      return ok ? answer(body) : HttpResponse.json({ __type: 'com.amazon.coral.availability#ThrottlingException', message: 'Rate exceeded' }, { status: 400 });
    };
    server.use(cloudwatch('us-east-1', { GetMetricData: slow(true) }), cloudwatch('eu-west-1', { GetMetricData: slow(false) }), cloudwatch('us-west-2', { GetMetricData: slow(true) }));
    const refs = [
      { provider: 'aws' as const, account: '1', region: 'us-east-1', id: 'i-a' },
      { provider: 'aws' as const, account: '1', region: 'eu-west-1', id: 'i-b' },
      { provider: 'aws' as const, account: '1', region: 'eu-west-1', id: 'i-c' },
      { provider: 'aws' as const, account: '1', region: 'us-west-2', id: 'i-d' },
    ];
    const gaps: Gap[] = [];
    const out = await aws([]).utilization(refs, { days: 14, end: new Date('2024-05-15T00:00:00Z') }, { onGap: (g) => gaps.push(g) });
    expect(out.map((u) => u.ref.id).sort()).toEqual(['i-a', 'i-d']);
    expect(gaps).toEqual([
      expect.objectContaining({ provider: 'aws', region: 'eu-west-1', code: 'PROVIDER.THROTTLED', message: expect.stringMatching(/^GetMetricData: .*no CPU utilization for 2 instances/) }),
    ]);
    expect(gaps[0]?.advice).toBeTruthy();
    // The regions were asked at the same time, not one after another stopping at the first error.
    expect(maxInFlight).toBeGreaterThan(1);
  });

  it('without onGap a GetMetricData failure still throws (callers that cannot label a gap see the error)', async () => {
    server.use(cloudwatch('eu-west-1', { GetMetricData: () => HttpResponse.json({ __type: 'AccessDeniedException', message: 'denied' }, { status: 400 }) }));
    await expect(aws([]).utilization([{ provider: 'aws', account: '1', region: 'eu-west-1', id: 'i-b' }], { days: 14 })).rejects.toMatchObject({ code: 'PROVIDER.FORBIDDEN' });
  });
});

describe('AWS region discovery', () => {
  it('with no AWS_REGIONS, reads every region DescribeRegions reports (asked once, in us-east-1)', async () => {
    const calls: Ec2Call[] = [];
    const regions = ['eu-west-1', 'sa-east-1', 'us-east-1', 'ap-northeast-1', 'us-west-2', 'us-west-1', 'ap-southeast-1', 'ap-southeast-2'];
    server.use(
      ...regions.map((r) =>
        ec2(
          r,
          {
            DescribeRegions: () => ec2Fixture('DescribeRegions.botocore.xml'),
            DescribeInstances: () => (r === 'ap-southeast-2' ? ec2Fixture('DescribeInstances.modern.ours.xml') : xml(fixture('aws/DescribeInstances.modern.ours.xml').replace(/<reservationSet>.*<\/reservationSet>/s, '<reservationSet/>'))),
            DescribeVolumes: r === 'ap-southeast-2' ? () => ec2Fixture('DescribeVolumes.modern.ours.xml') : emptyVolumes,
          },
          calls,
        ),
      ),
    );
    const provider = aws([]);
    const gaps: Gap[] = [];
    const found = await toArray(provider.listInstances({}, { onGap: (g) => gaps.push(g) }));
    expect(gaps).toEqual([]);
    expect(found.map((i) => `${i.region}/${i.id}`)).toEqual(['ap-southeast-2/i-0abc1234def567890']);
    expect(calls.filter((c) => c.action === 'DescribeRegions').map((c) => c.region)).toEqual(['us-east-1']);
    expect([...new Set(calls.filter((c) => c.action === 'DescribeInstances').map((c) => c.region))].sort()).toEqual([...regions].sort());
    // Discovery is remembered: a second read does not ask again.
    await toArray(provider.listInstances({}));
    expect(calls.filter((c) => c.action === 'DescribeRegions')).toHaveLength(1);
  });

  it('a scope names regions among the discovered ones only', async () => {
    const calls: Ec2Call[] = [];
    server.use(
      ec2('us-east-1', { DescribeRegions: () => ec2Fixture('DescribeRegions.botocore.xml'), ...modern }, calls),
      ec2('ap-southeast-2', modern, calls),
    );
    const found = await toArray(aws([]).listInstances({ regions: ['ap-southeast-2', 'xx-nowhere-1'] }));
    expect(found.map((i) => i.region)).toEqual(['ap-southeast-2']);
    expect(calls.filter((c) => c.action === 'DescribeInstances').map((c) => c.region)).toEqual(['ap-southeast-2']);
  });
});
