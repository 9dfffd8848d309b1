/** Small hand-made estates for the optimizer tests. */
import type { Cloud } from '../../../src/domain/model/cloud.js';
import type { Instance, Utilization } from '../../../src/domain/model/instance.js';
import type { Offer } from '../../../src/domain/model/price.js';

export function offer(provider: Cloud, region: string, type: string, vcpu: number, memoryGiB: number, usdPerHour: number, gpu = 0): Offer {
  return { provider, region, type, family: 'general-purpose', vcpu, memoryGiB, gpu, hourlyMicros: Math.round(usdPerHour * 1e6), snapshotDate: '2025-01-01', source: 'test' };
}

export interface Spec {
  name: string;
  provider: Cloud;
  region: string;
  zone?: string;
  type: string;
  cpuP95: number;
  memP95?: number | null;
  idleCpuP95?: number;
  tags?: Record<string, string>;
  diskGiB?: number;
  state?: Instance['state'];
}

export function estate(offers: readonly Offer[], specs: readonly Spec[]) {
  const instances: Instance[] = [];
  const utilization: Utilization[] = [];
  const idle: Utilization[] = [];
  for (const s of specs) {
    const o = offers.find((x) => x.provider === s.provider && x.region === s.region && x.type === s.type);
    if (!o) throw new Error(`no offer ${s.provider} ${s.region} ${s.type}`);
    const ref = { provider: s.provider, account: `acct-${s.provider}`, region: s.region, ...(s.zone ? { zone: s.zone } : {}), id: `id-${s.name}` };
    instances.push({
      ...ref,
      name: s.name,
      type: s.type,
      vcpu: o.vcpu,
      memoryGiB: o.memoryGiB,
      gpu: o.gpu,
      state: s.state ?? 'running',
      tags: s.tags ?? {},
      publicIps: [],
      privateIps: [],
      disks: [{ id: `${s.name}-os`, sizeGiB: s.diskGiB ?? 50, encrypted: true }],
      price: { kind: 'priced', hourlyMicros: o.hourlyMicros, snapshotDate: o.snapshotDate, source: o.source },
    });
    const mem = s.memP95 === undefined ? 50 : s.memP95;
    utilization.push({ ref, windowDays: 14, samples: 336, cpuP50: s.cpuP95 / 2, cpuP95: s.cpuP95, memP95: mem });
    idle.push({ ref, windowDays: 7, samples: 168, cpuP50: s.cpuP95 / 2, cpuP95: s.idleCpuP95 ?? s.cpuP95, memP95: mem });
  }
  return { instances, utilization, idle };
}
