import { GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { InstanceRef, Utilization } from '../../domain/model/instance.js';
import type { UtilizationWindow } from '../../domain/ports/cloud-provider.port.js';
import { chunk, groupBy } from '../../lib/collections.js';
import { percentile, round1 } from '../../lib/stats.js';
import type { AwsClients } from './clients.js';
import { toAwsError } from './errors.js';

/** GetMetricData takes up to 500 queries per call. */
const QUERIES_PER_CALL = 500;

/** Hourly average CPUUtilization per instance from CloudWatch; p50/p95 over the window. Memory needs the agent: null. */
export async function awsUtilization(clients: AwsClients, refs: InstanceRef[], window: UtilizationWindow): Promise<Utilization[]> {
  const end = window.end ?? new Date();
  const start = new Date(end.getTime() - window.days * 86_400_000);
  const out: Utilization[] = [];
  for (const [region, inRegion] of groupBy(refs, (r) => r.region)) {
    for (const batch of chunk(inRegion, QUERIES_PER_CALL)) {
      const queries: MetricDataQuery[] = batch.map((r, i) => ({
        Id: `m${i}`,
        MetricStat: { Metric: { Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'InstanceId', Value: r.id }] }, Period: 3600, Stat: 'Average' },
        ReturnData: true,
      }));
      const values = new Map<string, number[]>();
      let token: string | undefined;
      do {
        const page = await clients
          .cloudwatch(region)
          .send(new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: start, EndTime: end, NextToken: token }))
          .catch((err: unknown) => {
            throw toAwsError(err, 'GetMetricData', region);
          });
        for (const r of page.MetricDataResults ?? []) if (r.Id) values.set(r.Id, [...(values.get(r.Id) ?? []), ...(r.Values ?? [])]);
        token = page.NextToken;
      } while (token);
      batch.forEach((ref, i) => {
        const v = values.get(`m${i}`) ?? [];
        if (!v.length) return;
        out.push({ ref, windowDays: window.days, samples: v.length, cpuP50: round1(percentile(v, 0.5)), cpuP95: round1(percentile(v, 0.95)), memP95: null });
      });
    }
  }
  return out;
}
