import type { protos } from '@google-cloud/compute';
import type { Disk, Instance, InstanceState } from '../../domain/model/instance.js';
import type { Gap } from '../../domain/ports/cloud-provider.port.js';
import type { PriceCatalog } from '../../domain/ports/price-catalog.port.js';
import type { GcpClients } from './clients.js';
import { toGcpError } from './errors.js';

export type GceInstance = protos.google.cloud.compute.v1.IInstance;

/** instances.aggregatedList page maximum. */
export const INSTANCES_PAGE = 500;

export interface Shape {
  vcpu: number;
  memoryGiB: number;
  gpu: number;
}

export const last = (url: string | null | undefined) => (url ?? '').split('/').pop() ?? '';
export const regionOfZone = (zone: string) => zone.replace(/-[a-z]$/, '');

/**
 * Every instance of a project in one paged aggregatedList (500 per page, partial success on): zones that
 * could not be read come back as warnings and become gaps, the rest still answers.
 */
export async function readProject(
  clients: GcpClients,
  project: string,
  onGap: (gap: Gap) => void,
  signal?: AbortSignal,
): Promise<{ zone: string; raw: GceInstance }[]> {
  const out: { zone: string; raw: GceInstance }[] = [];
  const client = await clients.instances();
  try {
    const it = client.aggregatedListAsync({ project, maxResults: INSTANCES_PAGE, returnPartialSuccess: true });
    for await (const [scope, scoped] of it) {
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
      const zone = last(scope);
      const w = scoped.warning;
      if (w && w.code !== 'NO_RESULTS_ON_PAGE') {
        onGap({ provider: 'gcp', cloud: 'gcp', account: project, region: regionOfZone(zone), code: 'PROVIDER.UNAVAILABLE', message: `aggregatedList, zone ${zone}: ${w.message ?? w.code} (${w.code})` });
      }
      for (const raw of scoped.instances ?? []) out.push({ zone, raw });
    }
  } catch (err) {
    throw toGcpError(err, 'list instances');
  }
  return out;
}

/** custom-4-16384, n2-custom-8-32768, e2-custom-2-4096-ext: vCPU and MiB are in the name. */
export function customShape(type: string): Shape | undefined {
  const m = /(?:^|-)custom-(\d+)-(\d+)(?:-ext)?$/.exec(type);
  return m ? { vcpu: Number(m[1]), memoryGiB: Math.round((Number(m[2]) / 1024) * 100) / 100, gpu: 0 } : undefined;
}

/** machineTypes.get for a type the catalog does not know (remembered per type). */
export async function resolveShape(clients: GcpClients, project: string, zone: string, type: string): Promise<Shape | undefined> {
  try {
    const [mt] = await (await clients.machineTypes()).get({ project, zone, machineType: type });
    return {
      vcpu: Number(mt.guestCpus ?? 0),
      memoryGiB: Math.round((Number(mt.memoryMb ?? 0) / 1024) * 100) / 100,
      gpu: (mt.accelerators ?? []).reduce((n, a) => n + Number(a.guestAcceleratorCount ?? 0), 0),
    };
  } catch (err) {
    const e = toGcpError(err, 'get machine type', regionOfZone(zone));
    if (e.code === 'PROVIDER.NOT_FOUND') return undefined;
    throw e;
  }
}

const STATE: Record<string, InstanceState> = {
  PROVISIONING: 'pending',
  STAGING: 'pending',
  RUNNING: 'running',
  STOPPING: 'stopping',
  SUSPENDING: 'stopping',
  STOPPED: 'stopped',
  SUSPENDED: 'stopped',
  TERMINATED: 'stopped',
};

export function toInstance(raw: GceInstance, ctx: { project: string; zone: string; shape: Shape | undefined; catalog: PriceCatalog }): Instance {
  const type = last(raw.machineType) || 'unknown';
  const region = regionOfZone(ctx.zone);
  const gpuAttached = (raw.guestAccelerators ?? []).reduce((n, a) => n + Number(a.acceleratorCount ?? 0), 0);
  const disks: Disk[] = (raw.disks ?? []).map((d) => ({
    id: last(d.source) || d.deviceName || 'disk',
    sizeGiB: Number(d.diskSizeGb ?? 0),
    // Compute Engine encrypts every disk at rest; diskEncryptionKey only says whose key it is.
    encrypted: true,
  }));
  const started = raw.lastStartTimestamp ?? raw.creationTimestamp;
  return {
    provider: 'gcp',
    account: ctx.project,
    region,
    zone: ctx.zone,
    id: raw.name ?? '',
    name: raw.name ?? '',
    type,
    vcpu: ctx.shape?.vcpu ?? null,
    memoryGiB: ctx.shape?.memoryGiB ?? null,
    gpu: gpuAttached || ctx.shape?.gpu || 0,
    state: STATE[String(raw.status ?? '')] ?? 'unknown',
    ...(started ? { launchedAt: new Date(started).toISOString() } : {}),
    tags: { ...(raw.labels ?? {}) },
    publicIps: (raw.networkInterfaces ?? []).flatMap((n) => [...(n.accessConfigs ?? []), ...(n.ipv6AccessConfigs ?? [])].map((a) => a.natIP ?? a.externalIpv6).filter((x): x is string => !!x)),
    privateIps: (raw.networkInterfaces ?? []).map((n) => n.networkIP).filter((x): x is string => !!x),
    disks,
    price: ctx.catalog.price('gcp', region, type),
  };
}
