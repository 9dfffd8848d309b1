/**
 * What EC2 allows when an instance changes type, checked when a resize is proposed (not when an approver has already
 * said yes): the CPU architecture cannot change, the virtualization type must be supported, and a Nitro type needs
 * ENA enabled on the instance (and the ENA and NVMe drivers in its OS). The facts come from DescribeInstanceTypes.
 */
import { DescribeInstanceTypesCommand, type _InstanceType, type Instance as Ec2Instance, type InstanceTypeInfo } from '@aws-sdk/client-ec2';
import type { AwsClients } from './clients.js';
import { toAwsError } from './errors.js';

export async function awsResizeRefusal(clients: AwsClients, region: string, raw: Ec2Instance, name: string, toType: string): Promise<string | undefined> {
  const from = raw.InstanceType ?? '';
  const out = await clients
    .ec2(region)
    .send(new DescribeInstanceTypesCommand({ InstanceTypes: [...new Set([from, toType])] as _InstanceType[] }))
    .catch((err: unknown) => {
      const e = toAwsError(err, 'DescribeInstanceTypes', region);
      // An unknown type name is EC2's InvalidInstanceType: that is the answer, not a failure to read.
      if (e.nativeCode === 'InvalidInstanceType') return { InstanceTypes: [] as InstanceTypeInfo[] };
      throw e;
    });
  const info = new Map((out.InstanceTypes ?? []).map((t) => [t.InstanceType as string, t]));
  const to = info.get(toType);
  if (!to) return `${toType} is not an EC2 instance type (DescribeInstanceTypes does not know it in ${region}).`;
  const cur = info.get(from);
  const archs = (to.ProcessorInfo?.SupportedArchitectures ?? []) as string[];
  if (raw.Architecture && archs.length && !archs.includes(raw.Architecture)) {
    return `${toType} runs on ${archs.join('/')} and ${name} is ${raw.Architecture}: EC2 cannot change an instance's CPU architecture. Pick an ${raw.Architecture} type, or launch a new ${archs[0]} instance from an ${archs[0]} image.`;
  }
  const virt = (to.SupportedVirtualizationTypes ?? []) as string[];
  if (raw.VirtualizationType && virt.length && !virt.includes(raw.VirtualizationType)) {
    return `${toType} does not support ${raw.VirtualizationType} virtualization, which ${name} uses; only ${virt.join('/')} instances can move to it.`;
  }
  if (to.NetworkInfo?.EnaSupport === 'required' && raw.EnaSupport !== true) {
    const nitro = to.Hypervisor === 'nitro' && cur?.Hypervisor === 'xen' ? ` Moving from ${from} (Xen) to ${toType} (Nitro) also exposes its EBS volumes as NVMe, so its OS needs the NVMe driver too.` : '';
    return `${toType} requires ENA (enhanced networking), which is not enabled on ${name}: install the ENA driver in its OS and enable ENA on the instance first.${nitro}`;
  }
  return undefined;
}
