import { z } from 'zod';
import { CLOUDS } from '../../domain/model/cloud.js';
import { INSTANCE_STATES, type Instance } from '../../domain/model/instance.js';
import type { PriceCatalog } from '../../domain/ports/price-catalog.port.js';

const STEP_KINDS = ['start', 'stop', 'reboot', 'resize', 'snapshot', 'create', 'delete', 'tag'] as const;

/** Security posture of a simulated instance (what the real adapters read from SGs, NSGs, firewalls, …). */
export const postureSchema = z
  .object({
    sshOpenToWorld: z.boolean().default(false),
    rdpOpenToWorld: z.boolean().default(false),
    /** AWS: instance metadata v1 still accepted (IMDSv2 not required). */
    imdsV1: z.boolean().default(false),
    /** GCP: interactive serial console enabled. */
    serialPort: z.boolean().default(false),
    /** GCP: runs as the default compute service account. */
    defaultServiceAccount: z.boolean().default(false),
  })
  .strict();

const diskSchema = z.object({ id: z.string().min(1), sizeGiB: z.number().positive(), encrypted: z.boolean().nullable() }).strict();

/** How an instance is stored: absolute load (cores, GiB), so a resize changes its utilization percentages. */
export const demoInstanceSchema = z
  .object({
    provider: z.enum(CLOUDS),
    account: z.string().min(1),
    region: z.string().min(1),
    zone: z.string().min(1).optional(),
    id: z.string().min(1),
    name: z.string().min(1),
    type: z.string().min(1),
    state: z.enum(INSTANCE_STATES),
    launchedAt: z.string().optional(),
    tags: z.record(z.string(), z.string()).default({}),
    publicIps: z.array(z.string()).default([]),
    privateIps: z.array(z.string()).default([]),
    disks: z.array(diskSchema).default([]),
    load: z.object({ cpuP50Cores: z.number().min(0), cpuP95Cores: z.number().min(0), memP95GiB: z.number().min(0) }).strict(),
    posture: postureSchema.default({ sshOpenToWorld: false, rdpOpenToWorld: false, imdsV1: false, serialPort: false, defaultServiceAccount: false }),
    /** Step kinds that fail on this instance, to rehearse rollbacks. */
    faults: z.array(z.enum(STEP_KINDS)).default([]),
    snapshotIds: z.array(z.string()).default([]),
    /** Set by `demo fault`: the status check that fails (the health watch sees an impaired instance). */
    impaired: z.string().min(1).optional(),
  })
  .strict();
export type DemoInstance = z.infer<typeof demoInstanceSchema>;

/** The documented estate file (docs/demo-estate.md): utilization in percent of the instance's current size. */
export const estateFileSchema = z
  .object({
    version: z.literal(1),
    description: z.string().optional(),
    instances: z
      .array(
        demoInstanceSchema.omit({ load: true, snapshotIds: true, impaired: true }).extend({
          utilization: z
            .object({
              cpuP95: z.number().min(0).max(100),
              cpuP50: z.number().min(0).max(100).optional(),
              memP95: z.number().min(0).max(100).optional(),
            })
            .strict(),
        }),
      )
      .min(1),
  })
  .strict();
export type EstateFile = z.infer<typeof estateFileSchema>;

export function fromEstateFile(file: EstateFile, catalog: PriceCatalog): DemoInstance[] {
  const seen = new Set<string>();
  return file.instances.map((i, n) => {
    const key = `${i.provider}:${i.id}`;
    if (seen.has(key)) throw new Error(`instances[${n}]: duplicate id ${i.id} for ${i.provider}`);
    seen.add(key);
    const shape = catalog.shape(i.provider, i.type);
    const vcpu = shape?.vcpu ?? 2;
    const mem = shape?.memoryGiB ?? 4;
    const { utilization, ...rest } = i;
    return {
      ...rest,
      snapshotIds: [],
      load: {
        cpuP95Cores: (utilization.cpuP95 / 100) * vcpu,
        cpuP50Cores: ((utilization.cpuP50 ?? utilization.cpuP95 * 0.6) / 100) * vcpu,
        memP95GiB: ((utilization.memP95 ?? 50) / 100) * mem,
      },
    };
  });
}

export function toInstance(d: DemoInstance, catalog: PriceCatalog): Instance {
  const shape = catalog.shape(d.provider, d.type);
  return {
    provider: d.provider,
    account: d.account,
    region: d.region,
    ...(d.zone ? { zone: d.zone } : {}),
    id: d.id,
    name: d.name,
    type: d.type,
    vcpu: shape?.vcpu ?? null,
    memoryGiB: shape?.memoryGiB ?? null,
    gpu: shape?.gpu ?? 0,
    state: d.state,
    ...(d.launchedAt ? { launchedAt: d.launchedAt } : {}),
    tags: { ...d.tags },
    publicIps: [...d.publicIps],
    privateIps: [...d.privateIps],
    disks: d.disks.map((x) => ({ ...x })),
    price: catalog.price(d.provider, d.region, d.type),
  };
}
