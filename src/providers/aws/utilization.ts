import { GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { InstanceRef, Utilization } from '../../domain/model/instance.js';
import { gapFromError, type UtilizationOptions, type UtilizationWindow } from '../../domain/ports/cloud-provider.port.js';
import { chunk, groupBy } from '../../lib/collections.js';
import { percentile, round1 } from '../../lib/stats.js';
import type { AwsClients } from './clients.js';
import { awsAdvice, toAwsError } from './errors.js';

/** GetMetricData takes up to 500 queries per call. */
const QUERIES_PER_CALL = 500;

/**
 * Hourly average CPUUtilization per instance from CloudWatch; p50/p95 over the window. Memory needs the agent: null.
 * Every call (region × batch of 500) is read at the same time, each behind its region's rate limiter; a call that
 * fails costs the utilization of its own instances only and becomes a gap (`opts.onGap`), the others still answer.
 * Without `onGap` the first failure is thrown.
 */
export async function awsUtilization(clients: AwsClients, refs: InstanceRef[], window: UtilizationWindow, opts: UtilizationOptions = {}): Promise<Utilization[]> {
  const end = window.end ?? new Date();
  const start = new Date(end.getTime() - window.days * 86_400_000);
  const calls = [...groupBy(refs, (r) => r.region)].flatMap(([region, inRegion]) => chunk(inRegion, QUERIES_PER_CALL).map((batch) => ({ region, batch })));
  const answers = await Promise.all(
    calls.map(async ({ region, batch }): Promise<Utilization[]> => {
      const queries: MetricDataQuery[] = batch.map((r, i) => ({
        Id: `m${i}`,
        MetricStat: { Metric: { Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'InstanceId', Value: r.id }] }, Period: 3600, Stat: 'Average' },
        ReturnData: true,
      }));
      const values = new Map<string, number[]>();
      let token: string | undefined;
      try {
        do {
          const page = await clients
            .cloudwatch(region)
            .send(new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: start, EndTime: end, NextToken: token }), opts.signal ? { abortSignal: opts.signal } : {});
          for (const r of page.MetricDataResults ?? []) if (r.Id) values.set(r.Id, [...(values.get(r.Id) ?? []), ...(r.Values ?? [])]);
          token = page.NextToken;
        } while (token);
      } catch (err) {
        const e = toAwsError(err, 'GetMetricData', region);
        if (!opts.onGap || opts.signal?.aborted) throw e;
        opts.onGap({
          ...gapFromError(e, { provider: 'aws', cloud: 'aws', region }, awsAdvice(e.code, 'GetMetricData')),
          message: `${e.detail}; no CPU utilization for ${batch.length} instance${batch.length === 1 ? '' : 's'} there, so ${batch.length === 1 ? 'it is' : 'they are'} not rightsized`,
        });
        return [];
      }
      return batch.flatMap((ref, i) => {
        const v = values.get(`m${i}`) ?? [];
        if (!v.length) return [];
        return [{ ref, windowDays: window.days, samples: v.length, cpuP50: round1(percentile(v, 0.5)), cpuP95: round1(percentile(v, 0.95)), memP95: null }];
      });
    }),
  );
  return answers.flat();
}
