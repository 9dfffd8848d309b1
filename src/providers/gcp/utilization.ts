import type { InstanceRef, Utilization } from '../../domain/model/instance.js';
import type { UtilizationWindow } from '../../domain/ports/cloud-provider.port.js';
import { chunk, groupBy } from '../../lib/collections.js';
import { percentile, round1 } from '../../lib/stats.js';
import type { GcpClients } from './clients.js';
import { toGcpError } from './errors.js';

/**
 * Hourly mean CPU utilization from Cloud Monitoring (compute.googleapis.com/instance/cpu/utilization, a 0–1
 * fraction), one paged listTimeSeries per project for up to 100 instances. Memory needs the Ops Agent: null.
 */
export async function gcpUtilization(clients: GcpClients, refs: InstanceRef[], window: UtilizationWindow): Promise<Utilization[]> {
  const end = window.end ?? new Date();
  const start = new Date(end.getTime() - window.days * 86_400_000);
  const out: Utilization[] = [];
  const metrics = refs.length ? await clients.metrics() : undefined;
  for (const [project, inProject] of groupBy(refs, (r) => r.account)) {
    for (const batch of chunk(inProject, 100)) {
      const names = batch.map((r) => `"${r.id}"`).join(', ');
      const values = new Map<string, number[]>();
      try {
        for await (const ts of metrics!.listTimeSeriesAsync({
          name: `projects/${project}`,
          filter: `metric.type = "compute.googleapis.com/instance/cpu/utilization" AND metric.labels.instance_name = one_of(${names})`,
          interval: { startTime: { seconds: Math.floor(start.getTime() / 1000) }, endTime: { seconds: Math.floor(end.getTime() / 1000) } },
          aggregation: { alignmentPeriod: { seconds: 3600 }, perSeriesAligner: 'ALIGN_MEAN' },
          view: 'FULL',
        })) {
          const name = ts.metric?.labels?.instance_name ?? '';
          const zone = ts.resource?.labels?.zone ?? '';
          const v = (ts.points ?? []).map((p) => Number(p.value?.doubleValue ?? NaN) * 100).filter((x) => Number.isFinite(x));
          values.set(`${zone}/${name}`, [...(values.get(`${zone}/${name}`) ?? []), ...v]);
          values.set(`/${name}`, [...(values.get(`/${name}`) ?? []), ...v]);
        }
      } catch (err) {
        throw toGcpError(err, 'read CPU utilization');
      }
      for (const ref of batch) {
        const v = values.get(`${ref.zone ?? ''}/${ref.id}`) ?? values.get(`/${ref.id}`) ?? [];
        if (v.length) out.push({ ref, windowDays: window.days, samples: v.length, cpuP50: round1(percentile(v, 0.5)), cpuP95: round1(percentile(v, 0.95)), memP95: null });
      }
    }
  }
  return out;
}
