/**
 * A small stateful EC2 for the mutation tests: it remembers instances (state, type, tags), snapshots and images
 * across regions, answers every call from the shared fixture documents, and keeps the rules real EC2 keeps that
 * Steward's changes run into: the type changes only while stopped, some type changes are refused outright, tag keys
 * are unique and `aws:` keys are reserved, a snapshot that backs an image cannot be deleted, DryRun answers
 * DryRunOperation. `refuse` makes one action fail (optionally only its real call, or only its nth call).
 */
import type { HttpHandler } from 'msw';
import { describeInstancesXml, dryRunOk, ec2, ec2Error, ec2Fixture, xml, type Ec2Call, type Ec2Route } from './aws.js';
import { fixture } from './fixtures.js';

export const SOURCE_ID = 'i-0abc1234def567890';

export interface Ec2Instance {
  id: string;
  region: string;
  zone: string;
  state: 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated';
  type: string;
  tags: Record<string, string>;
}

export interface Refusal {
  code: string;
  message: string;
  status?: number;
  /** Refuse the DryRun as well (default: only the real call). */
  dryRunToo?: boolean;
  /** Refuse only the nth real call of this action (1-based); the others succeed. */
  nth?: number;
}

export interface Ec2World {
  instances: Map<string, Ec2Instance>;
  snapshots: Map<string, { id: string; region: string; state: string }>;
  images: Map<string, { id: string; region: string; snapshotId: string }>;
  calls: Ec2Call[];
  refuse: Record<string, Refusal>;
  /** instance type → zones offering it */
  offered: Record<string, string[]>;
  /** The source instance's ENA attribute (the fixture says true). */
  enaSupport: boolean;
  /** Pairs EC2 refuses to modify between ("g5.4xlarge>p4d.24xlarge"), as real EC2 does for some families. */
  forbiddenModify: Set<string>;
  handlers(): HttpHandler[];
  /** Non-Describe calls, as `Action` or `Action(dry)`. */
  writes(): string[];
}

const CODES: Record<string, number> = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80 };

export function ec2World(regions: string[] = ['us-east-1', 'us-west-2']): Ec2World {
  const counts: Record<string, number> = {};
  let seq = 0;
  const w: Ec2World = {
    instances: new Map([[SOURCE_ID, { id: SOURCE_ID, region: 'us-east-1', zone: 'us-east-1a', state: 'running', type: 't3.medium', tags: { Name: 'web-1', env: 'prod' } }]]),
    snapshots: new Map([
      ['snap-0root0000000001', { id: 'snap-0root0000000001', region: 'us-east-1', state: 'completed' }],
      ['snap-0data0000000002', { id: 'snap-0data0000000002', region: 'us-east-1', state: 'completed' }],
    ]),
    images: new Map(),
    calls: [],
    refuse: {},
    offered: { 't3.medium': ['us-east-1a', 'us-west-2a'], 't3.large': ['us-east-1a', 'us-west-2a'], 'm6g.xlarge': ['us-east-1a'], 'p4d.24xlarge': ['us-east-1a'], 'g5.4xlarge': ['us-east-1a'] },
    forbiddenModify: new Set(),
    enaSupport: true,
    handlers: () => regions.map((r) => ec2(r, routes(r), w.calls)),
    writes: () => w.calls.filter((c) => !c.action.startsWith('Describe')).map((c) => (c.form.DryRun === 'true' ? `${c.action}(dry)` : c.action)),
  };

  /** Answers a refusal when one is set for this action and call; undefined to go on. */
  function refused(action: string, form: Record<string, string>): Response | undefined {
    const r = w.refuse[action];
    if (!r) return undefined;
    const dry = form.DryRun === 'true';
    if (dry && !r.dryRunToo) return undefined;
    if (!dry) {
      counts[action] = (counts[action] ?? 0) + 1;
      if (r.nth !== undefined && counts[action] !== r.nth) return undefined;
    }
    return ec2Error(r.code, r.message, r.status ?? 400, `req-${action}`);
  }

  const inst = (form: Record<string, string>) => w.instances.get(form['InstanceId.1'] ?? form.InstanceId ?? '');

  function describe(region: string, form: Record<string, string>): Response {
    const wanted = Object.entries(form).filter(([k]) => k.startsWith('InstanceId.')).map(([, v]) => v);
    const list = [...w.instances.values()].filter((i) => i.region === region && (!wanted.length || wanted.includes(i.id)));
    if (wanted.length && !list.length) return ec2Error('InvalidInstanceID.NotFound', `The instance ID '${wanted[0]}' does not exist`, 400);
    const source = list.find((i) => i.id === SOURCE_ID);
    if (source && list.length === 1) {
      // The source instance is the shared fixture document, with the state, type and tags the world holds now.
      const tags = Object.entries(source.tags).map(([k, v]) => `<item><key>${k}</key><value>${v}</value></item>`).join('');
      return xml(
        fixture('aws/DescribeInstances.modern.ours.xml')
          .replace('<code>16</code><name>running</name>', `<code>${CODES[source.state]}</code><name>${source.state}</name>`)
          .replace('<instanceType>t3.medium</instanceType>', `<instanceType>${source.type}</instanceType>`)
          .replace(/<tagSet>[\s\S]*?<\/tagSet>/, `<tagSet>${tags}</tagSet>`)
          .replace('<enaSupport>true</enaSupport>', `<enaSupport>${w.enaSupport}</enaSupport>`),
      );
    }
    return xml(describeInstancesXml(list.map((i) => ({ id: i.id, type: i.type, state: i.state, zone: i.zone, ...(i.tags.Name ? { name: i.tags.Name } : {}) }))));
  }

  function tagsOf(form: Record<string, string>, prefix: string): { keys: string[]; map: Record<string, string> } {
    const keys: string[] = [];
    const map: Record<string, string> = {};
    for (let n = 1; form[`${prefix}.${n}.Key`] !== undefined; n++) {
      const k = form[`${prefix}.${n}.Key`] as string;
      keys.push(k);
      map[k] = form[`${prefix}.${n}.Value`] ?? '';
    }
    return { keys, map };
  }

  /** EC2's own tag rules: unique keys, no `aws:` prefix. */
  function badTags(keys: string[]): Response | undefined {
    const dup = keys.find((k, i) => keys.indexOf(k) !== i);
    if (dup) return ec2Error('InvalidParameterValue', `Duplicate tag key '${dup}' specified.`, 400, 'req-dup-tag');
    const reserved = keys.find((k) => /^aws:/i.test(k));
    if (reserved) return ec2Error('InvalidParameterValue', `Tag keys starting with 'aws:' are reserved for internal use`, 400, 'req-aws-tag');
    return undefined;
  }

  const stateChange = (action: string, to: Ec2Instance['state'], from: readonly string[], doc: string): Ec2Route => (form) => {
    const i = inst(form);
    if (!i) return ec2Error('InvalidInstanceID.NotFound', `The instance ID '${form['InstanceId.1']}' does not exist`, 400);
    const no = refused(action, form);
    if (no) return no;
    if (!from.includes(i.state)) return ec2Error('IncorrectInstanceState', `The instance '${i.id}' is not in a state from which it can be ${action}.`, 400);
    if (form.DryRun === 'true') return dryRunOk();
    i.state = to;
    return ec2Fixture(doc);
  };

  function routes(region: string): Record<string, Ec2Route> {
    return {
      DescribeInstances: (form) => describe(region, form),
      DescribeVolumes: () => ec2Fixture('DescribeVolumes.modern.ours.xml'),
      DescribeInstanceTypes: (form) => {
        const wanted = Object.entries(form).filter(([k]) => k.startsWith('InstanceType.')).map(([, v]) => v);
        const items = ['DescribeInstanceTypes.resize.ours.xml', 'DescribeInstanceTypes.ours.xml']
          .flatMap((f) => fixture(`aws/${f}`).match(/<item><instanceType>[\s\S]*?<\/item>\s*(?=<item><instanceType>|<\/instanceTypeSet>)/g) ?? [])
          .filter((item, i, all) => all.findIndex((x) => x.slice(0, 60) === item.slice(0, 60)) === i);
        const typeOf = (item: string) => /<instanceType>([^<]+)<\/instanceType>/.exec(item)?.[1] ?? '';
        const missing = wanted.filter((t) => !items.some((item) => typeOf(item) === t));
        if (missing.length && !missing.every((t) => t.startsWith('m1.') || t.startsWith('t1.'))) {
          return ec2Error('InvalidInstanceType', `The following supplied instance types do not exist: [${missing.join(', ')}]`, 400, 'req-bad-type');
        }
        const doc = fixture('aws/DescribeInstanceTypes.resize.ours.xml');
        return xml(doc.replace(/<instanceTypeSet>[\s\S]*<\/instanceTypeSet>/, `<instanceTypeSet>${items.filter((item) => !wanted.length || wanted.includes(typeOf(item))).join('')}</instanceTypeSet>`));
      },
      DescribeInstanceTypeOfferings: (form) => {
        const type = form['Filter.1.Value.1'] ?? '';
        const where = form['Filter.2.Value.1'] ?? '';
        const zones = w.offered[type] ?? [];
        const hit = form.LocationType === 'region' ? zones.some((z) => z.startsWith(where)) : zones.includes(where);
        const doc = fixture('aws/DescribeInstanceTypeOfferings.ours.xml');
        return xml(hit ? doc.replace(/<instanceType>[^<]*<\/instanceType>/, `<instanceType>${type}</instanceType>`).replace(/<location>[^<]*<\/location>/, `<location>${where}</location>`) : doc.replace(/<item>[\s\S]*<\/item>/, ''));
      },
      StopInstances: stateChange('StopInstances', 'stopped', ['running', 'pending', 'stopped'], 'StopInstances.botocore.xml'),
      StartInstances: stateChange('StartInstances', 'running', ['stopped', 'running'], 'StartInstances.botocore.xml'),
      RebootInstances: stateChange('RebootInstances', 'running', ['running'], 'RebootInstances.ours.xml'),
      TerminateInstances: stateChange('TerminateInstances', 'terminated', ['running', 'stopped', 'pending', 'stopping'], 'TerminateInstances.ours.xml'),
      ModifyInstanceAttribute: (form) => {
        const i = inst(form);
        if (!i) return ec2Error('InvalidInstanceID.NotFound', `The instance ID '${form.InstanceId}' does not exist`, 400);
        const no = refused('ModifyInstanceAttribute', form);
        if (no) return no;
        const to = form['InstanceType.Value'] ?? i.type;
        if (w.forbiddenModify.has(`${i.type}>${to}`)) return ec2Error('Unsupported', `Modifying the instance type from ${i.type} to ${to} is not allowed.`, 400, 'req-modify-refused');
        if (form.DryRun === 'true') return dryRunOk();
        if (i.state !== 'stopped') return ec2Error('IncorrectInstanceState', `The instance '${i.id}' is not in the 'stopped' state.`, 400);
        i.type = to;
        return ec2Fixture('ModifyInstanceAttribute.libcloud.xml');
      },
      CreateTags: (form) => {
        const no = refused('CreateTags', form);
        if (no) return no;
        const { keys, map } = tagsOf(form, 'Tag');
        const bad = badTags(keys);
        if (bad) return bad;
        if (form.DryRun === 'true') return dryRunOk();
        const i = w.instances.get(form['ResourceId.1'] ?? '');
        if (i) Object.assign(i.tags, map);
        return ec2Fixture('CreateTags.ours.xml');
      },
      CreateSnapshots: (form) => {
        const no = refused('CreateSnapshots', form);
        if (no) return no;
        return form.DryRun === 'true' ? dryRunOk() : ec2Fixture('CreateSnapshots.ours.xml');
      },
      DescribeSnapshots: (form) => {
        const id = form['SnapshotId.1'];
        if (id && !w.snapshots.has(id)) return ec2Error('InvalidSnapshot.NotFound', `The snapshot '${id}' does not exist.`, 400);
        return ec2Fixture('DescribeSnapshots.copy-completed.ours.xml');
      },
      CopySnapshot: (form) => {
        const no = refused('CopySnapshot', form);
        if (no) return no;
        if (!w.snapshots.has(form.SourceSnapshotId ?? '')) return ec2Error('InvalidSnapshot.NotFound', `The snapshot '${form.SourceSnapshotId}' does not exist.`, 400);
        if (form.DryRun === 'true') return dryRunOk();
        w.snapshots.set('snap-0copy0000000003', { id: 'snap-0copy0000000003', region, state: 'completed' });
        return ec2Fixture('CopySnapshot.ours.xml');
      },
      RegisterImage: (form) => {
        const no = refused('RegisterImage', form);
        if (no) return no;
        const snap = form['BlockDeviceMapping.1.Ebs.SnapshotId'] ?? '';
        if (!w.snapshots.has(snap)) return ec2Error('InvalidSnapshot.NotFound', `The snapshot '${snap}' does not exist.`, 400);
        if (form.DryRun === 'true') return dryRunOk();
        w.images.set('ami-0steward000000001', { id: 'ami-0steward000000001', region, snapshotId: snap });
        return ec2Fixture('RegisterImage.ours.xml');
      },
      DeregisterImage: (form) => {
        const no = refused('DeregisterImage', form);
        if (no) return no;
        if (!w.images.delete(form.ImageId ?? '')) return ec2Error('InvalidAMIID.NotFound', `The image id '[${form.ImageId}]' does not exist`, 400);
        return ec2Fixture('DeregisterImage.ours.xml');
      },
      DeleteSnapshot: (form) => {
        const no = refused('DeleteSnapshot', form);
        if (no) return no;
        const id = form.SnapshotId ?? '';
        const user = [...w.images.values()].find((im) => im.snapshotId === id);
        if (user) return ec2Error('InvalidSnapshot.InUse', `The snapshot ${id} is currently in use by ${user.id}`, 400);
        if (!w.snapshots.delete(id)) return ec2Error('InvalidSnapshot.NotFound', `The snapshot '${id}' does not exist.`, 400);
        return ec2Fixture('DeleteSnapshot.ours.xml');
      },
      RunInstances: (form) => {
        const { keys, map } = tagsOf(form, 'TagSpecification.1.Tag');
        const bad = badTags(keys);
        if (bad) return bad;
        const no = refused('RunInstances', form);
        if (no) return no;
        const image = form.ImageId ?? '';
        if (!w.images.has(image) && image !== 'ami-0123456789abcdef0') return ec2Error('InvalidAMIID.NotFound', `The image id '[${image}]' does not exist`, 400);
        const zone = form['Placement.AvailabilityZone'] ?? `${region}a`;
        if (!(w.offered[form.InstanceType ?? ''] ?? []).includes(zone)) return ec2Error('Unsupported', `Your requested instance type (${form.InstanceType}) is not supported in your requested Availability Zone (${zone}).`, 400);
        if (form.DryRun === 'true') return dryRunOk();
        const id = seq++ === 0 ? 'i-0new0000000000001' : `i-0new${String(seq).padStart(12, '0')}`;
        w.instances.set(id, { id, region, zone, state: 'running', type: form.InstanceType ?? '', tags: map });
        return xml(fixture('aws/RunInstances.ours.xml').replaceAll('i-0new0000000000001', id).replace('us-west-2a', zone).replace('<instanceType>t3.large</instanceType>', `<instanceType>${form.InstanceType}</instanceType>`));
      },
    };
  }
  return w;
}
