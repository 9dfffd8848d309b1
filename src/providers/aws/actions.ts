import {
  CopySnapshotCommand,
  CreateSnapshotsCommand,
  CreateTagsCommand,
  DescribeInstanceTypeOfferingsCommand,
  DescribeSnapshotsCommand,
  ModifyInstanceAttributeCommand,
  RegisterImageCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type _InstanceType,
  type EC2Client,
  type Instance as Ec2Instance,
} from '@aws-sdk/client-ec2';
import { ProviderError } from '../../domain/model/errors.js';
import type { Instance, InstanceRef, InstanceState } from '../../domain/model/instance.js';
import { VALID_FROM, type PlanStep, type StepKind, type StepResult } from '../../domain/model/plan.js';
import { pollUntil } from '../../lib/async.js';
import type { AwsClients } from './clients.js';
import { isDryRunSuccess, toAwsError } from './errors.js';

/** IAM actions each step needs (shown on approval cards; manifests/iam/aws-change-policy.json grants them). */
export const AWS_PERMISSIONS: Record<StepKind, string[]> = {
  start: ['ec2:DescribeInstances', 'ec2:StartInstances'],
  stop: ['ec2:DescribeInstances', 'ec2:StopInstances'],
  resize: ['ec2:DescribeInstances', 'ec2:DescribeInstanceTypeOfferings', 'ec2:StopInstances', 'ec2:ModifyInstanceAttribute', 'ec2:StartInstances'],
  snapshot: ['ec2:DescribeInstances', 'ec2:CreateSnapshots', 'ec2:CreateTags'],
  create: [
    'ec2:DescribeInstances', 'ec2:DescribeSnapshots', 'ec2:DescribeInstanceTypeOfferings', 'ec2:CopySnapshot', 'ec2:RegisterImage',
    'ec2:RunInstances', 'ec2:CreateTags',
  ],
  delete: ['ec2:DescribeInstances', 'ec2:TerminateInstances'],
  tag: ['ec2:DescribeInstances', 'ec2:CreateTags'],
};

export const SOURCE_TAG = 'steward:source-instance';

export interface AwsActionDeps {
  clients: AwsClients;
  /** Live read of one instance (and its raw EC2 record, for root device and architecture). */
  read(ref: InstanceRef): Promise<{ instance: Instance; raw: Ec2Instance } | undefined>;
  pollIntervalMs: number;
  timeoutMs: number;
}

function fail(code: 'PROVIDER.NOT_FOUND' | 'PROVIDER.INVALID', message: string, step: PlanStep, region = step.target.region): never {
  throw new ProviderError(code, message, { provider: 'aws', operation: step.kind, region });
}

/** Sends one command; with dryRun, DryRunOperation is the success answer and anything else is the failure. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function send(client: EC2Client, command: unknown, op: string, region: string, dryRun: boolean): Promise<any> {
  try {
    const out: unknown = await (client.send as (c: unknown) => Promise<unknown>).call(client, command);
    if (dryRun) throw new ProviderError('PROVIDER.DRY_RUN_FAILED', `${op} ran although DryRun was set`, { provider: 'aws', operation: op, region });
    return out;
  } catch (err) {
    if (dryRun && isDryRunSuccess(err)) return undefined;
    throw toAwsError(err, op, region);
  }
}

export function createAwsActions(deps: AwsActionDeps) {
  const { clients } = deps;

  async function waitFor(ref: InstanceRef, state: InstanceState): Promise<void> {
    await pollUntil(
      () => deps.read(ref),
      (r) => r?.instance.state === state,
      { intervalMs: deps.pollIntervalMs, timeoutMs: deps.timeoutMs, what: `${ref.id} to be ${state}` },
    );
  }

  async function offered(region: string, type: string, zone?: string): Promise<boolean> {
    const out = await clients
      .ec2(region)
      .send(
        new DescribeInstanceTypeOfferingsCommand({
          LocationType: zone ? 'availability-zone' : 'region',
          Filters: [
            { Name: 'instance-type', Values: [type] },
            { Name: 'location', Values: [zone ?? region] },
          ],
        }),
      )
      .catch((err: unknown) => {
        throw toAwsError(err, 'DescribeInstanceTypeOfferings', region);
      });
    return (out.InstanceTypeOfferings ?? []).length > 0;
  }

  /** Snapshots Steward took of `sourceId` (newest set first, one per volume), for a create step. */
  async function latestSnapshots(region: string, sourceId: string): Promise<{ id: string; device?: string; volumeId?: string }[]> {
    const out = await clients
      .ec2(region)
      .send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [{ Name: `tag:${SOURCE_TAG}`, Values: [sourceId] }] }))
      .catch((err: unknown) => {
        throw toAwsError(err, 'DescribeSnapshots', region);
      });
    const snaps = (out.Snapshots ?? []).filter((s) => s.SnapshotId && s.StartTime);
    const newest = Math.max(0, ...snaps.map((s) => s.StartTime?.getTime() ?? 0));
    // CreateSnapshots starts every volume's snapshot at the same moment: keep that set.
    return snaps
      .filter((s) => newest - (s.StartTime?.getTime() ?? 0) < 60_000)
      .map((s) => ({ id: s.SnapshotId as string, ...(s.VolumeId ? { volumeId: s.VolumeId } : {}) }));
  }

  return {
    async apply(step: PlanStep, opts: { dryRun: boolean; snapshotIds?: string[] }): Promise<StepResult> {
      const dryRun = opts.dryRun;
      const mode = dryRun ? 'dry-run' : 'applied';
      const { region, id } = step.target;
      const found = await deps.read(step.target);
      if (!found || found.instance.state === 'terminated') fail('PROVIDER.NOT_FOUND', `${step.targetName} (${id}) does not exist in ${region}`, step);
      const inst = found.instance;
      if (!VALID_FROM[step.kind].includes(inst.state)) fail('PROVIDER.INVALID', `cannot ${step.kind} ${inst.name}: it is ${inst.state}`, step);
      const ec2 = clients.ec2(region);
      const before = { state: inst.state, type: inst.type };
      const ids = { InstanceIds: [id] };
      const what = dryRun ? 'would be allowed (EC2 DryRun)' : 'done';

      switch (step.kind) {
        case 'start': {
          await send(ec2, new StartInstancesCommand({ ...ids, DryRun: dryRun }), 'StartInstances', region, dryRun);
          if (!dryRun) await waitFor(step.target, 'running');
          return { ok: true, mode, message: `${inst.name}: ${inst.state} → running ${dryRun ? what : ''}`.trim(), before };
        }
        case 'stop': {
          await send(ec2, new StopInstancesCommand({ ...ids, DryRun: dryRun }), 'StopInstances', region, dryRun);
          if (!dryRun) await waitFor(step.target, 'stopped');
          return { ok: true, mode, message: `${inst.name}: ${inst.state} → stopped ${dryRun ? what : ''}`.trim(), before };
        }
        case 'resize': {
          if (!(await offered(region, step.toType, inst.zone))) fail('PROVIDER.INVALID', `${step.toType} is not offered in ${inst.zone ?? region}`, step);
          const wasRunning = inst.state === 'running';
          const modify = new ModifyInstanceAttributeCommand({ InstanceId: id, InstanceType: { Value: step.toType }, DryRun: dryRun });
          if (dryRun) {
            if (wasRunning) await send(ec2, new StopInstancesCommand({ ...ids, DryRun: true }), 'StopInstances', region, true);
            await send(ec2, modify, 'ModifyInstanceAttribute', region, true);
            if (wasRunning) await send(ec2, new StartInstancesCommand({ ...ids, DryRun: true }), 'StartInstances', region, true);
            return { ok: true, mode, message: `${inst.name}: ${inst.type} → ${step.toType}${wasRunning ? ' (stop, resize, start)' : ''} ${what}`, before };
          }
          // EC2 changes the type only while stopped: stop, modify, then put the state back.
          if (wasRunning) {
            await send(ec2, new StopInstancesCommand(ids), 'StopInstances', region, false);
            await waitFor(step.target, 'stopped');
          }
          await send(ec2, modify, 'ModifyInstanceAttribute', region, false);
          if (wasRunning) {
            await send(ec2, new StartInstancesCommand(ids), 'StartInstances', region, false);
            await waitFor(step.target, 'running');
          }
          return { ok: true, mode, message: `${inst.name}: ${inst.type} → ${step.toType}${wasRunning ? ' (stopped, resized, started again)' : ''}`, before };
        }
        case 'snapshot': {
          const out = await send(
            ec2,
            new CreateSnapshotsCommand({
              InstanceSpecification: { InstanceId: id, ExcludeBootVolume: false },
              Description: `Steward ${step.id}: ${step.reason}`.slice(0, 255),
              CopyTagsFromSource: 'volume',
              TagSpecifications: [{ ResourceType: 'snapshot', Tags: [{ Key: SOURCE_TAG, Value: id }, { Key: 'steward:step', Value: step.id }] }],
              DryRun: dryRun,
            }),
            'CreateSnapshots',
            region,
            dryRun,
          );
          const snapshotIds = ((out?.Snapshots ?? []) as { SnapshotId?: string }[]).map((s) => s.SnapshotId).filter((s): s is string => !!s);
          return {
            ok: true,
            mode,
            message: dryRun ? `${inst.name}: snapshot of ${inst.disks.length} volume(s) ${what}` : `${inst.name}: ${snapshotIds.length} snapshot(s) started`,
            ...(dryRun ? {} : { snapshotIds }),
            before,
          };
        }
        case 'create': {
          const p = step.placement;
          if (p.provider !== 'aws') fail('PROVIDER.INVALID', `the AWS adapter cannot create in ${p.provider}`, step);
          const target = clients.ec2(p.region);
          if (!(await offered(p.region, p.type, p.zone))) fail('PROVIDER.INVALID', `${p.type} is not offered in ${p.zone ?? p.region}`, step, p.region);
          const tags = [{ Key: 'Name', Value: step.name }, ...Object.entries(step.tags).map(([Key, Value]) => ({ Key, Value })), { Key: SOURCE_TAG, Value: id }];
          const run = (imageId: string, dry: boolean) =>
            send(
              target,
              new RunInstancesCommand({
                ImageId: imageId,
                InstanceType: p.type as _InstanceType,
                MinCount: 1,
                MaxCount: 1,
                ...(p.zone ? { Placement: { AvailabilityZone: p.zone } } : {}),
                TagSpecifications: [{ ResourceType: 'instance', Tags: tags }],
                DryRun: dry,
              }),
              'RunInstances',
              p.region,
              dry,
            );
          let imageId = step.image;
          if (!imageId) {
            const snaps = opts.snapshotIds?.length ? opts.snapshotIds.map((s) => ({ id: s })) : await latestSnapshots(region, id);
            if (!snaps.length) fail('PROVIDER.INVALID', `no image given and no Steward snapshot of ${inst.name} found in ${region}; run a snapshot step first`, step);
            const root = snaps[0] as { id: string };
            const raw = found.raw;
            if (dryRun) {
              if (p.region !== region) {
                await send(target, new CopySnapshotCommand({ SourceRegion: region, SourceSnapshotId: root.id, DryRun: true }), 'CopySnapshot', p.region, true);
              }
              await send(
                target,
                new RegisterImageCommand({ Name: `steward-${step.name}`, RootDeviceName: raw.RootDeviceName ?? '/dev/xvda', DryRun: true, BlockDeviceMappings: [{ DeviceName: raw.RootDeviceName ?? '/dev/xvda', Ebs: { SnapshotId: root.id } }] }),
                'RegisterImage',
                p.region,
                true,
              );
              return { ok: true, mode, message: `${step.name}: copy snapshot ${root.id} to ${p.region}, register an image and run ${p.type} ${what}`, before };
            }
            let snapshotId = root.id;
            if (p.region !== region) {
              const copy = await send(target, new CopySnapshotCommand({ SourceRegion: region, SourceSnapshotId: root.id, Description: `Steward failover copy of ${root.id}` }), 'CopySnapshot', p.region, false);
              snapshotId = copy.SnapshotId as string;
              await pollUntil(
                () => target.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] })).catch((err: unknown) => { throw toAwsError(err, 'DescribeSnapshots', p.region); }),
                (o) => o.Snapshots?.[0]?.State === 'completed',
                { intervalMs: deps.pollIntervalMs, timeoutMs: deps.timeoutMs, what: `snapshot copy ${snapshotId}` },
              );
            }
            const image = await send(
              target,
              new RegisterImageCommand({
                Name: `steward-${step.name}-${Date.now()}`,
                RootDeviceName: raw.RootDeviceName ?? '/dev/xvda',
                VirtualizationType: 'hvm',
                ...(raw.Architecture ? { Architecture: raw.Architecture as 'x86_64' } : {}),
                EnaSupport: raw.EnaSupport ?? true,
                BlockDeviceMappings: [{ DeviceName: raw.RootDeviceName ?? '/dev/xvda', Ebs: { SnapshotId: snapshotId, DeleteOnTermination: true } }],
              }),
              'RegisterImage',
              p.region,
              false,
            );
            imageId = image.ImageId as string;
          } else if (dryRun) {
            await run(imageId, true);
            return { ok: true, mode, message: `${step.name}: run ${p.type} from ${imageId} in ${p.zone ?? p.region} ${what}`, before };
          }
          const out = await run(imageId as string, false);
          const newId = out.Instances?.[0]?.InstanceId as string | undefined;
          if (!newId) throw new ProviderError('PROVIDER.UNAVAILABLE', 'RunInstances returned no instance', { provider: 'aws', operation: 'RunInstances', region: p.region });
          const zone = out.Instances?.[0]?.Placement?.AvailabilityZone as string | undefined;
          return {
            ok: true,
            mode,
            message: `${step.name} (${newId}) created in ${p.region} as ${p.type}`,
            created: { provider: 'aws', account: p.account || inst.account, region: p.region, ...(zone ? { zone } : {}), id: newId },
            before,
          };
        }
        case 'delete': {
          await send(ec2, new TerminateInstancesCommand({ ...ids, DryRun: dryRun }), 'TerminateInstances', region, dryRun);
          return { ok: true, mode, message: `${inst.name}: terminate ${dryRun ? what : 'requested'}`, before };
        }
        case 'tag': {
          const Tags = Object.entries(step.tags).map(([Key, Value]) => ({ Key, Value }));
          await send(ec2, new CreateTagsCommand({ Resources: [id], Tags, DryRun: dryRun }), 'CreateTags', region, dryRun);
          return { ok: true, mode, message: `${inst.name}: tagged ${Tags.map((t) => `${t.Key}=${t.Value}`).join(', ')}${dryRun ? ` ${what}` : ''}`, before };
        }
      }
    },
  };
}
