/**
 * Least privilege, derived from the code: every SDK call the adapters make (AWS `*Command` classes, Azure operation
 * group methods, Google Cloud client methods, found by reading src/providers/<cloud>/**) is mapped to the IAM
 * actions it needs; the operator variant (reader + operator policies, attached together) must grant exactly those,
 * nothing missing and nothing that no call needs; the read-only variant must hold only reads, and every read the
 * inventory, utilization, posture and drift paths make (everything outside actions.ts).
 *
 * A new SDK call fails here until it is mapped below and granted in manifests/iam/.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { fromRoot } from '../../src/lib/paths.js';
import { armCredential } from '../msw/azure.js';

const IAM = fromRoot('manifests/iam');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

interface Call {
  /** `ec2:StartInstances`, `virtualMachines.start`, `instances.start`. */
  key: string;
  file: string;
  /** actions.ts holds the approved changes; everything else is a read path. */
  change: boolean;
}

function strip(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
}

const fileInfo = (cloud: string) =>
  tsFiles(fromRoot('src/providers', cloud)).map((f) => ({ file: relative(fromRoot(), f), src: strip(readFileSync(f, 'utf8')), change: /\/actions\.ts$/.test(f) }));

// ─── AWS: `new XCommand(` for every X imported from an @aws-sdk/client-* package ────────────────────────────────

/** IAM service prefix of each AWS SDK client package the adapters use. */
const AWS_PREFIX: Record<string, string> = { ec2: 'ec2', cloudwatch: 'cloudwatch', health: 'health', sts: 'sts', 'resource-groups-tagging-api': 'tag' };
/** Actions a call needs besides its own (tag-on-create). */
const AWS_IMPLIED: Record<string, string[]> = {
  'ec2:RunInstances': ['ec2:CreateTags'],
  'ec2:CreateSnapshots': ['ec2:CreateTags'],
  'ec2:CreateSnapshot': ['ec2:CreateTags'],
};

function awsCalls(): { calls: Call[]; problems: string[] } {
  const calls: Call[] = [];
  const problems: string[] = [];
  for (const { file, src, change } of fileInfo('aws')) {
    const commandPackage = new Map<string, string>();
    for (const m of src.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'@aws-sdk\/client-([a-z0-9-]+)'/g)) {
      for (const name of (m[1] as string).split(',').map((s) => s.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0] as string)) {
        if (name.endsWith('Command')) commandPackage.set(name, m[2] as string);
      }
    }
    for (const m of src.matchAll(/\bnew\s+([A-Z]\w*Command)\s*\(/g)) {
      const name = m[1] as string;
      const pkg = commandPackage.get(name);
      if (!pkg) {
        problems.push(`${file}: new ${name}(…) is not imported from an @aws-sdk/client-* package by name`);
        continue;
      }
      const prefix = AWS_PREFIX[pkg];
      if (!prefix) {
        problems.push(`${file}: @aws-sdk/client-${pkg} has no IAM prefix in AWS_PREFIX (test/manifests/iam.test.ts)`);
        continue;
      }
      calls.push({ key: `${prefix}:${name.slice(0, -'Command'.length)}`, file, change });
    }
    for (const m of src.matchAll(/\bpaginate([A-Z]\w+)\s*\(/g)) problems.push(`${file}: paginate${m[1]} — map paginators to their actions in this test`);
  }
  return { calls, problems };
}

// ─── Azure: operation group methods of every @azure/arm-* client ──────────────────────────────────────────────

/** RBAC actions per `operationGroup.method` (what ARM authorizes the request against). */
const AZURE_ACTIONS: Record<string, string[]> = {
  'virtualMachines.listAll': ['Microsoft.Compute/virtualMachines/read'],
  // Called with expand: 'instanceView' (power state) for drift checks and NIC lookups.
  'virtualMachines.get': ['Microsoft.Compute/virtualMachines/read', 'Microsoft.Compute/virtualMachines/instanceView/read'],
  'virtualMachines.start': ['Microsoft.Compute/virtualMachines/start/action'],
  'virtualMachines.deallocate': ['Microsoft.Compute/virtualMachines/deallocate/action'],
  'virtualMachines.restart': ['Microsoft.Compute/virtualMachines/restart/action'],
  'virtualMachines.update': ['Microsoft.Compute/virtualMachines/write'],
  'virtualMachines.listAvailableSizes': ['Microsoft.Compute/virtualMachines/vmSizes/read'],
  // A replacement VM attaching the copied OS disk and the new NIC.
  'virtualMachines.createOrUpdate': ['Microsoft.Compute/virtualMachines/write', 'Microsoft.Compute/disks/write', 'Microsoft.Network/networkInterfaces/join/action'],
  'virtualMachines.delete': ['Microsoft.Compute/virtualMachines/delete'],
  'virtualMachineSizes.list': ['Microsoft.Compute/locations/vmSizes/read'],
  'usage.list': ['Microsoft.Compute/locations/usages/read'],
  // A resize checked at proposal time: the size's CPU architecture, Hyper-V generations and restrictions.
  'resourceSkus.list': ['Microsoft.Compute/skus/read'],
  // A snapshot copies a managed disk: write the snapshot, read the source disk.
  'snapshots.createOrUpdate': ['Microsoft.Compute/snapshots/write', 'Microsoft.Compute/disks/read'],
  'snapshots.listByResourceGroup': ['Microsoft.Compute/snapshots/read'],
  'snapshots.delete': ['Microsoft.Compute/snapshots/delete'],
  'disks.createOrUpdate': ['Microsoft.Compute/disks/write', 'Microsoft.Compute/snapshots/read'],
  'disks.delete': ['Microsoft.Compute/disks/delete'],
  'networkInterfaces.listAll': ['Microsoft.Network/networkInterfaces/read'],
  'networkInterfaces.get': ['Microsoft.Network/networkInterfaces/read'],
  'networkInterfaces.beginCreateOrUpdateAndWait': ['Microsoft.Network/networkInterfaces/write', 'Microsoft.Network/virtualNetworks/subnets/join/action'],
  'networkInterfaces.beginDeleteAndWait': ['Microsoft.Network/networkInterfaces/delete'],
  'publicIPAddresses.listAll': ['Microsoft.Network/publicIPAddresses/read'],
  'publicIPAddresses.get': ['Microsoft.Network/publicIPAddresses/read'],
  'networkSecurityGroups.listAll': ['Microsoft.Network/networkSecurityGroups/read'],
  'metrics.list': ['Microsoft.Insights/metrics/read'],
  'availabilityStatuses.listBySubscriptionId': ['Microsoft.ResourceHealth/availabilityStatuses/read'],
  'availabilityStatuses.getByResource': ['Microsoft.ResourceHealth/availabilityStatuses/read'],
  'availabilityStatuses.listByResourceGroup': ['Microsoft.ResourceHealth/availabilityStatuses/read'],
  'events.listBySubscriptionId': ['Microsoft.ResourceHealth/events/read'],
  'eventsOperations.listBySubscriptionId': ['Microsoft.ResourceHealth/events/read'],
};

async function azureOperationGroups(): Promise<Set<string>> {
  const packages = new Set<string>();
  for (const { src } of fileInfo('azure')) for (const m of src.matchAll(/from\s*'(@azure\/arm-[a-z0-9-]+)'/g)) packages.add(m[1] as string);
  const credential = armCredential({ token: 'test' });
  const groups = new Set<string>();
  for (const p of packages) {
    const mod = (await import(p)) as Record<string, unknown>;
    for (const [name, C] of Object.entries(mod)) {
      // @azure/arm-resourcehealth's client class is MicrosoftResourceHealth (no `Client` suffix).
      if (!(name.endsWith('Client') || name === 'MicrosoftResourceHealth') || typeof C !== 'function') continue;
      let client: Record<string, unknown>;
      try {
        client = new (C as new (...a: unknown[]) => Record<string, unknown>)(credential, '00000000-0000-0000-0000-000000000000');
      } catch {
        continue;
      }
      for (const [k, v] of Object.entries(client)) if (k !== 'pipeline' && !k.startsWith('_') && v && typeof v === 'object') groups.add(k);
    }
  }
  return groups;
}

async function azureCalls(): Promise<Call[]> {
  const groups = await azureOperationGroups();
  const calls: Call[] = [];
  for (const { file, src, change } of fileInfo('azure')) {
    const add = (group: string, method: string) => {
      if (groups.has(group)) calls.push({ key: `${group}.${method}`, file, change });
    };
    // clients.compute(sub).virtualMachines.listAll(…)
    for (const m of src.matchAll(/\bclients\.\w+\([^()]*\)\.(\w+)\.(\w+)\s*\(/g)) add(m[1] as string, m[2] as string);
    // const network = clients.network(sub);  …  network.networkInterfaces.get(…)
    for (const v of src.matchAll(/(?:const|let)\s+(\w+)\s*=\s*clients\.\w+\([^()]*\)\s*;/g)) {
      for (const m of src.matchAll(new RegExp(`(?<![\\w.])${v[1]}\\.(\\w+)\\.(\\w+)\\s*\\(`, 'g'))) add(m[1] as string, m[2] as string);
    }
    // const vms = clients.compute(sub).virtualMachines;  …  vms.start(…)
    for (const a of src.matchAll(/(?:const|let)\s+(\w+)\s*=\s*clients\.\w+\([^()]*\)\.(\w+)\s*;/g)) {
      for (const m of src.matchAll(new RegExp(`(?<![\\w.])${a[1]}\\.(\\w+)\\s*\\(`, 'g'))) add(a[2] as string, m[1] as string);
    }
  }
  return calls;
}

// ─── Google Cloud: methods of the clients src/providers/gcp/clients.ts hands out ───────────────────────────────

/** IAM permissions per `clients.<kind>()` method. */
const GCP_ACTIONS: Record<string, string[]> = {
  'instances.aggregatedListAsync': ['compute.instances.list'],
  'instances.listAsync': ['compute.instances.list'],
  'instances.get': ['compute.instances.get'],
  'instances.start': ['compute.instances.start'],
  'instances.stop': ['compute.instances.stop'],
  'instances.reset': ['compute.instances.reset'],
  'instances.setMachineType': ['compute.instances.setMachineType'],
  'instances.setLabels': ['compute.instances.setLabels'],
  'instances.delete': ['compute.instances.delete'],
  // A replacement VM: its boot disk from a snapshot (or an image), labels, the source's service account, the
  // source's network (no external IP, no metadata, no network tags are set).
  'instances.insert': [
    'compute.instances.create', 'compute.disks.create', 'compute.snapshots.useReadOnly', 'compute.images.useReadOnly', 'compute.subnetworks.use',
    'compute.instances.setLabels', 'compute.instances.setServiceAccount',
  ],
  // Asks which of the caller's permissions hold: needs none.
  'instances.testIamPermissions': [],
  'machineTypes.get': ['compute.machineTypes.get'],
  'regions.get': ['compute.regions.get'],
  'disks.createSnapshot': ['compute.disks.createSnapshot', 'compute.snapshots.create', 'compute.snapshots.setLabels'],
  'snapshots.listAsync': ['compute.snapshots.list'],
  'snapshots.delete': ['compute.snapshots.delete'],
  'firewalls.listAsync': ['compute.firewalls.list'],
  'zoneOperations.wait': ['compute.zoneOperations.get'],
  'zoneOperations.get': ['compute.zoneOperations.get'],
  'metrics.listTimeSeriesAsync': ['monitoring.timeSeries.list'],
  'metrics.listTimeSeries': ['monitoring.timeSeries.list'],
  // Personalized Service Health over REST through the auth client (src/providers/gcp/health.ts).
  'serviceHealth.events.list': ['servicehealth.events.list'],
};
/** clients.ts helpers that are not API clients. */
const GCP_NOT_CLIENTS = new Set(['authClient', 'close']);

function gcpCalls(): Call[] {
  const calls: Call[] = [];
  for (const { file, src, change } of fileInfo('gcp')) {
    // (await clients.instances()).get(…)
    for (const m of src.matchAll(/\(\s*await\s+clients\.(\w+)\(\)\s*\)\.(\w+)\s*\(/g)) if (!GCP_NOT_CLIENTS.has(m[1] as string)) calls.push({ key: `${m[1]}.${m[2]}`, file, change });
    // REST calls through the auth client: `${SERVICE_HEALTH_URL}/projects/…/events` (Personalized Service Health)
    if (/\$\{SERVICE_HEALTH_URL\}\/projects\/[^`]*\/events`/.test(src)) calls.push({ key: 'serviceHealth.events.list', file, change });
    // const instances = await clients.instances();  …  instances.start(…)   (also `x ? await clients.metrics() : undefined`)
    for (const a of src.matchAll(/(?:const|let)\s+(\w+)\s*=\s*[^;\n]*?await\s+clients\.(\w+)\(\)/g)) {
      if (GCP_NOT_CLIENTS.has(a[2] as string)) continue;
      for (const m of src.matchAll(new RegExp(`(?<![\\w.])${a[1]}!?\\.(\\w+)\\s*\\(`, 'g'))) calls.push({ key: `${a[2]}.${m[1]}`, file, change });
    }
  }
  return calls;
}

// ─── The policies ──────────────────────────────────────────────────────────────────────────────────────────────

type Statement = { Effect: string; Action: string | string[] };
const awsPolicy = (f: string) => new Set(((JSON.parse(readFileSync(join(IAM, f), 'utf8')) as { Statement: Statement[] }).Statement).filter((s) => s.Effect === 'Allow').flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])));
const azureRole = (f: string) =>
  new Set(((JSON.parse(readFileSync(join(IAM, f), 'utf8')) as { properties: { permissions: { actions: string[] }[] } }).properties.permissions).flatMap((p) => p.actions));
const gcpRole = (f: string) => new Set((parseYaml(readFileSync(join(IAM, f), 'utf8')) as { includedPermissions: string[] }).includedPermissions);

interface Cloud {
  name: string;
  calls: () => Promise<{ calls: Call[]; problems: string[] }>;
  actionsOf: (key: string) => string[] | undefined;
  reader: { file: string; actions: Set<string> };
  operator: { file: string; actions: Set<string> };
  isRead: (action: string) => boolean;
}

const CLOUDS: Cloud[] = [
  {
    name: 'AWS',
    calls: async () => awsCalls(),
    actionsOf: (key) => [key, ...(AWS_IMPLIED[key] ?? [])],
    reader: { file: 'aws-read-policy.json', actions: awsPolicy('aws-read-policy.json') },
    operator: { file: 'aws-change-policy.json', actions: awsPolicy('aws-change-policy.json') },
    isRead: (a) => /^[a-z0-9-]+:(Describe|Get|List)/.test(a),
  },
  {
    name: 'Azure',
    calls: async () => ({ calls: await azureCalls(), problems: [] }),
    actionsOf: (key) => AZURE_ACTIONS[key],
    reader: { file: 'azure-steward-reader.role.json', actions: azureRole('azure-steward-reader.role.json') },
    operator: { file: 'azure-steward-operator.role.json', actions: azureRole('azure-steward-operator.role.json') },
    isRead: (a) => a.endsWith('/read'),
  },
  {
    name: 'Google Cloud',
    calls: async () => ({ calls: gcpCalls(), problems: [] }),
    actionsOf: (key) => GCP_ACTIONS[key],
    reader: { file: 'gcp-steward-reader.role.yaml', actions: gcpRole('gcp-steward-reader.role.yaml') },
    operator: { file: 'gcp-steward-operator.role.yaml', actions: gcpRole('gcp-steward-operator.role.yaml') },
    isRead: (a) => /\.(get|list)$/.test(a),
  },
];

for (const cloud of CLOUDS) {
  describe(`${cloud.name}: the policies in manifests/iam grant what src/providers calls, and nothing else`, () => {
    const needed = async () => {
      const { calls, problems } = await cloud.calls();
      const unmapped = calls.filter((c) => cloud.actionsOf(c.key) === undefined).map((c) => `${c.file}: ${c.key}`);
      const all = new Set(calls.flatMap((c) => cloud.actionsOf(c.key) ?? []));
      const reads = new Set(calls.filter((c) => !c.change).flatMap((c) => cloud.actionsOf(c.key) ?? []));
      return { calls, problems, unmapped, all, reads };
    };

    it('finds the SDK calls, each mapped to its IAM actions', async () => {
      const { calls, problems, unmapped } = await needed();
      expect(calls.length).toBeGreaterThan(5);
      expect(problems).toEqual([]);
      expect(unmapped, 'map each call to the IAM actions it needs in test/manifests/iam.test.ts, then grant them in manifests/iam/').toEqual([]);
      // Both kinds of path are seen: reads (inventory, posture, utilization) and changes (actions.ts).
      expect(calls.some((c) => c.change)).toBe(true);
      expect(calls.some((c) => !c.change)).toBe(true);
    });

    it(`the operator variant (${cloud.reader.file} + ${cloud.operator.file}) grants every action a call needs`, async () => {
      const { all } = await needed();
      const granted = new Set([...cloud.reader.actions, ...cloud.operator.actions]);
      expect([...all].filter((a) => !granted.has(a)).sort(), `add to manifests/iam/${cloud.operator.file} (or the reader, for reads)`).toEqual([]);
    });

    it('no policy grants an action that no call needs', async () => {
      const { all } = await needed();
      expect([...cloud.reader.actions].filter((a) => !all.has(a)).sort(), `remove from manifests/iam/${cloud.reader.file}`).toEqual([]);
      expect([...cloud.operator.actions].filter((a) => !all.has(a)).sort(), `remove from manifests/iam/${cloud.operator.file}`).toEqual([]);
    });

    it(`the read-only variant (${cloud.reader.file}) holds only reads, and every read the inventory, posture and utilization paths make`, async () => {
      const { reads } = await needed();
      expect([...cloud.reader.actions].filter((a) => !cloud.isRead(a)).sort()).toEqual([]);
      expect([...reads].filter((a) => !cloud.reader.actions.has(a)).sort(), `add to manifests/iam/${cloud.reader.file}`).toEqual([]);
    });
  });
}

describe('the scanner itself', () => {
  it('sees a call written in each style the adapters use', async () => {
    const aws = awsCalls().calls.map((c) => c.key);
    expect(aws).toEqual(expect.arrayContaining(['ec2:DescribeInstances', 'ec2:StartInstances', 'cloudwatch:GetMetricData']));
    const azure = (await azureCalls()).map((c) => c.key);
    // direct (clients.compute(sub).virtualMachines.listAll), via a client variable (network.networkInterfaces.get),
    // via an operation group variable (vms.start)
    expect(azure).toEqual(expect.arrayContaining(['virtualMachines.listAll', 'networkInterfaces.get', 'virtualMachines.start', 'metrics.list']));
    const gcp = gcpCalls().map((c) => c.key);
    // (await clients.x()).m(…), const c = await clients.x(); c.m(…), and metrics!.m(…)
    expect(gcp).toEqual(expect.arrayContaining(['instances.get', 'instances.start', 'firewalls.listAsync', 'metrics.listTimeSeriesAsync', 'zoneOperations.wait']));
  });
});
