import type { protos } from '@google-cloud/compute';
import { ProviderError } from '../../domain/model/errors.js';
import type { Instance, InstanceRef } from '../../domain/model/instance.js';
import { VALID_FROM, type PlanStep, type StepKind, type StepResult } from '../../domain/model/plan.js';
import type { GcpClients } from './clients.js';
import { toGcpError } from './errors.js';
import { last, regionOfZone, type GceInstance, type Shape } from './instances.js';

type Operation = protos.google.cloud.compute.v1.IOperation;

/** IAM permissions each step needs (manifests/iam/gcp-steward-operator.role.yaml grants them). */
export const GCP_PERMISSIONS: Record<StepKind, string[]> = {
  start: ['compute.instances.get', 'compute.instances.start'],
  stop: ['compute.instances.get', 'compute.instances.stop'],
  resize: ['compute.instances.get', 'compute.machineTypes.get', 'compute.regions.get', 'compute.instances.stop', 'compute.instances.setMachineType', 'compute.instances.start'],
  snapshot: ['compute.instances.get', 'compute.disks.createSnapshot', 'compute.snapshots.create', 'compute.snapshots.setLabels'],
  create: [
    'compute.instances.get', 'compute.machineTypes.get', 'compute.regions.get', 'compute.snapshots.list', 'compute.snapshots.useReadOnly', 'compute.instances.create',
    'compute.disks.create', 'compute.subnetworks.use', 'compute.instances.setLabels', 'compute.instances.setMetadata', 'compute.instances.setTags',
  ],
  delete: ['compute.instances.get', 'compute.instances.delete'],
  tag: ['compute.instances.get', 'compute.instances.setLabels'],
};

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

  return {
    async apply(step: PlanStep, opts: { dryRun: boolean; snapshotIds?: string[] }): Promise<StepResult> {
      const dryRun = opts.dryRun;
      const mode = dryRun ? 'preflight' : 'applied';
      const found = await deps.read(step.target);
      if (!found) fail('PROVIDER.NOT_FOUND', `${step.targetName} does not exist`, step);
      const { instance: inst, raw } = found;
      if (!VALID_FROM[step.kind].includes(inst.state)) fail('PROVIDER.INVALID', `cannot ${step.kind} ${inst.name}: it is ${inst.state}`, step);
      const project = inst.account;
      const zone = inst.zone ?? '';
      const name = inst.name;
      const before = { state: inst.state, type: inst.type };
      const instances = await clients.instances();
      if (dryRun) {
        const missing = await missingPermissions(project, zone, name, GCP_PERMISSIONS[step.kind]);
        if (missing.length) fail('PROVIDER.FORBIDDEN', `missing permission(s) on ${name}: ${missing.join(', ')}`, step);
      }
      const checked = 'preflight passed: permissions granted, state valid';

      switch (step.kind) {
        case 'start':
          if (dryRun) return { ok: true, mode, message: `${name}: start (${checked})`, before };
          await run(project, zone, 'start', () => instances.start({ project, zone, instance: name }));
          return { ok: true, mode, message: `${name}: ${inst.state} → running`, before };
        case 'stop':
          if (dryRun) return { ok: true, mode, message: `${name}: stop (${checked})`, before };
          await run(project, zone, 'stop', () => instances.stop({ project, zone, instance: name }));
          return { ok: true, mode, message: `${name}: ${inst.state} → stopped`, before };
        case 'resize': {
          const to = await deps.shape(project, zone, step.toType);
          if (!to) fail('PROVIDER.INVALID', `${step.toType} is not offered in ${zone}`, step);
          const quota = inst.state === 'running' ? await checkQuota(project, inst.region, to.vcpu - (inst.vcpu ?? 0), step) : 'stopped: no running vCPU';
          const wasRunning = inst.state === 'running';
          if (dryRun) return { ok: true, mode, message: `${name}: ${inst.type} → ${step.toType}${wasRunning ? ' (stop, resize, start)' : ''} (${checked}, type offered in ${zone}, ${quota})`, before };
          // Compute Engine changes the machine type only while the instance is stopped.
          if (wasRunning) await run(project, zone, 'stop', () => instances.stop({ project, zone, instance: name }));
          await run(project, zone, 'setMachineType', () =>
            instances.setMachineType({ project, zone, instance: name, instancesSetMachineTypeRequestResource: { machineType: `zones/${zone}/machineTypes/${step.toType}` } }),
          );
          if (wasRunning) await run(project, zone, 'start', () => instances.start({ project, zone, instance: name }));
          return { ok: true, mode, message: `${name}: ${inst.type} → ${step.toType}${wasRunning ? ' (stopped, resized, started again)' : ''}`, before };
        }
        case 'snapshot': {
          const disks = (raw.disks ?? []).map((d) => last(d.source)).filter(Boolean);
          if (dryRun) return { ok: true, mode, message: `${name}: snapshot of ${disks.length} disk(s) (${checked})`, before };
          const stamp = new Date().toISOString().replace(/[-:T.Z]/g, '').slice(0, 14);
          const snapshotIds: string[] = [];
          const client = await clients.disks();
          for (const [i, disk] of disks.entries()) {
            const snap = label(`${name}-${i === 0 ? 'boot' : `d${i}`}-${stamp}`);
            await run(project, zone, 'createSnapshot', () =>
              client.createSnapshot({ project, zone, disk, snapshotResource: { name: snap, labels: { [SOURCE_LABEL]: label(name), 'steward-step': label(step.id) } } }),
            );
            snapshotIds.push(`projects/${project}/global/snapshots/${snap}`);
          }
          return { ok: true, mode, message: `${name}: ${snapshotIds.length} snapshot(s) taken`, snapshotIds, before };
        }
        case 'create': {
          const p = step.placement;
          if (p.provider !== 'gcp') fail('PROVIDER.INVALID', `the Google Cloud adapter cannot create in ${p.provider}`, step);
          const targetProject = p.account || project;
          const targetZone = p.zone ?? `${p.region}-b`;
          const shape = await deps.shape(targetProject, targetZone, p.type);
          if (!shape) fail('PROVIDER.INVALID', `${p.type} is not offered in ${targetZone}`, step, p.region);
          const quota = await checkQuota(targetProject, p.region, shape.vcpu, step);
          const bootSnapshot = opts.snapshotIds?.[0];
          const source = step.image
            ? { sourceImage: step.image }
            : bootSnapshot
              ? { sourceSnapshot: bootSnapshot }
              : { sourceSnapshot: await latestBootSnapshot(targetProject, name, step) };
          if (dryRun) return { ok: true, mode, message: `${step.name}: ${p.type} in ${targetZone} from ${last(source.sourceImage ?? source.sourceSnapshot)} (${checked}, type offered, ${quota})`, before };
          const network = raw.networkInterfaces?.[0]?.network ?? 'global/networks/default';
          await run(targetProject, targetZone, 'insert', () =>
            instances.insert({
              project: targetProject,
              zone: targetZone,
              instanceResource: {
                name: step.name,
                machineType: `zones/${targetZone}/machineTypes/${p.type}`,
                labels: { ...(raw.labels ?? {}), ...Object.fromEntries(Object.entries(step.tags).map(([k, v]) => [label(k), label(v)])), [SOURCE_LABEL]: label(name) },
                disks: [{ boot: true, autoDelete: true, initializeParams: source }],
                // Same VPC; an auto-mode network picks the target region's subnet.
                networkInterfaces: [{ network }],
                ...(raw.serviceAccounts?.length ? { serviceAccounts: raw.serviceAccounts } : {}),
              },
            }),
          );
          return {
            ok: true,
            mode,
            message: `${step.name} created in ${targetZone} as ${p.type}`,
            created: { provider: 'gcp', account: targetProject, region: p.region, zone: targetZone, id: step.name },
            before,
          };
        }
        case 'delete':
          if (dryRun) return { ok: true, mode, message: `${name}: delete (${checked})`, before };
          await run(project, zone, 'delete', () => instances.delete({ project, zone, instance: name }));
          return { ok: true, mode, message: `${name}: deleted`, before };
        case 'tag': {
          const tags = Object.fromEntries(Object.entries(step.tags).map(([k, v]) => [label(k), label(v)]));
          const shown = Object.entries(tags).map(([k, v]) => `${k}=${v}`).join(', ');
          if (dryRun) return { ok: true, mode, message: `${name}: label ${shown} (${checked})`, before };
          await run(project, zone, 'setLabels', () =>
            instances.setLabels({ project, zone, instance: name, instancesSetLabelsRequestResource: { labels: { ...(raw.labels ?? {}), ...tags }, labelFingerprint: raw.labelFingerprint ?? null } }),
          );
          return { ok: true, mode, message: `${name}: labelled ${shown}`, before };
        }
      }
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
