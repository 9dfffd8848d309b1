/**
 * Every step kind on EC2 through the real SDK against a stateful msw EC2 (test/msw/ec2-state.ts): success, the
 * dry-run refusal, a failure of the real call after a partial change (restored, or the exact state left), and plans
 * failing in their middle, run by the real executor.
 */
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../../src/domain/model/errors.js';
import type { PlanStep } from '../../../src/domain/model/plan.js';
import { StepLeftError } from '../../../src/domain/model/step-kinds.js';
import { launchTags } from '../../../src/providers/aws/actions.js';
import { ec2World, SOURCE_ID, type Ec2World } from '../../msw/ec2-state.js';
import { useMswServer } from '../../support/msw.js';
import { usePlanRunner } from '../../support/plan-runner.js';
import { testAwsProvider } from './support.js';

const server = useMswServer();
const provider = testAwsProvider(['us-east-1', 'us-west-2']);
const runner = usePlanRunner(provider);

const ref = { provider: 'aws' as const, account: '111122223333', region: 'us-east-1', zone: 'us-east-1a', id: SOURCE_ID };
const base = { target: ref, targetName: 'web-1', reason: 'test' };
const s = <T extends Partial<PlanStep>>(id: string, rest: T) => ({ id, ...base, expect: {}, ...rest }) as PlanStep;

function world(setup: (w: Ec2World) => void = () => undefined): Ec2World {
  const w = ec2World();
  setup(w);
  server.use(...w.handlers());
  return w;
}
const source = (w: Ec2World) => w.instances.get(SOURCE_ID)!;
const failOf = (p: Promise<unknown>) => p.then(() => expect.fail('expected the step to fail'), (e: unknown) => e as ProviderError);

describe('AWS steps: start, stop, reboot', () => {
  it('reboots a running instance: DryRun first in the check, then RebootInstances; it stays running', async () => {
    const w = world();
    const dry = await provider.apply(s('s1', { kind: 'reboot' }), { dryRun: true });
    expect(dry).toMatchObject({ ok: true, mode: 'dry-run', message: 'web-1: reboot would be allowed (EC2 DryRun)' });
    expect(w.writes()).toEqual(['RebootInstances(dry)']);
    const res = await provider.apply(s('s1', { kind: 'reboot' }), { dryRun: false });
    expect(res).toMatchObject({ ok: true, mode: 'applied', before: { state: 'running', type: 't3.medium' } });
    expect(w.writes()).toEqual(['RebootInstances(dry)', 'RebootInstances']);
    expect(w.calls.find((c) => c.action === 'RebootInstances' && !c.form.DryRun)?.form['InstanceId.1']).toBe(SOURCE_ID);
    expect(source(w).state).toBe('running');
  });

  it('refuses to reboot a stopped instance, in the dry-run too, before calling EC2', async () => {
    const w = world((w) => void (source(w).state = 'stopped'));
    const err = await failOf(provider.apply(s('s1', { kind: 'reboot' }), { dryRun: true }));
    expect([err.code, err.message]).toEqual(['PROVIDER.INVALID', 'cannot reboot web-1: it is stopped']);
    expect(w.writes()).toEqual([]);
  });

  it('turns a reboot refused by IAM in the dry-run into PROVIDER.FORBIDDEN and changes nothing', async () => {
    const w = world((w) => void (w.refuse.RebootInstances = { code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.', status: 403, dryRunToo: true }));
    const err = await failOf(provider.apply(s('s1', { kind: 'reboot' }), { dryRun: true }));
    expect([err.code, err.nativeCode, err.requestId]).toEqual(['PROVIDER.FORBIDDEN', 'UnauthorizedOperation', 'req-RebootInstances']);
    expect(w.writes()).toEqual(['RebootInstances(dry)']);
  });

  it('stops and starts, waiting for each state; a refused start leaves it stopped and says so', async () => {
    const w = world();
    await provider.apply(s('s1', { kind: 'stop' }), { dryRun: false });
    expect(source(w).state).toBe('stopped');
    await provider.apply(s('s2', { kind: 'start' }), { dryRun: false });
    expect(source(w).state).toBe('running');
    await provider.apply(s('s3', { kind: 'stop' }), { dryRun: false });
    w.refuse.StartInstances = { code: 'InsufficientInstanceCapacity', message: 'We currently do not have sufficient t3.medium capacity in the Availability Zone you requested (us-east-1a).' };
    const err = await failOf(provider.apply(s('s4', { kind: 'start' }), { dryRun: false }));
    expect([err.code, err.nativeCode]).toEqual(['PROVIDER.UNAVAILABLE', 'InsufficientInstanceCapacity']);
    expect(source(w).state).toBe('stopped');
  });
});

describe('AWS steps: resize restores the instance when EC2 refuses the change', () => {
  it('starts the instance again when ModifyInstanceAttribute is refused, and counts the step as not applied', async () => {
    const w = world((w) => {
      source(w).type = 'g5.4xlarge';
      w.forbiddenModify.add('g5.4xlarge>p4d.24xlarge');
    });
    const err = await failOf(provider.apply(s('s1', { kind: 'resize', toType: 'p4d.24xlarge' }), { dryRun: false }));
    expect(err).toBeInstanceOf(StepLeftError);
    expect((err as StepLeftError).restored).toBe(true);
    expect(err.nativeCode).toBe('Unsupported');
    expect(err.userMessage).toMatch(/Modifying the instance type from g5\.4xlarge to p4d\.24xlarge is not allowed.*not applied: web-1 was started again, so web-1 is running with type g5\.4xlarge \(as before\)/);
    expect(w.writes()).toEqual(['StopInstances', 'ModifyInstanceAttribute', 'StartInstances']);
    expect(source(w)).toMatchObject({ state: 'running', type: 'g5.4xlarge' });
  });

  it('says exactly what it left when the instance cannot be started again', async () => {
    const w = world((w) => {
      w.refuse.ModifyInstanceAttribute = { code: 'Unsupported', message: 'Modifying the instance type from t3.medium to t3.large is not allowed.' };
      w.refuse.StartInstances = { code: 'InsufficientInstanceCapacity', message: 'We currently do not have sufficient t3.medium capacity.' };
    });
    const err = (await failOf(provider.apply(s('s1', { kind: 'resize', toType: 't3.large' }), { dryRun: false }))) as StepLeftError;
    expect(err).toBeInstanceOf(StepLeftError);
    expect([err.restored, err.leftAs, err.retryable]).toEqual([false, 'web-1 is stopped with type t3.medium', false]);
    expect(err.userMessage).toMatch(/NOT restored: web-1 is stopped with type t3\.medium/);
    expect(source(w).state).toBe('stopped');
  });

  it('puts the old type back and starts it when the final start is refused after the type changed', async () => {
    const w = world((w) => void (w.refuse.StartInstances = { code: 'InsufficientInstanceCapacity', message: 'We currently do not have sufficient t3.large capacity.', nth: 1 }));
    const err = (await failOf(provider.apply(s('s1', { kind: 'resize', toType: 't3.large' }), { dryRun: false }))) as StepLeftError;
    expect(err.restored).toBe(true);
    expect(w.writes()).toEqual(['StopInstances', 'ModifyInstanceAttribute', 'StartInstances', 'ModifyInstanceAttribute', 'StartInstances']);
    expect(w.calls.filter((c) => c.action === 'ModifyInstanceAttribute').map((c) => c.form['InstanceType.Value'])).toEqual(['t3.large', 't3.medium']);
    expect(source(w)).toMatchObject({ state: 'running', type: 't3.medium' });
  });

  it('dry-runs stop, modify and start, and refuses a type the zone does not offer before any change', async () => {
    const w = world();
    const res = await provider.apply(s('s1', { kind: 'resize', toType: 't3.large' }), { dryRun: true });
    expect(res).toMatchObject({ mode: 'dry-run', message: 'web-1: t3.medium → t3.large (stop, resize, start) would be allowed (EC2 DryRun)' });
    expect(w.writes()).toEqual(['StopInstances(dry)', 'ModifyInstanceAttribute(dry)', 'StartInstances(dry)']);
    const err = await failOf(provider.apply(s('s1', { kind: 'resize', toType: 'c7i.large' }), { dryRun: false }));
    expect([err.code, err.message]).toEqual(['PROVIDER.INVALID', 'c7i.large is not offered in us-east-1a']);
    expect(w.writes()).toHaveLength(3);
  });

  it('through the executor: the card says the instance is running again, and the proposal is rolled back', async () => {
    const w = world((w) => {
      source(w).type = 'g5.4xlarge';
      w.refuse.ModifyInstanceAttribute = { code: 'Unsupported', message: 'Modifying the instance type from g5.4xlarge to p4d.24xlarge is not allowed.' };
    });
    const { report, execution, last } = await runner.run([s('s1', { kind: 'resize', toType: 'p4d.24xlarge', expect: { state: 'running', type: 'g5.4xlarge' } })]);
    expect(report?.status).toBe('rolled_back');
    expect(report?.summary).toMatch(/not applied: web-1 was started again, so web-1 is running with type g5\.4xlarge \(as before\)/);
    expect(last).toMatchObject({ done: true, phase: report?.summary });
    expect(execution?.steps[0]).toMatchObject({ status: 'failed' });
    expect(source(w)).toMatchObject({ state: 'running', type: 'g5.4xlarge' });
  });

  it('through the executor: a resize that could not restore fails the proposal and the card says it was left stopped', async () => {
    const w = world((w) => {
      w.refuse.ModifyInstanceAttribute = { code: 'Unsupported', message: 'Modifying the instance type is not allowed.' };
      w.refuse.StartInstances = { code: 'InsufficientInstanceCapacity', message: 'We currently do not have sufficient t3.medium capacity.' };
    });
    const { report } = await runner.run([s('s1', { kind: 'resize', toType: 't3.large', expect: { state: 'running' } })]);
    expect(report?.status).toBe('failed');
    expect(report?.summary).toMatch(/NOT undone: s1 \(resize web-1 to t3\.large\) was left part-done: web-1 is stopped with type t3\.medium/);
    expect(report?.summary).not.toMatch(/nothing needed undoing/);
    expect(source(w).state).toBe('stopped');
  });

  it('in a plan failing in its middle: the failing resize restores itself and the earlier resize is undone', async () => {
    const w = world((w) => void (w.refuse.ModifyInstanceAttribute = { code: 'Unsupported', message: 'Modifying the instance type from t3.large to m6g.xlarge is not allowed.', nth: 2 }));
    const { report, execution } = await runner.run([
      s('s1', { kind: 'resize', toType: 't3.large', expect: { state: 'running', type: 't3.medium' } }),
      s('s2', { kind: 'resize', toType: 'm6g.xlarge' }),
      s('s3', { kind: 'tag', tags: { resized: 'yes' } }),
    ]);
    expect(report?.status).toBe('rolled_back');
    expect(execution?.steps.map((x) => x.status)).toEqual(['undone', 'failed', 'skipped']);
    expect(report?.summary).toMatch(/s2 .*not applied: web-1 was started again, so web-1 is running with type t3\.large.*Undone: s1 \(resize web-1 to t3\.large\)/);
    expect(source(w)).toMatchObject({ state: 'running', type: 't3.medium', tags: { Name: 'web-1', env: 'prod' } });
  });
});

const failoverStep = (tags: Record<string, string>, region = 'us-west-2', zone = 'us-west-2a') =>
  s('s2', { kind: 'create', name: 'web-1-usw2', placement: { provider: 'aws', account: '111122223333', region, zone, type: 't3.large' }, fromSnapshotStep: 's1', tags });

describe('AWS steps: create (CopySnapshot, RegisterImage, RunInstances)', () => {
  it('launches with one Name tag (the new name) and no aws: tags, after dry-running RunInstances with the new image', async () => {
    const w = world();
    const step = failoverStep({ Name: 'web-1', env: 'prod', 'aws:cloudformation:stack-name': 'web', 'steward:failover-of': 'web-1' });
    const res = await provider.apply(step, { dryRun: false, snapshotIds: ['snap-0root0000000001', 'snap-0data0000000002'] });
    expect(w.writes()).toEqual(['CopySnapshot', 'RegisterImage', 'RunInstances(dry)', 'RunInstances']);
    const run = w.calls.filter((c) => c.action === 'RunInstances');
    for (const call of run) {
      const keys = Object.entries(call.form).filter(([k]) => /^TagSpecification\.1\.Tag\.\d+\.Key$/.test(k)).map(([, v]) => v);
      expect(keys.filter((k) => k === 'Name')).toHaveLength(1);
      expect(keys.some((k) => k.startsWith('aws:'))).toBe(false);
      expect(call.form.ImageId).toBe('ami-0steward000000001');
    }
    expect(res.created).toEqual({ provider: 'aws', account: '111122223333', region: 'us-west-2', zone: 'us-west-2a', id: 'i-0new0000000000001' });
    expect(w.instances.get('i-0new0000000000001')?.tags).toEqual({ env: 'prod', 'steward:failover-of': 'web-1', Name: 'web-1-usw2', 'steward:source-instance': SOURCE_ID });
    expect(res.resources).toEqual([
      { kind: 'snapshot', id: 'snap-0copy0000000003', region: 'us-west-2' },
      { kind: 'image', id: 'ami-0steward000000001', region: 'us-west-2' },
    ]);
    expect(w.calls.find((c) => c.action === 'CopySnapshot')?.form).toMatchObject({ SourceRegion: 'us-east-1', SourceSnapshotId: 'snap-0root0000000001' });
  });

  it('the launch tags never repeat a key and never carry aws: keys', () => {
    const tags = launchTags('new', { Name: 'old', 'aws:autoscaling:groupName': 'g', 'AWS:x': 'y', team: 'a' }, 'i-1');
    expect(tags).toEqual([{ Key: 'team', Value: 'a' }, { Key: 'Name', Value: 'new' }, { Key: 'steward:source-instance', Value: 'i-1' }]);
  });

  it('dry-runs CopySnapshot and RegisterImage across regions; in the same region it dry-runs RunInstances too', async () => {
    const w = world();
    const cross = await provider.apply(failoverStep({ Name: 'web-1' }), { dryRun: true, snapshotIds: ['snap-0root0000000001'] });
    expect(cross.mode).toBe('dry-run');
    expect(w.writes()).toEqual(['CopySnapshot(dry)', 'RegisterImage(dry)']);
    w.calls.length = 0;
    await provider.apply(failoverStep({ Name: 'web-1' }, 'us-east-1', 'us-east-1a'), { dryRun: true, snapshotIds: ['snap-0root0000000001'] });
    expect(w.writes()).toEqual(['RegisterImage(dry)', 'RunInstances(dry)']);
    const dry = w.calls.find((c) => c.action === 'RunInstances');
    expect(dry?.form).toMatchObject({ DryRun: 'true', ImageId: 'ami-0123456789abcdef0', InstanceType: 't3.large', 'Placement.AvailabilityZone': 'us-east-1a' });
  });

  it('refuses in the dry-run a launch EC2 would refuse (the type is not offered there), with nothing created', async () => {
    const w = world((w) => void (w.offered['t3.large'] = ['us-east-1a']));
    const err = await failOf(provider.apply(failoverStep({}), { dryRun: true, snapshotIds: ['snap-0root0000000001'] }));
    expect([err.code, err.message]).toEqual(['PROVIDER.INVALID', 't3.large is not offered in us-west-2a']);
    expect(w.writes()).toEqual([]);
  });

  it('when RunInstances is refused after the copy and the image exist, removes both and counts the step as not applied', async () => {
    const w = world((w) => void (w.refuse.RunInstances = { code: 'InstanceLimitExceeded', message: 'You have requested more instances (21) than your current instance limit of 20 allows.' }));
    const err = (await failOf(provider.apply(failoverStep({ Name: 'web-1' }), { dryRun: false, snapshotIds: ['snap-0root0000000001'] }))) as StepLeftError;
    expect(err).toBeInstanceOf(StepLeftError);
    expect(err.restored).toBe(true);
    expect(w.writes()).toEqual(['CopySnapshot', 'RegisterImage', 'RunInstances(dry)', 'RunInstances', 'DeregisterImage', 'DeleteSnapshot']);
    expect(w.images.size).toBe(0);
    expect(w.snapshots.has('snap-0copy0000000003')).toBe(false);
    expect(err.userMessage).toMatch(/image ami-0steward000000001 was deregistered, snapshot copy snap-0copy0000000003 was deleted, so no web-1-usw2 was launched in us-west-2/);
  });

  it('when the launch dry-run with the new image is refused, removes the image and the copy before any launch', async () => {
    const w = world((w) => void (w.refuse.RunInstances = { code: 'InvalidParameterCombination', message: 'The architecture x86_64 of the image does not match t3.large.', dryRunToo: true }));
    const err = (await failOf(provider.apply(failoverStep({}), { dryRun: false, snapshotIds: ['snap-0root0000000001'] }))) as StepLeftError;
    expect(err.restored).toBe(true);
    expect(w.writes()).toEqual(['CopySnapshot', 'RegisterImage', 'RunInstances(dry)', 'DeregisterImage', 'DeleteSnapshot']);
    expect([...w.instances.keys()]).toEqual([SOURCE_ID]);
  });

  it('reports by id what it could not remove after a refused launch', async () => {
    const w = world((w) => {
      w.refuse.RunInstances = { code: 'InstanceLimitExceeded', message: 'You have requested more instances than your current instance limit allows.' };
      w.refuse.DeregisterImage = { code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.', status: 403 };
    });
    const err = (await failOf(provider.apply(failoverStep({}), { dryRun: false, snapshotIds: ['snap-0root0000000001'] }))) as StepLeftError;
    expect(err.restored).toBe(false);
    // The copy backs the image that is still registered, so EC2 refuses to delete it too: both are left, by id.
    expect(err.leftBehind).toEqual([
      { kind: 'image', id: 'ami-0steward000000001', region: 'us-west-2' },
      { kind: 'snapshot', id: 'snap-0copy0000000003', region: 'us-west-2' },
    ]);
    expect(err.userMessage).toMatch(/left behind: image ami-0steward000000001 \(us-west-2\), snapshot snap-0copy0000000003 \(us-west-2\)/);
    expect(w.images.has('ami-0steward000000001')).toBe(true);
  });

  it('a failover plan failing after its create: the replacement is terminated and its image and copy removed', async () => {
    const w = world((w) => void (w.refuse.CreateTags = { code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.', status: 403 }));
    const { report, execution } = await runner.run([
      s('s1', { kind: 'snapshot', expect: { state: 'running' } }),
      failoverStep({ Name: 'web-1', env: 'prod' }),
      s('s3', { kind: 'tag', tags: { 'steward:replaced-by': 'aws/us-west-2/web-1-usw2' } }),
    ]);
    expect(execution?.steps.map((x) => x.status)).toEqual(['not_undoable', 'undone', 'failed']);
    expect(w.instances.get('i-0new0000000000001')?.state).toBe('terminated');
    expect(w.images.size).toBe(0);
    expect(w.snapshots.has('snap-0copy0000000003')).toBe(false);
    expect(report?.status).toBe('failed');
    expect(report?.summary).toMatch(/Undone: s2 \(create web-1-usw2 in aws us-west-2\)/);
    expect(report?.summary).toMatch(/NOT undone: s1 \(snapshot web-1\): snapshots are kept/);
    const terminate = w.calls.find((c) => c.action === 'TerminateInstances' && !c.form.DryRun);
    expect(terminate?.region).toBe('us-west-2');
  });
});

describe('AWS steps: snapshot, tag, delete', () => {
  it('snapshots: DryRun in the check; a refused CreateSnapshots changes nothing', async () => {
    const w = world();
    expect((await provider.apply(s('s1', { kind: 'snapshot' }), { dryRun: true })).mode).toBe('dry-run');
    const res = await provider.apply(s('s1', { kind: 'snapshot' }), { dryRun: false });
    expect(res.snapshotIds).toEqual(['snap-0root0000000001', 'snap-0data0000000002']);
    w.refuse.CreateSnapshots = { code: 'SnapshotCreationPerVolumeRateExceeded', message: 'The maximum per volume CreateSnapshot request rate has been exceeded.' };
    const err = await failOf(provider.apply(s('s1', { kind: 'snapshot' }), { dryRun: false }));
    expect(err.nativeCode).toBe('SnapshotCreationPerVolumeRateExceeded');
    expect(w.writes()).toEqual(['CreateSnapshots(dry)', 'CreateSnapshots', 'CreateSnapshots']);
  });

  it('tags: sets them, refuses aws: keys before calling EC2, and dry-runs CreateTags', async () => {
    const w = world();
    await provider.apply(s('s1', { kind: 'tag', tags: { owner: 'team-a' } }), { dryRun: true });
    await provider.apply(s('s1', { kind: 'tag', tags: { owner: 'team-a' } }), { dryRun: false });
    expect(source(w).tags).toEqual({ Name: 'web-1', env: 'prod', owner: 'team-a' });
    const err = await failOf(provider.apply(s('s2', { kind: 'tag', tags: { 'aws:owner': 'x' } }), { dryRun: true }));
    expect([err.code, err.message]).toEqual(['PROVIDER.INVALID', 'tag keys starting with aws: are reserved by AWS and cannot be set: aws:owner']);
    expect(w.writes()).toEqual(['CreateTags(dry)', 'CreateTags']);
  });

  it('deletes: TerminateInstances DryRun, then the call; refused by IAM it is PROVIDER.FORBIDDEN and the instance stays', async () => {
    const w = world();
    await provider.apply(s('s1', { kind: 'delete' }), { dryRun: true });
    w.refuse.TerminateInstances = { code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.', status: 403 };
    const err = await failOf(provider.apply(s('s1', { kind: 'delete' }), { dryRun: false }));
    expect(err.code).toBe('PROVIDER.FORBIDDEN');
    expect(source(w).state).toBe('running');
    delete w.refuse.TerminateInstances;
    await provider.apply(s('s1', { kind: 'delete' }), { dryRun: false });
    expect(source(w).state).toBe('terminated');
    expect(w.writes()).toEqual(['TerminateInstances(dry)', 'TerminateInstances', 'TerminateInstances']);
  });

  it('deletes what a create made with it, images first, and names what it could not remove', async () => {
    const w = world((w) => {
      w.images.set('ami-0steward000000001', { id: 'ami-0steward000000001', region: 'us-west-2', snapshotId: 'snap-0copy0000000003' });
      w.snapshots.set('snap-0copy0000000003', { id: 'snap-0copy0000000003', region: 'us-west-2', state: 'completed' });
      w.refuse.DeleteSnapshot = { code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.', status: 403 };
    });
    const res = await provider.apply(
      { ...s('s1', { kind: 'delete' }), alsoRemove: [{ kind: 'snapshot', id: 'snap-0copy0000000003', region: 'us-west-2' }, { kind: 'image', id: 'ami-0steward000000001', region: 'us-west-2' }] } as PlanStep,
      { dryRun: false },
    );
    expect(w.writes()).toEqual(['TerminateInstances', 'DeregisterImage', 'DeleteSnapshot']);
    expect(res.resources).toEqual([{ kind: 'snapshot', id: 'snap-0copy0000000003', region: 'us-west-2' }]);
    expect(res.message).toMatch(/removed image ami-0steward000000001; left behind: snapshot snap-0copy0000000003/);
  });
});

describe('AWS steps: a resize is checked against EC2 rules when it is proposed', () => {
  const resize = (toType: string) => s('s1', { kind: 'resize', toType });

  it('refuses an x86 instance to a Graviton (arm64) type: EC2 cannot change an instance architecture', async () => {
    const w = world();
    expect(await provider.vetStep?.(resize('m6g.xlarge'))).toBe(
      "m6g.xlarge runs on arm64 and web-1 is x86_64: EC2 cannot change an instance's CPU architecture. Pick an x86_64 type, or launch a new arm64 instance from an arm64 image.",
    );
    expect(w.calls.find((c) => c.action === 'DescribeInstanceTypes')?.form).toMatchObject({ 'InstanceType.1': 't3.medium', 'InstanceType.2': 'm6g.xlarge' });
    expect(w.writes()).toEqual([]);
  });

  it('refuses a Nitro type that requires ENA when the instance does not have ENA enabled, naming the NVMe driver from Xen', async () => {
    world((w) => {
      w.enaSupport = false;
      source(w).type = 'm4.large';
    });
    expect(await provider.vetStep?.(resize('t3.large'))).toMatch(/^t3\.large requires ENA \(enhanced networking\), which is not enabled on web-1.*Moving from m4\.large \(Xen\) to t3\.large \(Nitro\) also exposes its EBS volumes as NVMe/);
  });

  it('refuses a type EC2 does not know, and lets a type it can take through', async () => {
    world();
    expect(await provider.vetStep?.(resize('t3.gigantic'))).toBe('t3.gigantic is not an EC2 instance type (DescribeInstanceTypes does not know it in us-east-1).');
    expect(await provider.vetStep?.(resize('t3.large'))).toBeUndefined();
    expect(await provider.vetStep?.(s('s1', { kind: 'stop' }))).toBeUndefined();
  });
});
