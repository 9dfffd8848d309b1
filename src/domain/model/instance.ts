import type { Cloud } from './cloud.js';
import type { Price } from './price.js';

export const INSTANCE_STATES = ['pending', 'running', 'stopping', 'stopped', 'terminated', 'unknown'] as const;
export type InstanceState = (typeof INSTANCE_STATES)[number];

/** Everything needed to find one instance again, in any cloud. */
export interface InstanceRef {
  provider: Cloud;
  /** AWS account id, Azure subscription id, GCP project id. */
  account: string;
  region: string;
  zone?: string;
  /** Provider-native id (EC2 instance id, Azure resource id, GCE instance name). */
  id: string;
}

export interface Disk {
  id: string;
  sizeGiB: number;
  /** null when the provider did not say. */
  encrypted: boolean | null;
}

/** One normalized instance, the same shape for every cloud. */
export interface Instance extends InstanceRef {
  name: string;
  type: string;
  vcpu: number | null;
  memoryGiB: number | null;
  gpu: number;
  state: InstanceState;
  launchedAt?: string;
  tags: Record<string, string>;
  publicIps: string[];
  privateIps: string[];
  disks: Disk[];
  /** Hourly on-demand price from the catalog; an unknown type is `unpriced`, never zero. */
  price: Price;
}

export function refOf(i: InstanceRef): InstanceRef {
  return { provider: i.provider, account: i.account, region: i.region, ...(i.zone ? { zone: i.zone } : {}), id: i.id };
}

export function refKey(ref: InstanceRef): string {
  return `${ref.provider}:${ref.account}:${ref.region}:${ref.id}`;
}

/** Instances that bill compute while in this state. */
export function isBilling(state: InstanceState): boolean {
  return state === 'running' || state === 'pending' || state === 'stopping';
}

/** CPU and memory utilization over a window, in percent (0–100). */
export interface Utilization {
  ref: InstanceRef;
  windowDays: number;
  samples: number;
  cpuP50: number;
  cpuP95: number;
  /** null when the cloud does not report memory (EC2 without the CloudWatch agent). */
  memP95: number | null;
  /** GPU instances: P95 GPU utilization where the cloud reports it (DCGM/NVIDIA metrics); absent or null otherwise. */
  gpuP95?: number | null;
}
