/**
 * How each step kind is done on EC2 (the kinds themselves are declared in src/domain/model/step-kinds.ts): the IAM
 * actions it needs, its check (EC2 DryRun for every call that has it) and its calls. A step of several calls restores
 * the instance when a later call fails (a refused resize starts it again) or says exactly what it left.
 */
import {
  CopySnapshotCommand,
  CreateSnapshotsCommand,
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeInstanceTypeOfferingsCommand,
  DescribeSnapshotsCommand,
  ModifyInstanceAttributeCommand,
  RebootInstancesCommand,
  RegisterImageCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type _InstanceType,
  type EC2Client,
  type Instance as Ec2Instance,
  type Tag,
} from '@aws-sdk/client-ec2';
import { ProviderError } from '../../domain/model/errors.js';
import type { Instance, InstanceRef, InstanceState } from '../../domain/model/instance.js';
import type { MadeResource, PlanStep, StepKind, StepResult } from '../../domain/model/plan.js';
import { applyDeclared, compensated, permissionsOf, sameAs, type StepActions, type StepOf, type StepRunOptions, type StepTarget } from '../../domain/model/step-kinds.js';
import { pollUntil } from '../../lib/async.js';
import type { AwsClients } from './clients.js';
import { awsResizeRefusal } from './compat.js';
import { isDryRunSuccess, toAwsError } from './errors.js';

export const SOURCE_TAG = 'steward:source-instance';

export interface AwsActionDeps {
  clients: AwsClients;
  /** Live read of one instance (and its raw EC2 record, for root device and architecture). */
  read(ref: InstanceRef): Promise<{ instance: Instance; raw: Ec2Instance } | undefined>;
  pollIntervalMs: number;
  timeoutMs: number;
}

interface AwsTarget extends StepTarget {
  raw: Ec2Instance;
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

/** Tag keys EC2 reserves for itself: it rejects them on RunInstances and CreateTags. */
const reservedKey = (k: string) => /^aws:/i.test(k);

/**
 * The tags a replacement is launched with: the plan's tags (often the source's own), without any `aws:` key EC2
 * reserves, with exactly one `Name` (the new name) and the source marker. EC2 rejects a duplicate key outright.
 */
export function launchTags(name: string, tags: Record<string, string>, sourceId: string): Tag[] {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tags)) if (!reservedKey(k) && k !== 'Name') out.set(k, v);
  out.set('Name', name);
  out.set(SOURCE_TAG, sourceId);
  return [...out].map(([Key, Value]) => ({ Key, Value }));
}

export function createAwsActions(deps: AwsActionDeps) {
  const { clients } = deps;
  const WOULD = 'would be allowed (EC2 DryRun)';

  async function waitFor(ref: InstanceRef, state: InstanceState): Promise<void> {
    await pollUntil(
      () => deps.read(ref),
      (r) => r?.instance.state === state,
      { intervalMs: deps.pollIntervalMs, timeoutMs: deps.timeoutMs, what: `${ref.id} to be ${state}` },
    ).catch((err: unknown) => {
      throw err instanceof ProviderError ? err : new ProviderError('PROVIDER.UNAVAILABLE', err instanceof Error ? err.message : String(err), { provider: 'aws', operation: `wait for ${state}`, region: ref.region });
    });
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
  async function latestSnapshots(region: string, sourceId: string): Promise<{ id: string; volumeId?: string }[]> {
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

  const ids = (step: PlanStep) => ({ InstanceIds: [step.target.id] });
  const ec2Of = (step: PlanStep) => clients.ec2(step.target.region);
  const readInstance = (ref: InstanceRef) => () => deps.read(ref).then((r) => r?.instance);

  /** Removes what a create made besides the instance; returns what it could not remove. */
  async function removeResources(resources: readonly MadeResource[]): Promise<{ left: MadeResource[]; why: string[] }> {
    const left: MadeResource[] = [];
    const why: string[] = [];
    // Images first: EC2 keeps a snapshot that backs a registered image.
    const order = [...resources].sort((a, b) => (a.kind === 'image' ? 0 : 1) - (b.kind === 'image' ? 0 : 1));
    for (const r of order) {
      try {
        if (r.kind === 'image') await send(clients.ec2(r.region), new DeregisterImageCommand({ ImageId: r.id }), 'DeregisterImage', r.region, false);
        else if (r.kind === 'snapshot') await send(clients.ec2(r.region), new DeleteSnapshotCommand({ SnapshotId: r.id }), 'DeleteSnapshot', r.region, false);
        else throw new Error(`${r.kind} is not something the AWS adapter removes`);
      } catch (err) {
        left.push(r);
        why.push(`${r.kind} ${r.id}: ${err instanceof ProviderError ? (err.userMessage ?? err.message) : String(err)}`);
      }
    }
    return { left, why };
  }

  function checkTags(step: PlanStep, tags: Record<string, string>): void {
    const bad = Object.keys(tags).filter(reservedKey);
    if (bad.length) fail('PROVIDER.INVALID', `tag keys starting with aws: are reserved by AWS and cannot be set: ${bad.join(', ')}`, step);
  }

  /** The image a create launches from and how it gets there (a copy and a registration, unless an image is given). */
  async function createSource(step: StepOf<'create'>, target: AwsTarget, opts: StepRunOptions): Promise<{ image: string } | { snapshot: string }> {
    if (step.image) return { image: step.image };
    const snaps = opts.snapshotIds?.length ? opts.snapshotIds.map((s) => ({ id: s })) : await latestSnapshots(step.target.region, step.target.id);
    const root = snaps[0];
    if (!root) fail('PROVIDER.INVALID', `no image given and no Steward snapshot of ${target.instance.name} found in ${step.target.region}; run a snapshot step first`, step);
    return { snapshot: root.id };
  }

  const runInstances = (step: StepOf<'create'>, imageId: string, dry: boolean) => {
    const p = step.placement;
    return send(
      clients.ec2(p.region),
      new RunInstancesCommand({
        ImageId: imageId,
        InstanceType: p.type as _InstanceType,
        MinCount: 1,
        MaxCount: 1,
        ...(p.zone ? { Placement: { AvailabilityZone: p.zone } } : {}),
        TagSpecifications: [{ ResourceType: 'instance', Tags: launchTags(step.name, step.tags, step.target.id) }],
        DryRun: dry,
      }),
      'RunInstances',
      p.region,
      dry,
    );
  };

  const registerImage = (step: StepOf<'create'>, raw: Ec2Instance, snapshotId: string, dry: boolean) => {
    const root = raw.RootDeviceName ?? '/dev/xvda';
    return send(
      clients.ec2(step.placement.region),
      new RegisterImageCommand({
        Name: `steward-${step.name}-${Date.now()}`,
        RootDeviceName: root,
        VirtualizationType: 'hvm',
        ...(raw.Architecture ? { Architecture: raw.Architecture as 'x86_64' } : {}),
        EnaSupport: raw.EnaSupport ?? true,
        BlockDeviceMappings: [{ DeviceName: root, Ebs: { SnapshotId: snapshotId, DeleteOnTermination: true } }],
        DryRun: dry,
      }),
      'RegisterImage',
      step.placement.region,
      dry,
    );
  };

  const actions: StepActions<AwsTarget> = {
    start: {
      permissions: ['ec2:DescribeInstances', 'ec2:StartInstances'],
      async check(step, { instance }) {
        await send(ec2Of(step), new StartInstancesCommand({ ...ids(step), DryRun: true }), 'StartInstances', step.target.region, true);
        return `${instance.name}: ${instance.state} → running ${WOULD}`;
      },
      async apply(step, { instance }) {
        await send(ec2Of(step), new StartInstancesCommand(ids(step)), 'StartInstances', step.target.region, false);
        await waitFor(step.target, 'running');
        return { message: `${instance.name}: ${instance.state} → running` };
      },
    },
    stop: {
      permissions: ['ec2:DescribeInstances', 'ec2:StopInstances'],
      async check(step, { instance }) {
        await send(ec2Of(step), new StopInstancesCommand({ ...ids(step), DryRun: true }), 'StopInstances', step.target.region, true);
        return `${instance.name}: ${instance.state} → stopped ${WOULD}`;
      },
      async apply(step, { instance }) {
        await send(ec2Of(step), new StopInstancesCommand(ids(step)), 'StopInstances', step.target.region, false);
        await waitFor(step.target, 'stopped');
        return { message: `${instance.name}: ${instance.state} → stopped` };
      },
    },
    reboot: {
      permissions: ['ec2:DescribeInstances', 'ec2:RebootInstances'],
      async check(step, { instance }) {
        await send(ec2Of(step), new RebootInstancesCommand({ ...ids(step), DryRun: true }), 'RebootInstances', step.target.region, true);
        return `${instance.name}: reboot ${WOULD}`;
      },
      async apply(step, { instance }) {
        await send(ec2Of(step), new RebootInstancesCommand(ids(step)), 'RebootInstances', step.target.region, false);
        return { message: `${instance.name}: reboot requested (EC2 restarts it in place; it stays running)` };
      },
    },
    resize: {
      permissions: ['ec2:DescribeInstances', 'ec2:DescribeInstanceTypeOfferings', 'ec2:StopInstances', 'ec2:ModifyInstanceAttribute', 'ec2:StartInstances'],
      async check(step, { instance }) {
        const { region } = step.target;
        if (!(await offered(region, step.toType, instance.zone))) fail('PROVIDER.INVALID', `${step.toType} is not offered in ${instance.zone ?? region}`, step);
        const running = instance.state === 'running';
        const ec2 = ec2Of(step);
        if (running) await send(ec2, new StopInstancesCommand({ ...ids(step), DryRun: true }), 'StopInstances', region, true);
        await send(ec2, new ModifyInstanceAttributeCommand({ InstanceId: step.target.id, InstanceType: { Value: step.toType }, DryRun: true }), 'ModifyInstanceAttribute', region, true);
        if (running) await send(ec2, new StartInstancesCommand({ ...ids(step), DryRun: true }), 'StartInstances', region, true);
        return `${instance.name}: ${instance.type} → ${step.toType}${running ? ' (stop, resize, start)' : ''} ${WOULD}`;
      },
      async apply(step, { instance }) {
        const { region, id } = step.target;
        if (!(await offered(region, step.toType, instance.zone))) fail('PROVIDER.INVALID', `${step.toType} is not offered in ${instance.zone ?? region}`, step);
        const running = instance.state === 'running';
        const ec2 = ec2Of(step);
        const before = { state: instance.state, type: instance.type };
        // EC2 changes the type only while stopped: stop, modify, start; a refusal on the way puts it back.
        await compensated(
          { provider: 'aws', region },
          async (onFailure) => {
            if (running) {
              await send(ec2, new StopInstancesCommand(ids(step)), 'StopInstances', region, false);
              onFailure({
                what: `${instance.name} was started again`,
                run: async () => {
                  await send(ec2, new StartInstancesCommand(ids(step)), 'StartInstances', region, false);
                  await waitFor(step.target, 'running');
                },
              });
              await waitFor(step.target, 'stopped');
            }
            await send(ec2, new ModifyInstanceAttributeCommand({ InstanceId: id, InstanceType: { Value: step.toType } }), 'ModifyInstanceAttribute', region, false);
            onFailure({
              what: `its type was set back to ${instance.type}`,
              run: () => send(ec2, new ModifyInstanceAttributeCommand({ InstanceId: id, InstanceType: { Value: instance.type } }), 'ModifyInstanceAttribute', region, false),
            });
            if (running) {
              await send(ec2, new StartInstancesCommand(ids(step)), 'StartInstances', region, false);
              await waitFor(step.target, 'running');
            }
          },
          sameAs(before, readInstance(step.target), instance.name),
        );
        return { message: `${instance.name}: ${instance.type} → ${step.toType}${running ? ' (stopped, resized, started again)' : ''}` };
      },
    },
    snapshot: {
      permissions: ['ec2:DescribeInstances', 'ec2:CreateSnapshots', 'ec2:CreateTags'],
      async check(step, { instance }) {
        await send(ec2Of(step), snapshotCommand(step, true), 'CreateSnapshots', step.target.region, true);
        return `${instance.name}: snapshot of ${instance.disks.length} volume(s) ${WOULD}`;
      },
      async apply(step, { instance }) {
        const out = await send(ec2Of(step), snapshotCommand(step, false), 'CreateSnapshots', step.target.region, false);
        const snapshotIds = ((out?.Snapshots ?? []) as { SnapshotId?: string }[]).map((s) => s.SnapshotId).filter((s): s is string => !!s);
        return { message: `${instance.name}: ${snapshotIds.length} snapshot(s) started`, snapshotIds };
      },
    },
    create: {
      permissions: [
        'ec2:DescribeInstances', 'ec2:DescribeSnapshots', 'ec2:DescribeInstanceTypeOfferings', 'ec2:CopySnapshot', 'ec2:RegisterImage',
        'ec2:RunInstances', 'ec2:CreateTags', 'ec2:DeregisterImage', 'ec2:DeleteSnapshot',
      ],
      async check(step, target, opts) {
        const p = step.placement;
        if (p.provider !== 'aws') fail('PROVIDER.INVALID', `the AWS adapter cannot create in ${p.provider}`, step);
        if (!(await offered(p.region, p.type, p.zone))) fail('PROVIDER.INVALID', `${p.type} is not offered in ${p.zone ?? p.region}`, step, p.region);
        const source = await createSource(step, target, opts);
        if ('image' in source) {
          await runInstances(step, source.image, true);
          return `${step.name}: run ${p.type} from ${source.image} in ${p.zone ?? p.region} ${WOULD}`;
        }
        const target2 = clients.ec2(p.region);
        if (p.region !== step.target.region) {
          await send(target2, new CopySnapshotCommand({ SourceRegion: step.target.region, SourceSnapshotId: source.snapshot, DryRun: true }), 'CopySnapshot', p.region, true);
        }
        await registerImage(step, target.raw, source.snapshot, true);
        // The image does not exist yet; in the source's own region its image stands in to check the launch (type,
        // zone, tags, permissions). Either way the launch is dry-run again with the new image before it runs.
        if (p.region === step.target.region && target.raw.ImageId) await runInstances(step, target.raw.ImageId, true);
        return `${step.name}: ${p.region !== step.target.region ? `copy snapshot ${source.snapshot} to ${p.region}, ` : ''}register an image and run ${p.type} ${WOULD}`;
      },
      async apply(step, target, opts) {
        const p = step.placement;
        const { instance, raw } = target;
        if (p.provider !== 'aws') fail('PROVIDER.INVALID', `the AWS adapter cannot create in ${p.provider}`, step);
        if (!(await offered(p.region, p.type, p.zone))) fail('PROVIDER.INVALID', `${p.type} is not offered in ${p.zone ?? p.region}`, step, p.region);
        const source = await createSource(step, target, opts);
        const to = clients.ec2(p.region);
        const made: MadeResource[] = [];
        const out = await compensated(
          { provider: 'aws', region: p.region },
          async (onFailure) => {
            let imageId: string;
            if ('image' in source) imageId = source.image;
            else {
              let snapshotId = source.snapshot;
              if (p.region !== step.target.region) {
                const copy = await send(to, new CopySnapshotCommand({ SourceRegion: step.target.region, SourceSnapshotId: source.snapshot, Description: `Steward failover copy of ${source.snapshot}` }), 'CopySnapshot', p.region, false);
                snapshotId = copy.SnapshotId as string;
                const res: MadeResource = { kind: 'snapshot', id: snapshotId, region: p.region };
                made.push(res);
                onFailure({ what: `snapshot copy ${snapshotId} was deleted`, resource: res, run: () => send(to, new DeleteSnapshotCommand({ SnapshotId: snapshotId }), 'DeleteSnapshot', p.region, false) });
                await pollUntil(
                  () => to.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] })).catch((err: unknown) => { throw toAwsError(err, 'DescribeSnapshots', p.region); }),
                  (o) => o.Snapshots?.[0]?.State === 'completed',
                  { intervalMs: deps.pollIntervalMs, timeoutMs: deps.timeoutMs, what: `snapshot copy ${snapshotId}` },
                );
              }
              const image = await registerImage(step, raw, snapshotId, false);
              imageId = image.ImageId as string;
              const res: MadeResource = { kind: 'image', id: imageId, region: p.region };
              made.push(res);
              onFailure({ what: `image ${imageId} was deregistered`, resource: res, run: () => send(to, new DeregisterImageCommand({ ImageId: imageId }), 'DeregisterImage', p.region, false) });
              // The launch is checked with the real image before it runs: a refusal now leaves nothing behind.
              await runInstances(step, imageId, true);
            }
            const launched = await runInstances(step, imageId, false);
            const newId = launched.Instances?.[0]?.InstanceId as string | undefined;
            if (!newId) throw new ProviderError('PROVIDER.UNAVAILABLE', 'RunInstances returned no instance', { provider: 'aws', operation: 'RunInstances', region: p.region });
            return { newId, zone: launched.Instances?.[0]?.Placement?.AvailabilityZone as string | undefined, imageId };
          },
          async () => ({ asBefore: true, text: `no ${step.name} was launched in ${p.region}` }),
        );
        const extra = made.length ? `; made for it: ${made.map((r) => `${r.kind} ${r.id}`).join(', ')}` : '';
        return {
          message: `${step.name} (${out.newId}) created in ${p.region} as ${p.type}${extra}`,
          created: { provider: 'aws', account: p.account || instance.account, region: p.region, ...(out.zone ? { zone: out.zone } : {}), id: out.newId },
          ...(made.length ? { resources: made } : {}),
        };
      },
    },
    delete: {
      permissions: ['ec2:DescribeInstances', 'ec2:TerminateInstances', 'ec2:DeregisterImage', 'ec2:DeleteSnapshot'],
      async check(step, { instance }) {
        await send(ec2Of(step), new TerminateInstancesCommand({ ...ids(step), DryRun: true }), 'TerminateInstances', step.target.region, true);
        return `${instance.name}: terminate ${WOULD}`;
      },
      async apply(step, { instance }) {
        await send(ec2Of(step), new TerminateInstancesCommand(ids(step)), 'TerminateInstances', step.target.region, false);
        if (!step.alsoRemove?.length) return { message: `${instance.name}: terminate requested` };
        const { left, why } = await removeResources(step.alsoRemove);
        const removed = step.alsoRemove.filter((r) => !left.includes(r));
        return {
          message: `${instance.name}: terminate requested${removed.length ? `; removed ${removed.map((r) => `${r.kind} ${r.id}`).join(', ')}` : ''}${why.length ? `; left behind: ${why.join('; ')}` : ''}`,
          ...(left.length ? { resources: left } : {}),
        };
      },
    },
    tag: {
      permissions: ['ec2:DescribeInstances', 'ec2:CreateTags'],
      async check(step, { instance }) {
        checkTags(step, step.tags);
        await send(ec2Of(step), tagCommand(step, true), 'CreateTags', step.target.region, true);
        return `${instance.name}: tag ${shown(step.tags)} ${WOULD}`;
      },
      async apply(step, { instance }) {
        checkTags(step, step.tags);
        await send(ec2Of(step), tagCommand(step, false), 'CreateTags', step.target.region, false);
        return { message: `${instance.name}: tagged ${shown(step.tags)}` };
      },
    },
  };

  function snapshotCommand(step: PlanStep, dryRun: boolean) {
    return new CreateSnapshotsCommand({
      InstanceSpecification: { InstanceId: step.target.id, ExcludeBootVolume: false },
      Description: `Steward ${step.id}: ${step.reason}`.slice(0, 255),
      CopyTagsFromSource: 'volume',
      TagSpecifications: [{ ResourceType: 'snapshot', Tags: [{ Key: SOURCE_TAG, Value: step.target.id }, { Key: 'steward:step', Value: step.id }] }],
      DryRun: dryRun,
    });
  }

  function tagCommand(step: StepOf<'tag'>, dryRun: boolean) {
    return new CreateTagsCommand({ Resources: [step.target.id], Tags: Object.entries(step.tags).map(([Key, Value]) => ({ Key, Value })), DryRun: dryRun });
  }

  return {
    actions,
    apply(step: PlanStep, opts: StepRunOptions): Promise<StepResult> {
      return applyDeclared('aws', actions, step, opts, () => deps.read(step.target), 'dry-run');
    },
    /** At proposal time: what EC2 would refuse about this step (architecture, virtualization, ENA for a resize). */
    async vet(step: PlanStep): Promise<string | undefined> {
      if (step.kind !== 'resize') return undefined;
      const found = await deps.read(step.target);
      if (!found) return `${step.targetName} (${step.target.id}) no longer exists in ${step.target.region}.`;
      return awsResizeRefusal(clients, step.target.region, found.raw, found.instance.name, step.toType);
    },
  };
}

const shown = (tags: Record<string, string>) => Object.entries(tags).map(([k, v]) => `${k}=${v}`).join(', ');

/** IAM actions each step needs (shown on approval cards; manifests/iam/aws-change-policy.json grants them). */
export const AWS_PERMISSIONS: Record<StepKind, string[]> = permissionsOf(
  createAwsActions({ clients: undefined as never, read: async () => undefined, pollIntervalMs: 0, timeoutMs: 0 }).actions,
);
