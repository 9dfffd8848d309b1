/**
 * A plan built on a partial read says so wherever people look: on its proposal card in every surface, in its
 * audit row and on the Approve button. A GetMetricData failure in one region is a labelled gap, not a failed
 * optimize; an inventory of which no part answered is a failure, not an empty estate. Real EC2 and CloudWatch
 * clients talk to msw.
 */
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { toPlainText } from '../../src/core/render-text.js';
import type { Block, Reply } from '../../src/core/reply.js';
import { silentLogger } from '../../src/lib/logger.js';
import { bootstrap, type App } from '../../src/main.js';
import { toHtml as renderConsoleHtml } from '../../src/surfaces/console/render.js';
import { renderBlockKit } from '../../src/surfaces/slack/render.js';
import { renderAdaptiveCard } from '../../src/surfaces/teams/render.js';
import { cloudwatch, ec2, ec2Error, ec2Fixture, emptyVolumes, xml } from '../msw/aws.js';
import { fixture } from '../msw/fixtures.js';
import { alice } from '../support/app.js';

// web-1 as an m5.xlarge idling at 5% CPU in us-east-1: an in-place rightsizing. eu-west-1 stays throttled;
// us-west-2 lists its instances but its CloudWatch refuses GetMetricData.
const instances = () => xml(fixture('aws/DescribeInstances.modern.ours.xml').replace('<instanceType>t3.medium</instanceType>', '<instanceType>m5.xlarge</instanceType>'));
const metrics = (body: { MetricDataQueries: { Id: string }[] }) =>
  Response.json({ MetricDataResults: body.MetricDataQueries.map((q) => ({ Id: q.Id, StatusCode: 'Complete', Timestamps: [1, 2, 3, 4], Values: [5, 5, 5, 5] })), Messages: [] });
const server = setupServer(
  ec2('us-east-1', { DescribeInstances: instances, DescribeVolumes: () => ec2Fixture('DescribeVolumes.modern.ours.xml') }),
  ec2('eu-west-1', { DescribeInstances: () => ec2Error('RequestLimitExceeded', 'Request limit exceeded.', 503, 'req-euw1'), DescribeVolumes: emptyVolumes }),
  ec2('us-west-2', { DescribeInstances: () => ec2Fixture('DescribeInstances.botocore.xml'), DescribeVolumes: () => ec2Fixture('DescribeVolumes.botocore.xml'), DescribeInstanceTypes: () => ec2Fixture('DescribeInstanceTypes.ours.xml') }),
  cloudwatch('us-east-1', { GetMetricData: metrics }),
  cloudwatch('us-west-2', { GetMetricData: () => HttpResponse.json({ __type: 'AccessDeniedException', message: 'User is not authorized to perform cloudwatch:GetMetricData' }, { status: 400 }) }),
);

const aws = { credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'fake' }, retryStrategy: new ConfiguredRetryStrategy(1, () => 1) };
let app: App;
beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'error' });
  app = await bootstrap(loadConfig({ STEWARD_DATA_DIR: 'memory://', LOG_LEVEL: 'silent', STEWARD_PROVIDERS: 'aws', AWS_REGIONS: 'us-east-1,eu-west-1,us-west-2' }), {
    log: silentLogger(),
    providerDeps: { aws },
  });
});
afterAll(async () => {
  await app?.close();
  server.close();
});
const run = (text: string, actor = alice) => app.dispatcher.run({ text, actor, surface: 'console' });
const bob = { id: 'console:bob', displayName: 'bob', surface: 'console' as const };
const approveButton = (r: Reply) => r.blocks.flatMap((b: Block) => (b.type === 'actions' ? b.buttons : [])).find((b) => b.actionId === 'proposal.approve');

describe('a plan built on a partial read', () => {
  let proposalId = '';
  let card: Reply;

  it('optimize answers with a throttled region and a refused GetMetricData as labelled gaps, not a failure', async () => {
    const r = await run('optimize --in-place');
    expect(r.outcome).toBe('ok');
    const d = r.data as { partial: boolean; gaps: { region?: string; code: string; message: string }[]; plan: { readGaps?: unknown[] }; proposal?: { id: string } };
    expect(d.partial).toBe(true);
    expect(d.gaps).toEqual([
      expect.objectContaining({ provider: 'aws', region: 'eu-west-1', code: 'PROVIDER.THROTTLED', message: 'DescribeInstances: Request limit exceeded. (RequestLimitExceeded, request req-euw1)' }),
      expect.objectContaining({ provider: 'aws', region: 'us-west-2', code: 'PROVIDER.FORBIDDEN', message: expect.stringMatching(/^GetMetricData: .*no CPU utilization for 1 instance/) }),
    ]);
    expect(d.plan.readGaps).toHaveLength(2);
    expect(d.proposal?.id).toBeTruthy();
    proposalId = d.proposal?.id ?? '';
    card = r.reply;
  });

  it('says so on its proposal card, in every surface, without repeating the place and with advice', async () => {
    const plain = toPlainText(card);
    expect(plain).toMatch(/Built on a partial read.*2 parts of the estate could not be read/s);
    expect(plain).toMatch(/aws eu-west-1: DescribeInstances: Request limit exceeded\. \(RequestLimitExceeded, request req-euw1\) \(PROVIDER\.THROTTLED\) — .*try again/);
    expect(plain).toMatch(/aws us-west-2: GetMetricData: .*cloudwatch:GetMetricData/);
    expect(plain).not.toMatch(/aws eu-west-1: aws eu-west-1/);
    expect(JSON.stringify(renderBlockKit(card))).toMatch(/Built on a partial read.*eu-west-1.*us-west-2/s);
    expect(JSON.stringify(renderAdaptiveCard(card))).toMatch(/Built on a partial read.*eu-west-1.*us-west-2/s);
    expect(renderConsoleHtml(card)).toMatch(/Built on a partial read.*eu-west-1.*us-west-2/s);
  });

  it('asks the approver to confirm, naming what the plan did not see', () => {
    const approve = approveButton(card);
    expect(approve?.confirm?.title).toMatch(/partial read/);
    expect(approve?.confirm?.text).toMatch(/aws eu-west-1 \(PROVIDER\.THROTTLED\); aws us-west-2 \(PROVIDER\.FORBIDDEN\)/);
  });

  it('writes it into the audit row of the proposal, and shows it again at approval time', async () => {
    const shown = await run(`proposal ${proposalId}`);
    expect(toPlainText(shown.reply)).toMatch(/proposal\.created.*built on a partial read; not seen: aws eu-west-1 \(PROVIDER\.THROTTLED\); aws us-west-2 \(PROVIDER\.FORBIDDEN\)/s);
    const approved = await run(`approve ${proposalId}`, bob);
    expect(approved.outcome).toBe('ok');
    expect(toPlainText(approved.reply)).toMatch(/Built on a partial read/);
  });
});

describe('an inventory of which no part answered', () => {
  it('is a failure that names every part, not an empty estate', async () => {
    const r = await run('inventory --region eu-west-1 --refresh');
    expect(r.outcome).toBe('failed');
    const text = toPlainText(r.reply);
    expect(text).toMatch(/No part of the estate could be read.*not an empty estate/s);
    expect(text).toMatch(/aws eu-west-1: DescribeInstances: Request limit exceeded/);
    expect(text).toMatch(/INVENTORY\.UNREADABLE/);
  });

  it('a partly read estate still answers, labelled partial', async () => {
    const r = await run('inventory --refresh');
    expect(r.outcome).toBe('ok');
    expect(r.data).toMatchObject({ partial: true, total: 3 });
  });
});
