import type { InstanceRef } from './instance.js';

export type Severity = 'critical' | 'high' | 'medium' | 'low';

/** One failing security check on one resource (check ids follow Prowler's names). */
export interface Finding {
  checkId: string;
  title: string;
  severity: Severity;
  resource: InstanceRef & { name: string };
  detail: string;
  remediation?: string;
}
