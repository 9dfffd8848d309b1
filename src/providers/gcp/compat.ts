/**
 * What Compute Engine allows when an instance changes machine type, checked when a resize is proposed: the type is
 * offered in the instance's zone; the CPU architecture stays (Arm families T2A/C4A/N4A only among themselves); GPUs
 * attach only to N1 (other GPU families carry their GPUs in the type); families that only have NVMe disks and gVNIC
 * (C3, C4, N4, H3, Z3, X4, A3…) need an image and disks that support them, which an N1/N2/E2 instance on SCSI does not
 * have.
 */
import type { Instance } from '../../domain/model/instance.js';
import type { GceInstance, Shape } from './instances.js';

const ARM = new Set(['t2a', 'c4a', 'n4a']);
const NVME_ONLY = new Set(['c3', 'c3d', 'c4', 'c4a', 'c4d', 'n4', 'n4a', 'n4d', 'h3', 'h4d', 'z3', 'x4', 'a3', 'a4', 'a4x', 'm4', 'ct6e']);
const family = (type: string) => type.split('-')[0]?.toLowerCase() ?? '';

export async function gcpResizeRefusal(inst: Instance, raw: GceInstance, toType: string, shape: (type: string) => Promise<Shape | undefined>): Promise<string | undefined> {
  if (!(await shape(toType))) return `${toType} is not a machine type offered in ${inst.zone}.`;
  const from = family(inst.type);
  const to = family(toType);
  if (ARM.has(from) !== ARM.has(to)) {
    const [a, b] = ARM.has(to) ? ['Arm', 'x86'] : ['x86', 'Arm'];
    return `${toType} is an ${a} machine type and ${inst.name} (${inst.type}) is ${b}: Compute Engine cannot change an instance's CPU architecture. Pick an ${b} type, or create a new instance from an ${a} image.`;
  }
  if ((raw.guestAccelerators ?? []).length && to !== 'n1') {
    return `${inst.name} has GPUs attached, which Compute Engine allows only on N1 machine types; detach them first or pick an n1 type.`;
  }
  const scsi = (raw.disks ?? []).some((d) => String(d.interface ?? 'SCSI').toUpperCase() === 'SCSI');
  if (NVME_ONLY.has(to) && !NVME_ONLY.has(from) && scsi) {
    return `${toType} attaches disks only as NVMe (and networks only with gVNIC), and ${inst.name}'s disks are attached as SCSI: Compute Engine cannot move it there in place. Create a new instance from an image that supports NVMe and gVNIC instead.`;
  }
  return undefined;
}
