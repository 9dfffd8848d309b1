import type { InstanceRef, Utilization } from '../../domain/model/instance.js';
import type { UtilizationWindow } from '../../domain/ports/cloud-provider.port.js';
import { percentile, round1 } from '../../lib/stats.js';
import type { AzureClients } from './clients.js';
import { toAzureError } from './errors.js';

/**
 * Hourly average "Percentage CPU" and "Available Memory Bytes" per VM from Azure Monitor (one call per VM).
 * Memory use is 100 − available/total, with the total from the VM size.
 */
export async function azureUtilization(
  clients: AzureClients,
  refs: InstanceRef[],
  window: UtilizationWindow,
  memoryGiB: (ref: InstanceRef) => Promise<number | null>,
  concurrency: <T>(f: () => Promise<T>) => Promise<T>,
): Promise<Utilization[]> {
  const end = window.end ?? new Date();
  const start = new Date(end.getTime() - window.days * 86_400_000);
  const results = await Promise.all(
    refs.map((ref) =>
      concurrency(async () => {
        let res;
        try {
          // The SDK's URL template adds the slash itself; a leading one would turn the path into a host name.
          res = await clients.monitor(ref.account).metrics.list(ref.id.replace(/^\/+/, ''), {
            timespan: `${start.toISOString()}/${end.toISOString()}`,
            interval: 'PT1H',
            metricnames: 'Percentage CPU,Available Memory Bytes',
            aggregation: 'Average',
          });
        } catch (err) {
          throw toAzureError(err, 'read metrics', ref.account, ref.region);
        }
        const series = (name: string) =>
          (res.value.find((m) => m.name.value === name)?.timeseries ?? []).flatMap((t) => (t.data ?? []).map((d) => d.average).filter((v): v is number => typeof v === 'number'));
        const cpu = series('Percentage CPU');
        if (!cpu.length) return undefined;
        const avail = series('Available Memory Bytes');
        const total = await memoryGiB(ref);
        const memP95 = avail.length && total ? round1(Math.max(0, 100 - (percentile(avail, 0.05) / (total * 1024 ** 3)) * 100)) : null;
        const u: Utilization = { ref, windowDays: window.days, samples: cpu.length, cpuP50: round1(percentile(cpu, 0.5)), cpuP95: round1(percentile(cpu, 0.95)), memP95 };
        return u;
      }),
    ),
  );
  return results.filter((u): u is Utilization => !!u);
}
