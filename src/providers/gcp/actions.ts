import type { protos } from '@google-cloud/compute';
import { ProviderError } from '../../domain/model/errors.js';
import type { Instance, InstanceRef } from '../../domain/model/instance.js';
import type { PlanStep, StepKind, StepResult } from '../../domain/model/plan.js';
import { applyDeclared, compensated, permissionsOf, sameAs, type StepAction, type StepActions, type StepOf, type StepRunOptions, type StepTarget } from '../../domain/model/step-kinds.js';
import type { GcpClients } from './clients.js';
import { gcpResizeRefusal } from './compat.js';
import { toGcpError } from './errors.js';
import { last, regionOfZone, type GceInstance, type Shape } from './instances.js';

type Operation = protos.google.cloud.compute.v1.IOperation;

export const SOURCE_LABEL = 'steward-source-instance';

export interface GcpActionDeps {
  clients: GcpClients;
  read(ref: InstanceRef): Promise<{ instance: Instance; raw: GceInstance } | undefined>;
  shape(project: string, zone: string, type: string): Promise<Shape | undefined>;
  /** How long one zoneOperations.wait may block before asking again (the API caps it at 2 minutes). */
  timeoutMs: number;
}

function fail(code: 'PROVIDER.NOT_FOUND' | 'PROVIDER.INVALID' | 'PROVIDER.FORBIDDEN', message: string, step: PlanStep, region = step.target.region): never {
  throw new ProviderError(code, message, { provider: 'gcp', operation: step.kind, region });
}

/** Lower-case label value Compute Engine accepts (63 chars, [a-z0-9_-]). */
const label = (s: string) => s.toLowerCase().replace(/[^a-z0-9_-]/g, '-').slice(0, 63);
/** A label key: like a value, and it must start with a lower-case letter. */
export const labelKey = (s: string) => {
  const k = label(s);
  return /^[a-z]/.test(k) ? k : `k-${k}`.slice(0, 63);
};
/** Steward tags as Compute Engine labels (keys and values folded to what labels allow). */
const asLabels = (tags: Record<string, string>) => Object.fromEntries(Object.entries(tags).map(([k, v]) => [labelKey(k), label(v)]));

interface GcpTarget extends StepTarget {
  raw: GceInstance;
}

export function createGcpActions(deps: GcpActionDeps) {
  const { clients } = deps;

  /** Waits for a zonal operation with zoneOperations.wait until DONE; an operation error becomes a ProviderError. */
  async function done(project: string, zone: string, first: Operation, op: string): Promise<Operation> {
    let current = first;
    const started = Date.now();
    const ops = await clients.zoneOperations();
    while (String(current.status) !== 'DONE') {
      if (Date.now() - started > deps.timeoutMs) throw new ProviderError('PROVIDER.UNAVAILABLE', `${op} did not finish in time (operation ${current.name})`, { provider: 'gcp', operation: op, region: regionOfZone(zone) });
      try {
        [current] = await ops.wait({ project, zone, operation: current.name ?? '' });
      } catch (err) {
        throw toGcpError(err, op, regionOfZone(zone));
      }
    }
    const e = current.error?.errors?.[0];
    if (e) {
      const status = Number(current.httpErrorStatusCode ?? 400);
      const code = status === 403 ? 'PROVIDER.FORBIDDEN' : status === 404 ? 'PROVIDER.NOT_FOUND' : status === 429 ? 'PROVIDER.THROTTLED' : status >= 500 ? 'PROVIDER.UNAVAILABLE' : 'PROVIDER.INVALID';
      throw new ProviderError(code, e.message ?? 'operation failed', { provider: 'gcp', operation: op, region: regionOfZone(zone), ...(e.code ? { nativeCode: e.code } : {}), ...(current.name ? { requestId: current.name } : {}) });
    }
    return current;
  }

  async function run(project: string, zone: string, op: string, start: () => Promise<unknown>): Promise<Operation> {
    let first: Operation;
    try {
      const [lro] = (await start()) as [{ latestResponse?: Operation } & Operation];
      first = (lro.latestResponse ?? lro) as Operation;
    } catch (err) {
      throw toGcpError(err, op, regionOfZone(zone));
    }
    return done(project, zone, first, op);
  }

  /** The part of a preflight Google can check for us: which of the permissions the caller lacks on the instance. */
  async function missingPermissions(project: string, zone: string, name: string, wanted: string[]): Promise<string[]> {
    const onInstance = wanted.filter((p) => p.startsWith('compute.instances.'));
    try {
      const [res] = await (await clients.instances()).testIamPermissions({ project, zone, resource: name, testPermissionsRequestResource: { permissions: onInstance } });
      const granted = new Set(res.permissions ?? []);
      return onInstance.filter((p) => !granted.has(p));
    } catch (err) {
      throw toGcpError(err, 'test permissions', regionOfZone(zone));
    }
  }

  async function checkQuota(project: string, region: string, addVcpu: number, step: PlanStep): Promise<string> {
    if (addVcpu <= 0) return 'no extra vCPU needed';
    let quotas: protos.google.cloud.compute.v1.IQuota[];
    try {
      const [r] = await (await clients.regions()).get({ project, region });
      quotas = r.quotas ?? [];
    } catch (err) {
      throw toGcpError(err, 'read region quota', region);
    }
    const cpus = quotas.find((q) => q.metric === 'CPUS');
    if (cpus && Number(cpus.usage ?? 0) + addVcpu > Number(cpus.limit ?? Infinity)) {
      fail('PROVIDER.INVALID', `CPUS quota in ${region} would be exceeded: ${Number(cpus.usage)} + ${addVcpu} > ${Number(cpus.limit)}`, step, region);
    }
    return cpus ? `CPUS quota ${Number(cpus.usage ?? 0) + addVcpu}/${Number(cpus.limit)}` : 'CPUS quota not reported';
  }

  const readInstance = (ref: InstanceRef) => () => deps.read(ref).then((r) => r?.instance);
  const where = (inst: Instance) => ({ project: inst.account, zone: inst.zone ?? '', name: inst.name });
  const CHECKED = 'preflight passed: permissions granted, state valid';

  /** The preflight every kind shares: the caller holds the permissions the kind declares on the instance. */
  async function permitted(step: PlanStep, inst: Instance): Promise<void> {
    const { project, zone, name } = where(inst);
    const missing = await missingPermissions(project, zone, name, actions[step.kind].permissions as string[]);
    if (missing.length) fail('PROVIDER.FORBIDDEN', `missing permission(s) on ${name}: ${missing.join(', ')}`, step);
  }

  type InstancesClient = Awaited<ReturnType<GcpClients['instances']>>;
  type Where = { project: string; zone: string; instance: string };

  /** A kind that is one call: preflight checks permissions; apply makes the call and waits for its operation. */
  function oneCall<K extends 'start' | 'stop' | 'reboot' | 'delete'>(
    _kind: K,
    permissions: string[],
    op: string,
    send: (instances: InstancesClient, at: Where) => Promise<unknown>,
    said: (inst: Instance) => string,
  ): StepAction<K, GcpTarget> {
    return {
      permissions,
      async check(step, { instance }) {
        await permitted(step, instance);
        return `${instance.name}: ${op} (${CHECKED})`;
      },
      async apply(_step, { instance }) {
        const { project, zone, name } = where(instance);
        const instances = await clients.instances();
        await run(project, zone, op, () => send(instances, { project, zone, instance: name }));
        return { message: said(instance) };
      },
    };
  }

  async function resizeChecks(step: StepOf<'resize'>, inst: Instance): Promise<string> {
    const { project, zone } = where(inst);
    const to = await deps.shape(project, zone, step.toType);
    if (!to) fail('PROVIDER.INVALID', `${step.toType} is not offered in ${zone}`, step);
    return inst.state === 'running' ? checkQuota(project, inst.region, to.vcpu - (inst.vcpu ?? 0), step) : 'stopped: no running vCPU';
  }

  async function createSource(step: StepOf<'create'>, inst: Instance, opts: StepRunOptions): Promise<{ sourceImage?: string; sourceSnapshot?: string }> {
    const p = step.placement;
    if (p.provider !== 'gcp') fail('PROVIDER.INVALID', `the Google Cloud adapter cannot create in ${p.provider}`, step);
    const targetProject = p.account || inst.account;
    if (step.image) return { sourceImage: step.image };
    const boot = opts.snapshotIds?.[0];
    return { sourceSnapshot: boot ?? (await latestBootSnapshot(targetProject, inst.name, step)) };
  }

  async function createChecks(step: StepOf<'create'>, inst: Instance): Promise<{ targetProject: string; targetZone: string; quota: string }> {
    const p = step.placement;
    if (p.provider !== 'gcp') fail('PROVIDER.INVALID', `the Google Cloud adapter cannot create in ${p.provider}`, step);
    const targetProject = p.account || inst.account;
    const targetZone = p.zone ?? `${p.region}-b`;
    const shape = await deps.shape(targetProject, targetZone, p.type);
    if (!shape) fail('PROVIDER.INVALID', `${p.type} is not offered in ${targetZone}`, step, p.region);
    const quota = await checkQuota(targetProject, p.region, shape.vcpu, step);
    return { targetProject, targetZone, quota };
  }

  const actions: StepActions<GcpTarget> = {
    start: oneCall('start', ['compute.instances.get', 'compute.instances.start'], 'start', (instances, at) => instances.start(at), (i) => `${i.name}: ${i.state} → running`),
    stop: oneCall('stop', ['compute.instances.get', 'compute.instances.stop'], 'stop', (instances, at) => instances.stop(at), (i) => `${i.name}: ${i.state} → stopped`),
    // Compute Engine's reset is the reboot it offers: the instance restarts in place, keeping its disks and addresses.
    reboot: oneCall('reboot', ['compute.instances.get', 'compute.instances.reset'], 'reset', (instances, at) => instances.reset(at), (i) => `${i.name}: reset (restarted in place)`),
    delete: oneCall('delete', ['compute.instances.get', 'compute.instances.delete'], 'delete', (instances, at) => instances.delete(at), (i) => `${i.name}: deleted`),
    resize: {
      permissions: ['compute.instances.get', 'compute.machineTypes.get', 'compute.regions.get', 'compute.instances.stop', 'compute.instances.setMachineType', 'compute.instances.start'],
      async check(step, { instance }) {
        await permitted(step, instance);
        const quota = await resizeChecks(step, instance);
        const running = instance.state === 'running';
        return `${instance.name}: ${instance.type} → ${step.toType}${running ? ' (stop, resize, start)' : ''} (${CHECKED}, type offered in ${instance.zone}, ${quota})`;
      },
      async apply(step, { instance }) {
        await resizeChecks(step, instance);
        const { project, zone, name } = where(instance);
        const instances = await clients.instances();
        const running = instance.state === 'running';
        const setType = (type: string) =>
          run(project, zone, 'setMachineType', () => instances.setMachineType({ project, zone, instance: name, instancesSetMachineTypeRequestResource: { machineType: `zones/${zone}/machineTypes/${type}` } }));
        // Compute Engine changes the machine type only while the instance is stopped; a refusal starts it again.
        await compensated(
          { provider: 'gcp', region: instance.region },
          async (onFailure) => {
            if (running) {
              await run(project, zone, 'stop', () => instances.stop({ project, zone, instance: name }));
              onFailure({ what: `${name} was started again`, run: async () => void (await run(project, zone, 'start', () => instances.start({ project, zone, instance: name }))) });
            }
            await setType(step.toType);
            onFailure({ what: `its machine type was set back to ${instance.type}`, run: async () => void (await setType(instance.type)) });
            if (running) await run(project, zone, 'start', () => instances.start({ project, zone, instance: name }));
          },
          sameAs({ state: instance.state, type: instance.type }, readInstance(step.target), name),
        );
        return { message: `${name}: ${instance.type} → ${step.toType}${running ? ' (stopped, resized, started again)' : ''}` };
      },
    },
    snapshot: {
      permissions: ['compute.instances.get', 'compute.disks.createSnapshot', 'compute.snapshots.create', 'compute.snapshots.setLabels', 'compute.snapshots.delete'],
      async check(step, { instance, raw }) {
        await permitted(step, instance);
        return `${instance.name}: snapshot of ${(raw.disks ?? []).length} disk(s) (${CHECKED})`;
      },
      async apply(step, { instance, raw }) {
        const { project, zone, name } = where(instance);
        const disks = (raw.disks ?? []).map((d) => last(d.source)).filter(Boolean);
        const stamp = new Date().toISOString().replace(/[-:T.Z]/g, '').slice(0, 14);
        const snapshotIds: string[] = [];
        const client = await clients.disks();
        // One snapshot per disk; if a later one fails, the ones taken are deleted (or named as left behind).
        await compensated(
          { provider: 'gcp', region: instance.region },
          async (onFailure) => {
            for (const [i, disk] of disks.entries()) {
              const snap = label(`${name}-${i === 0 ? 'boot' : `d${i}`}-${stamp}`);
              await run(project, zone, 'createSnapshot', () =>
                client.createSnapshot({ project, zone, disk, snapshotResource: { name: snap, labels: { [SOURCE_LABEL]: label(name), 'steward-step': label(step.id) } } }),
              );
              const link = `projects/${project}/global/snapshots/${snap}`;
              snapshotIds.push(link);
              onFailure({
                what: `snapshot ${snap} was deleted`,
                resource: { kind: 'snapshot', id: link, region: 'global' },
                run: async () => {
                  try {
                    const snapshots = await clients.snapshots();
                    await snapshots.delete({ project, snapshot: snap });
                  } catch (err) {
                    throw toGcpError(err, 'delete snapshot');
                  }
                },
              });
            }
          },
          async () => ({ asBefore: true, text: `${name} is unchanged (a snapshot does not touch the instance)` }),
        );
        return { message: `${name}: ${snapshotIds.length} snapshot(s) taken`, snapshotIds };
      },
    },
    create: {
      permissions: [
        'compute.instances.get', 'compute.machineTypes.get', 'compute.regions.get', 'compute.snapshots.list', 'compute.snapshots.useReadOnly', 'compute.images.useReadOnly',
        'compute.instances.create', 'compute.disks.create', 'compute.subnetworks.use', 'compute.instances.setLabels', 'compute.instances.setServiceAccount',
      ],
      async check(step, { instance }, opts) {
        await permitted(step, instance);
        const { targetZone, quota } = await createChecks(step, instance);
        const source = await createSource(step, instance, opts);
        return `${step.name}: ${step.placement.type} in ${targetZone} from ${last(source.sourceImage ?? source.sourceSnapshot)} (${CHECKED}, type offered, ${quota})`;
      },
      async apply(step, { instance, raw }, opts) {
        const p = step.placement;
        const { targetProject, targetZone } = await createChecks(step, instance);
        const source = await createSource(step, instance, opts);
        const network = raw.networkInterfaces?.[0]?.network ?? 'global/networks/default';
        const instances = await clients.instances();
        // One insert: the boot disk is made with the instance and deleted with it (autoDelete), nothing else is created.
        await run(targetProject, targetZone, 'insert', () =>
          instances.insert({
            project: targetProject,
            zone: targetZone,
            instanceResource: {
              name: step.name,
              machineType: `zones/${targetZone}/machineTypes/${p.type}`,
              labels: { ...(raw.labels ?? {}), ...asLabels(step.tags), [SOURCE_LABEL]: label(instance.name) },
              disks: [{ boot: true, autoDelete: true, initializeParams: source }],
              // Same VPC; an auto-mode network picks the target region's subnet.
              networkInterfaces: [{ network }],
              ...(raw.serviceAccounts?.length ? { serviceAccounts: raw.serviceAccounts } : {}),
            },
          }),
        );
        return {
          message: `${step.name} created in ${targetZone} as ${p.type}`,
          created: { provider: 'gcp', account: targetProject, region: p.region, zone: targetZone, id: step.name },
        };
      },
    },
    tag: {
      permissions: ['compute.instances.get', 'compute.instances.setLabels'],
      async check(step, { instance }) {
        await permitted(step, instance);
        return `${instance.name}: label ${shownLabels(asLabels(step.tags))} (${CHECKED})`;
      },
      async apply(step, { instance, raw }) {
        const { project, zone, name } = where(instance);
        const labels = asLabels(step.tags);
        const instances = await clients.instances();
        await run(project, zone, 'setLabels', () =>
          instances.setLabels({ project, zone, instance: name, instancesSetLabelsRequestResource: { labels: { ...(raw.labels ?? {}), ...labels }, labelFingerprint: raw.labelFingerprint ?? null } }),
        );
        return { message: `${name}: labelled ${shownLabels(labels)}` };
      },
    },
  };

  return {
    actions,
    apply(step: PlanStep, opts: StepRunOptions): Promise<StepResult> {
      return applyDeclared('gcp', actions, step, opts, () => deps.read(step.target), 'preflight');
    },
    /** At proposal time: what Compute Engine would refuse about this step (machine family, architecture, GPUs, NVMe). */
    async vet(step: PlanStep): Promise<string | undefined> {
      if (step.kind !== 'resize') return undefined;
      const found = await deps.read(step.target);
      if (!found) return `${step.targetName} no longer exists.`;
      const { instance, raw } = found;
      return gcpResizeRefusal(instance, raw, step.toType, (type) => deps.shape(instance.account, instance.zone ?? '', type));
    },
  };

  async function latestBootSnapshot(project: string, source: string, step: PlanStep): Promise<string> {
    let best: { link: string; at: number } | undefined;
    try {
      for await (const s of (await clients.snapshots()).listAsync({ project, filter: `labels.${SOURCE_LABEL} = "${label(source)}"`, maxResults: 500 })) {
        if (!s.name?.includes('-boot-')) continue;
        const at = s.creationTimestamp ? new Date(s.creationTimestamp).getTime() : 0;
        if (!best || at > best.at) best = { link: `projects/${project}/global/snapshots/${s.name}`, at };
      }
    } catch (err) {
      throw toGcpError(err, 'list snapshots');
    }
    if (!best) fail('PROVIDER.INVALID', `no image given and no Steward snapshot of ${source}'s boot disk in ${project}; run a snapshot step first`, step);
    return best.link;
  }
}

const shownLabels = (labels: Record<string, string>) => Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(', ');

/** IAM permissions each step needs (manifests/iam/gcp-steward-operator.role.yaml grants them). */
export const GCP_PERMISSIONS: Record<StepKind, string[]> = permissionsOf(
  createGcpActions({ clients: undefined as never, read: async () => undefined, shape: async () => undefined, timeoutMs: 0 }).actions,
);
