import type { Cloud } from './cloud.js';

/** A catalog price: integer micro-dollars per hour, with the snapshot date it comes from. */
export type Price =
  | { kind: 'priced'; hourlyMicros: number; snapshotDate: string; source: string }
  | { kind: 'unpriced'; reason: string };

export type Family = 'general-purpose' | 'compute-optimized' | 'memory-optimized' | 'gpu';

/** One instance type offered in one region at one price. */
export interface Offer {
  provider: Cloud;
  region: string;
  type: string;
  family: Family;
  vcpu: number;
  memoryGiB: number;
  gpu: number;
  hourlyMicros: number;
  snapshotDate: string;
  source: string;
}

export function priced(p: Price): p is Extract<Price, { kind: 'priced' }> {
  return p.kind === 'priced';
}
