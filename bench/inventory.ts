/**
 * Inventory benchmark: the three real adapters (real SDK clients) against msw with a fixed latency per call.
 * 3 providers × 20 scopes × 5 pages. A scope is the unit each cloud throttles by: an AWS region, an Azure
 * subscription, a Google Cloud project (the adapters read scopes side by side and pages one after another).
 *
 *   wall_ms        time for one inventory collect() across all three providers (after a warm-up run)
 *   floor_ms       the critical path: the longest chain of dependent calls observed × latency
 *   ratio          wall_ms / floor_ms
 *   max_rate_ratio highest request rate seen by any provider/scope in any window of its limit ÷ that limit
 *
 * Run: npx tsx bench/inventory.ts   (npm run bench:inventory). The last stdout line is the JSON result.
 */
import type { TokenCredential } from '@azure/core-auth';
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { createInventoryService } from '../src/domain/inventory/inventory.service.js';
import { systemClock } from '../src/domain/ports/clock.port.js';
import { loadPriceCatalog } from '../src/pricing/catalog.js';
import { AWS_DEFAULTS, createAwsProvider } from '../src/providers/aws/index.js';
import { AZURE_DEFAULTS, createAzureProvider } from '../src/providers/azure/index.js';
import { createGcpProvider, GCP_DEFAULTS } from '../src/providers/gcp/index.js';
import { describeInstancesXml, describeVolumesXml, xml } from '../test/msw/aws.js';
import { fakeAuth } from '../test/msw/gcp.js';

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 100);
const SCOPES = 20;
const PAGES = 5;
const PER_PAGE = Number(process.env.BENCH_PER_PAGE ?? 20);

const AWS_REGIONS = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ca-central-1', 'sa-east-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1',
  'eu-central-2', 'eu-north-1', 'eu-south-1', 'ap-south-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-southeast-1', 'ap-southeast-2', 'me-south-1',
];
const SUBS = Array.from({ length: SCOPES }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
const PROJECTS = Array.from({ length: SCOPES }, (_, i) => `bench-project-${i}`);

/** Arrival times per provider/scope/operation, recorded before the simulated latency. */
const calls = new Map<string, number[]>();
const t0 = performance.now();
function seen(provider: string, scope: string, op: string) {
  const key = `${provider}|${scope}|${op}`;
  calls.set(key, [...(calls.get(key) ?? []), performance.now() - t0]);
}
const pageOf = (token: string | null | undefined) => (token ? Number(token.replace(/\D/g, '')) : 0);

// --- AWS: DescribeInstances and DescribeVolumes, 5 pages each per region --------------------------------
const awsHandlers = AWS_REGIONS.map((region) =>
  http.post(`https://ec2.${region}.amazonaws.com/`, async ({ request }) => {
    const form = Object.fromEntries(new URLSearchParams(await request.text()));
    seen('aws', region, form.Action ?? '?');
    await delay(LATENCY_MS);
    const page = pageOf(form.NextToken);
    const next = page + 1 < PAGES ? `p${page + 1}` : undefined;
    const ids = Array.from({ length: PER_PAGE }, (_, k) => `${region.replace(/-/g, '')}${page}x${k}`);
    if (form.Action === 'DescribeInstances') {
      return xml(describeInstancesXml(ids.map((id, k) => ({ id: `i-${id}`, type: k % 3 ? 't3.medium' : 'm5.large', zone: `${region}a`, name: `vm-${id}`, volumeId: `vol-${id}` })), next));
    }
    if (form.Action === 'DescribeVolumes') return xml(describeVolumesXml(ids.map((id, k) => ({ id: `vol-${id}`, sizeGiB: 20 + k, encrypted: k % 2 === 0 })), next));
    return new HttpResponse('unexpected', { status: 400 });
  }),
);

// --- Azure: VMs, VM power states, NICs, public IPs; 5 pages each per subscription ----------------------
const ARM = 'https://management.azure.com';
const azureHandlers = [
  http.get(`${ARM}/subscriptions/:sub/providers/:ns/:type`, async ({ request, params }) => {
    const url = new URL(request.url);
    const sub = String(params.sub);
    const type = String(params.type);
    const statusOnly = url.searchParams.get('statusOnly') === 'true';
    seen('azure', sub, `${type}${statusOnly ? '?statusOnly' : ''}`);
    await delay(LATENCY_MS);
    const page = pageOf(url.searchParams.get('$skiptoken'));
    const next = new URL(url);
    next.searchParams.set('$skiptoken', String(page + 1));
    const names = Array.from({ length: PER_PAGE }, (_, k) => `vm-${page}-${k}`);
    const rg = `/subscriptions/${sub}/resourceGroups/rg`;
    let value: unknown[];
    if (type === 'virtualMachines' && statusOnly) {
      value = names.map((n) => ({ id: `${rg}/providers/Microsoft.Compute/virtualMachines/${n}`, name: n, properties: { instanceView: { statuses: [{ code: 'PowerState/running' }] } } }));
    } else if (type === 'virtualMachines') {
      value = names.map((n, k) => ({
        id: `${rg}/providers/Microsoft.Compute/virtualMachines/${n}`,
        name: n,
        location: k % 2 ? 'eastus' : 'westeurope',
        properties: {
          hardwareProfile: { vmSize: k % 3 ? 'Standard_D2s_v3' : 'Standard_D4s_v3' },
          storageProfile: { osDisk: { name: `${n}-os`, createOption: 'FromImage', diskSizeGB: 64, managedDisk: { id: `${rg}/providers/Microsoft.Compute/disks/${n}-os` } } },
          networkProfile: { networkInterfaces: [{ id: `${rg}/providers/Microsoft.Network/networkInterfaces/${n}-nic` }] },
        },
      }));
    } else if (type === 'networkInterfaces') {
      value = names.map((n, k) => ({
        id: `${rg}/providers/Microsoft.Network/networkInterfaces/${n}-nic`,
        name: `${n}-nic`,
        properties: {
          virtualMachine: { id: `${rg}/providers/Microsoft.Compute/virtualMachines/${n}` },
          ipConfigurations: [{ name: 'ip', properties: { privateIPAddress: `10.0.${page}.${k}`, ...(k === 0 ? { publicIPAddress: { id: `${rg}/providers/Microsoft.Network/publicIPAddresses/${n}-pip` } } : {}) } }],
        },
      }));
    } else if (type === 'publicIPAddresses') {
      value = [{ id: `${rg}/providers/Microsoft.Network/publicIPAddresses/vm-${page}-0-pip`, name: `vm-${page}-0-pip`, properties: { ipAddress: `20.0.0.${page}` } }];
    } else return new HttpResponse('unexpected', { status: 400 });
    return HttpResponse.json({ value, ...(page + 1 < PAGES ? { nextLink: next.toString() } : {}) });
  }),
];

// --- Google Cloud: instances.aggregatedList, 5 pages per project --------------------------------------
const gcpHandlers = [
  http.get('https://compute.googleapis.com/compute/v1/projects/:project/aggregated/instances', async ({ request, params }) => {
    const url = new URL(request.url);
    const project = String(params.project);
    seen('gcp', project, 'instances.aggregatedList');
    await delay(LATENCY_MS);
    const page = pageOf(url.searchParams.get('pageToken'));
    const zone = page % 2 ? 'europe-west1-b' : 'us-central1-a';
    const instances = Array.from({ length: PER_PAGE }, (_, k) => ({
      name: `vm-${page}-${k}`,
      status: 'RUNNING',
      machineType: `https://www.googleapis.com/compute/v1/projects/${project}/zones/${zone}/machineTypes/${k % 2 ? 'e2-standard-2' : 'n2-standard-4'}`,
      zone: `https://www.googleapis.com/compute/v1/projects/${project}/zones/${zone}`,
      networkInterfaces: [{ networkIP: `10.1.${page}.${k}`, network: `projects/${project}/global/networks/default` }],
      disks: [{ boot: true, diskSizeGb: '20', source: `projects/${project}/zones/${zone}/disks/vm-${page}-${k}` }],
      labels: { env: 'bench' },
    }));
    return HttpResponse.json({ items: { [`zones/${zone}`]: { instances } }, ...(page + 1 < PAGES ? { nextPageToken: `p${page + 1}` } : {}) });
  }),
];

function maxInWindow(times: number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while ((t[i] as number) - (t[j] as number) >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

async function main() {
  const server = setupServer(...awsHandlers, ...azureHandlers, ...gcpHandlers);
  server.listen({ onUnhandledRequest: 'error' });
  const catalog = loadPriceCatalog();
  const credential: TokenCredential = { getToken: async () => ({ token: 'bench-token', expiresOnTimestamp: Date.now() + 3_600_000 }) };
  const aws = createAwsProvider({ regions: AWS_REGIONS, catalog }, { credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'bench' } });
  const azure = createAzureProvider({ subscriptionIds: SUBS, catalog }, { credential });
  const gcp = createGcpProvider({ projectIds: PROJECTS, catalog }, { authClient: fakeAuth() });
  const limits = {
    aws: { limit: AWS_DEFAULTS.requestsPerSecond, windowMs: 1000 },
    azure: { limit: AZURE_DEFAULTS.requestsPerSecond, windowMs: 1000 },
    gcp: { limit: GCP_DEFAULTS.requestsPerMinute, windowMs: 60_000 },
  } as const;

  // Warm-up: module and client initialisation (the Google clients load their protos on first use).
  const warmStart = performance.now();
  const warm = createInventoryService({ providers: [aws, azure, gcp], clock: systemClock, ttlMs: 0 });
  await warm.collect({ regions: ['us-east-1', 'westeurope', 'us-central1'], accounts: [SUBS[0] as string, PROJECTS[0] as string, '111122223333'] });
  const warmMs = performance.now() - warmStart;
  calls.clear();

  if (process.env.BENCH_EACH) {
    for (const p of [aws, azure, gcp]) {
      const s0 = performance.now();
      const r = await createInventoryService({ providers: [p], clock: systemClock, ttlMs: 0 }).collect({});
      process.stdout.write(`${p.id}: ${Math.round(performance.now() - s0)} ms, ${r.instances.length} instances\n`);
    }
    calls.clear();
  }
  const inventory = createInventoryService({ providers: [aws, azure, gcp], clock: systemClock, ttlMs: 0 });
  const { Session } = await import('node:inspector/promises');
  const session = process.env.BENCH_PROFILE ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const report = await inventory.collect({}, { refresh: true });
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  if (session) {
    const { profile } = await session.post('Profiler.stop');
    (await import('node:fs')).writeFileSync(process.env.BENCH_PROFILE as string, JSON.stringify(profile));
  }

  // Critical path: within a scope the lists run side by side and each list's pages in sequence, so the
  // longest chain is the scope's longest list. (Sizes and prices came from the catalog: no dependent calls.)
  const chainByScope = new Map<string, number>();
  let rateRatio = 0;
  const perScope = new Map<string, number[]>();
  for (const [key, times] of calls) {
    const [provider, scope] = key.split('|') as [keyof typeof limits, string, string];
    chainByScope.set(`${provider}|${scope}`, Math.max(chainByScope.get(`${provider}|${scope}`) ?? 0, times.length));
    perScope.set(`${provider}|${scope}`, [...(perScope.get(`${provider}|${scope}`) ?? []), ...times]);
  }
  for (const [key, times] of perScope) {
    const { limit, windowMs } = limits[key.split('|')[0] as keyof typeof limits];
    rateRatio = Math.max(rateRatio, maxInWindow(times, windowMs) / limit);
  }
  const longestChain = Math.max(...chainByScope.values());
  const floorMs = longestChain * LATENCY_MS;
  const totalCalls = [...calls.values()].reduce((n, t) => n + t.length, 0);
  const byProvider = Object.fromEntries(['aws', 'azure', 'gcp'].map((p) => [p, report.instances.filter((i) => i.provider === p).length]));

  process.stdout.write(
    `instances ${report.instances.length} ${JSON.stringify(byProvider)}, gaps ${report.gaps.length}, calls ${totalCalls}, scopes ${perScope.size}, ` +
      `longest chain ${longestChain} calls, warm-up ${Math.round(warmMs)} ms\n`,
  );
  if (report.gaps.length) process.stdout.write(`gaps: ${JSON.stringify(report.gaps.slice(0, 3))}\n`);
  const result = {
    wall_ms: Math.round(wallMs),
    floor_ms: floorMs,
    ratio: Math.round((wallMs / floorMs) * 1000) / 1000,
    max_rate_ratio: Math.round(rateRatio * 1000) / 1000,
    cpu_ms: Math.round(cpuMs),
    latency_ms: LATENCY_MS,
    providers: 3,
    scopes_per_provider: SCOPES,
    pages_per_list: PAGES,
    instances: report.instances.length,
    calls: totalCalls,
  };
  server.close();
  aws.close();
  await gcp.close();
  process.stdout.write(JSON.stringify(result) + '\n');
}

void main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
