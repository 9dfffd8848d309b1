import {
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  DescribeVolumesCommand,
  type Instance as Ec2Instance,
  type Volume,
  type _InstanceType,
} from '@aws-sdk/client-ec2';
import type { Disk, Instance, InstanceState } from '../../domain/model/instance.js';
import type { PriceCatalog } from '../../domain/ports/price-catalog.port.js';
import { chunk } from '../../lib/collections.js';
import type { AwsClients } from './clients.js';
import { toAwsError } from './errors.js';

/** DescribeInstances and DescribeVolumes page maxima (AWS API reference). */
export const INSTANCES_PAGE = 1000;
export const VOLUMES_PAGE = 500;

export interface Shape {
  vcpu: number;
  memoryGiB: number;
  gpu: number;
}

export interface RawRegion {
  region: string;
  instances: { owner: string; raw: Ec2Instance }[];
  volumes: Map<string, Volume>;
}

const LIVE_STATES = ['pending', 'running', 'shutting-down', 'stopping', 'stopped'];

/** Reads instances and volumes of one region: two paged chains side by side. */
export async function readRegion(clients: AwsClients, region: string, opts: { instanceIds?: string[]; signal?: AbortSignal } = {}): Promise<RawRegion> {
  const ec2 = clients.ec2(region);
  const instances: RawRegion['instances'] = [];
  const volumes = new Map<string, Volume>();
  const readInstances = async () => {
    let token: string | undefined;
    do {
      const page = await ec2
        .send(
          new DescribeInstancesCommand(
            opts.instanceIds
              ? { InstanceIds: opts.instanceIds }
              : { MaxResults: INSTANCES_PAGE, NextToken: token, Filters: [{ Name: 'instance-state-name', Values: LIVE_STATES }] },
          ),
          { abortSignal: opts.signal },
        )
        .catch((err: unknown) => {
          throw toAwsError(err, 'DescribeInstances', region);
        });
      for (const r of page.Reservations ?? []) for (const i of r.Instances ?? []) instances.push({ owner: r.OwnerId ?? '', raw: i });
      token = opts.instanceIds ? undefined : page.NextToken;
    } while (token);
  };
  const readVolumes = async (ids?: string[]) => {
    let token: string | undefined;
    do {
      const page = await ec2
        .send(new DescribeVolumesCommand(ids ? { VolumeIds: ids } : { MaxResults: VOLUMES_PAGE, NextToken: token }), { abortSignal: opts.signal })
        .catch((err: unknown) => {
          throw toAwsError(err, 'DescribeVolumes', region);
        });
      for (const v of page.Volumes ?? []) if (v.VolumeId) volumes.set(v.VolumeId, v);
      token = ids ? undefined : page.NextToken;
    } while (token);
  };
  if (opts.instanceIds) {
    // describe(): one instance, then exactly its volumes.
    await readInstances();
    const ids = instances.flatMap(({ raw }) => (raw.BlockDeviceMappings ?? []).map((b) => b.Ebs?.VolumeId).filter((v): v is string => !!v));
    if (ids.length) await readVolumes(ids);
  } else {
    await Promise.all([readInstances(), readVolumes()]);
  }
  return { region, instances, volumes };
}

/** Sizes for types the price catalog does not know, from DescribeInstanceTypes (100 per call), remembered. */
export async function resolveShapes(clients: AwsClients, region: string, types: string[], known: Map<string, Shape | null>): Promise<void> {
  const wanted = [...new Set(types)].filter((t) => !known.has(t));
  for (const batch of chunk(wanted, 100)) {
    const out = await clients
      .ec2(region)
      .send(new DescribeInstanceTypesCommand({ InstanceTypes: batch as _InstanceType[] }))
      .catch((err: unknown) => {
        throw toAwsError(err, 'DescribeInstanceTypes', region);
      });
    for (const t of out.InstanceTypes ?? []) {
      if (!t.InstanceType) continue;
      known.set(t.InstanceType, {
        vcpu: t.VCpuInfo?.DefaultVCpus ?? 0,
        memoryGiB: Math.round(((t.MemoryInfo?.SizeInMiB ?? 0) / 1024) * 100) / 100,
        gpu: (t.GpuInfo?.Gpus ?? []).reduce((n, g) => n + (g.Count ?? 0), 0),
      });
    }
    for (const t of batch) if (!known.has(t)) known.set(t, null);
  }
}

const STATE: Record<string, InstanceState> = {
  pending: 'pending',
  running: 'running',
  'shutting-down': 'stopping',
  stopping: 'stopping',
  stopped: 'stopped',
  terminated: 'terminated',
};

export function tagsOf(tags: { Key?: string | undefined; Value?: string | undefined }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key) out[t.Key] = t.Value ?? '';
  return out;
}

export function toInstance(
  raw: Ec2Instance,
  ctx: { owner: string; region: string; volumes: Map<string, Volume>; shape: Shape | undefined; catalog: PriceCatalog },
): Instance {
  const tags = tagsOf(raw.Tags);
  const type = raw.InstanceType ?? 'unknown';
  const publicIps = new Set<string>();
  const privateIps = new Set<string>();
  if (raw.PublicIpAddress) publicIps.add(raw.PublicIpAddress);
  if (raw.PrivateIpAddress) privateIps.add(raw.PrivateIpAddress);
  for (const ni of raw.NetworkInterfaces ?? []) {
    if (ni.Association?.PublicIp) publicIps.add(ni.Association.PublicIp);
    for (const p of ni.PrivateIpAddresses ?? []) {
      if (p.PrivateIpAddress) privateIps.add(p.PrivateIpAddress);
      if (p.Association?.PublicIp) publicIps.add(p.Association.PublicIp);
    }
  }
  const disks: Disk[] = (raw.BlockDeviceMappings ?? []).flatMap((b) => {
    const id = b.Ebs?.VolumeId;
    if (!id) return [];
    const v = ctx.volumes.get(id);
    return [{ id, sizeGiB: v?.Size ?? 0, encrypted: v?.Encrypted ?? null }];
  });
  const vcpuFromApi = raw.CpuOptions?.CoreCount && raw.CpuOptions.ThreadsPerCore ? raw.CpuOptions.CoreCount * raw.CpuOptions.ThreadsPerCore : undefined;
  const zone = raw.Placement?.AvailabilityZone;
  return {
    provider: 'aws',
    account: ctx.owner,
    region: ctx.region,
    ...(zone ? { zone } : {}),
    id: raw.InstanceId ?? '',
    name: tags.Name || raw.InstanceId || '',
    type,
    vcpu: ctx.shape?.vcpu ?? vcpuFromApi ?? null,
    memoryGiB: ctx.shape?.memoryGiB ?? null,
    gpu: ctx.shape?.gpu ?? 0,
    state: STATE[raw.State?.Name ?? ''] ?? 'unknown',
    ...(raw.LaunchTime ? { launchedAt: raw.LaunchTime.toISOString() } : {}),
    tags,
    publicIps: [...publicIps],
    privateIps: [...privateIps],
    disks,
    price: ctx.catalog.price('aws', ctx.region, type),
  };
}
