/**
 * With only AWS configured (STEWARD_PROVIDERS=aws), `optimize` and `failover` plan on AWS only: no step may
 * need a cloud Steward cannot reach ("gcp route: gcp is not enabled"), even where another cloud is cheaper.
 * The real EC2 and CloudWatch clients talk to msw.
 */
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { toPlainText } from '../../src/core/render-text.js';
import type { Plan } from '../../src/domain/model/plan.js';
import type { OptimizeReport } from '../../src/domain/optimizer/optimize.js';
import { silentLogger } from '../../src/lib/logger.js';
import { bootstrap, type App } from '../../src/main.js';
import { cloudwatch, ec2, ec2Fixture, xml } from '../msw/aws.js';
import { fixture } from '../msw/fixtures.js';
import { alice } from '../support/app.js';

// web-1 as an m5.xlarge (4 vCPU / 16 GiB, memory not reported) at a steady 40% CPU: GCP's e2-highmem-2 is the
// cheapest fit in the US, so a plan that ignored the configuration would go there.
const instances = () => xml(fixture('aws/DescribeInstances.modern.ours.xml').replace('<instanceType>t3.medium</instanceType>', '<instanceType>m5.xlarge</instanceType>'));
const server = setupServer(
  ec2('us-east-1', { DescribeInstances: instances, DescribeVolumes: () => ec2Fixture('DescribeVolumes.modern.ours.xml') }),
  cloudwatch('us-east-1', {
    GetMetricData: (body: { MetricDataQueries: { Id: string }[] }) =>
      Response.json({
        MetricDataResults: body.MetricDataQueries.map((q) => ({ Id: q.Id, Label: 'CPUUtilization', StatusCode: 'Complete', Timestamps: [1, 2, 3, 4], Values: [40, 40, 40, 40] })),
        Messages: [],
      }),
  }),
);

let app: App;
beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'error' });
  const config = loadConfig({
    STEWARD_DATA_DIR: 'memory://',
    LOG_LEVEL: 'silent',
    STEWARD_PROVIDERS: 'aws',
    AWS_REGIONS: 'us-east-1',
    // No migration penalty, so a cheaper type on another cloud (GCP's e2-medium) would win if it were allowed.
    STEWARD_OPT_RISK_REGION_USD: '0',
    STEWARD_OPT_RISK_PROVIDER_USD: '0',
    STEWARD_OPT_EGRESS_REGION_USD_PER_GIB: '0',
    STEWARD_OPT_EGRESS_PROVIDER_USD_PER_GIB: '0',
  });
  app = await bootstrap(config, { log: silentLogger(), providerDeps: { aws: { credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'fake' } } } });
});
afterAll(async () => {
  await app?.close();
  server.close();
});
const run = (text: string) => app.dispatcher.run({ text, actor: alice, surface: 'console' });
type OptData = OptimizeReport & { plan: Plan };

describe('optimize and failover with only AWS configured', () => {
  it('optimize plans only on AWS when the quota forces web-1 out of us-east-1', async () => {
    const r = await run('optimize --quota aws/us-east-1=0');
    expect(toPlainText(r.reply)).not.toMatch(/not enabled/);
    expect(r.outcome).toBe('ok');
    const d = r.data as OptData;
    expect(d.feasible).toBe(true);
    expect(d.changes.map((c) => c.name)).toEqual(['web-1']);
    expect(d.changes[0]?.to).toMatchObject({ provider: 'aws' });
    expect(d.changes[0]?.to?.region).not.toBe('us-east-1');
    for (const s of d.plan.steps) if (s.kind === 'create') expect(s.placement.provider).toBe('aws');
    expect(d.violations).toEqual([]);
  });

  it('failover us-east-1 replaces web-1 on AWS', async () => {
    const r = await run('failover us-east-1');
    expect(r.outcome).toBe('ok');
    const d = r.data as { feasible: boolean; replacements: { to: { provider: string } }[] };
    expect(d.feasible).toBe(true);
    expect(d.replacements.map((x) => x.to.provider)).toEqual(['aws']);
  });

  it('refuses --provider gcp and an unknown --region, saying what to type', async () => {
    const p = await run('optimize --provider gcp');
    expect(p.outcome).not.toBe('ok');
    expect(toPlainText(p.reply)).toMatch(/gcp is not enabled here.*--provider aws/s);
    const g = await run('optimize --region eu-west1');
    expect(g.outcome).not.toBe('ok');
    expect(toPlainText(g.reply)).toMatch(/eu-west1.*is not a region Steward knows; use one of .*eu-west-1/s);
  });
});
