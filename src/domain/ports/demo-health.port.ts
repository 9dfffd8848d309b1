import type { Cloud } from '../model/cloud.js';

/** A simulated regional outage of the demo estate (`demo outage <provider>/<region>`). */
export interface DemoOutage {
  cloud: Cloud;
  region: string;
  /** Numbers the outages of one region: each is a new provider event. */
  seq: number;
  state: 'open' | 'closed';
  started: string;
  updated: string;
  ended?: string;
}

export interface DemoFaultedInstance {
  id: string;
  name: string;
  provider: Cloud;
  region: string;
  impaired?: string;
}

/** Fault injection in the demo estate, which the demo provider's health feed reports (issue 15). */
export interface DemoHealthControl {
  fault(nameOrId: string, now: Date): Promise<DemoFaultedInstance>;
  outage(cloud: Cloud, region: string, now: Date): Promise<{ outage: DemoOutage; instances: number; created: boolean }>;
  /** `<provider>/<region>` closes the outage; an instance name or id clears its fault. undefined: nothing to recover. */
  recover(target: string, now: Date): Promise<{ kind: 'region'; outage: DemoOutage } | { kind: 'instance'; instance: DemoFaultedInstance } | undefined>;
  outages(): Promise<DemoOutage[]>;
}
