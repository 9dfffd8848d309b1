/**
 * Inventory benchmark: the three real adapters (real SDK clients) against msw with a fixed latency per call.
 * 3 providers × BENCH_SCOPES scopes × BENCH_PAGES pages. A scope is the unit each cloud throttles by: an AWS region, an Azure
 * subscription, a Google Cloud project (the adapters read scopes side by side and pages one after another).
 *
 *   wall_ms        time for one inventory collect() across all three providers (after a warm-up run): the median of
 *                  BENCH_REPEAT (default 3) timed runs, each after a timed bare run (pairs interleaved); runs_ms has them all
 *   floor_ms       the critical path: the longest chain of dependent calls observed × latency
 *   ratio          wall_ms / floor_ms
 *   max_rate_ratio highest request rate seen by any provider/scope in any window of its limit ÷ that limit, over every timed run
 *   bare_max_rate_ratio  the same for the bare run (no limiter): the demand; limiter_binds = it is above 1
 *                  (the limits are BENCH_AWS_RPS, BENCH_AZURE_RPS per scope, default 2/s, set so that it is, and
 *                  BENCH_GCP_RPM, default the production 1,500/min); rate_ratio_by_provider has both per provider
 *   bare_ms        (median) the same calls through the same SDK clients and the same mock, issued with plain unbounded
 *                  Promise.all and no Steward code (every scope and list at once, pages in sequence), in the same run
 *   ratio_vs_bare  wall_ms / bare_ms
 *   cpu_floor_ms   CPU of the bare run ÷ cores: below it no client can go on this machine
 *
 * The workload (issue 12): BENCH_SCOPES scopes per provider (default 30, more than the adapters' concurrency of
 * 24, so the limiter binds), pages of BENCH_AWS_PAGE (1000) AWS instances, BENCH_GCP_PAGE (500) GCP instances and
 * BENCH_PER_PAGE Azure resources; BENCH_PAGES pages per list (default 2).
 *
 * Where the mock runs (BENCH_MOCK):
 *   process (default)  the msw handlers answer from this process through a small node:http(s) server
 *                      (msw's own getResponse), and the adapters run in a forked child that reaches it through
 *                      their endpoint overrides: real HTTP over loopback, and the mock's CPU is not charged to
 *                      the adapters' thread (on 2 cores, the mock and the adapters each get one).
 *   inprocess          msw's setupServer intercepts the SDKs' requests inside the adapters' own process.
 * Either way the call chains and rates are observed where the handlers run, before the simulated latency.
 *
 * Knobs: BENCH_LATENCY_MS, BENCH_PER_PAGE, BENCH_MOCK, BENCH_WARMUP (full inventories before the timed one,
 * default 1), BENCH_EACH=n (each provider alone, n passes), BENCH_ONLY=aws,… (time only those),
 * BENCH_PROFILE=<file> (CPU profile of the adapters' process during the last timed run of ours), BENCH_PROFILE_BARE=<file>
 * (the same for the last bare run), BENCH_CONCURRENCY=n (the adapters' concurrency; default theirs, 24), BENCH_TIMELINE=1
 * (when each provider's requests arrived, ours and bare), BENCH_REPEAT=n (timed pairs, default 3).
 * cpu_ms is the adapters' process; mock_cpu_ms the mock server's (process mode).
 *
 * Run: npx tsx bench/inventory.ts   (npm run bench:inventory). The last stdout line is the JSON result.
 */
import type { TokenCredential } from '@azure/core-auth';
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeInstancesCommand, DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ComputeManagementClient } from '@azure/arm-compute';
import { NetworkManagementClient } from '@azure/arm-network';
import { InstancesClient } from '@google-cloud/compute';
import { delay, getResponse, http, HttpResponse } from 'msw';
import { createInventoryService } from '../src/domain/inventory/inventory.service.js';
import { systemClock } from '../src/domain/ports/clock.port.js';
import { loadPriceCatalog } from '../src/pricing/catalog.js';
import { createAwsProvider } from '../src/providers/aws/index.js';
import { createAzureProvider } from '../src/providers/azure/index.js';
import { createGcpProvider, GCP_DEFAULTS } from '../src/providers/gcp/index.js';
import { describeInstancesXml, describeVolumesXml, xml } from '../test/msw/aws.js';
import { fakeAuth } from '../test/msw/gcp.js';

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 100);
const MOCK = process.env.BENCH_MOCK ?? 'process';
const ROLE = process.env.BENCH_ROLE ?? 'main';
const SCOPES = Number(process.env.BENCH_SCOPES ?? 30);
const PAGES = Number(process.env.BENCH_PAGES ?? 2);
const PER_PAGE = Number(process.env.BENCH_PER_PAGE ?? 20);
const AWS_PAGE = Number(process.env.BENCH_AWS_PAGE ?? 1000);
const GCP_PAGE = Number(process.env.BENCH_GCP_PAGE ?? 500);
// The adapters' request-rate limits for the run. Defaults are set so the limiter binds on this workload: each
// scope's lists start side by side, so the bare run asks for more than 2 requests a second per AWS region and
// Azure subscription (bare_max_rate_ratio > 1 shows it). Google Cloud reads one list per project, its pages in
// sequence, so no per-minute limit that still lets it finish binds there; it keeps the production default.
const AWS_RPS = Number(process.env.BENCH_AWS_RPS ?? 2);
const AZURE_RPS = Number(process.env.BENCH_AZURE_RPS ?? 2);
const GCP_RPM = Number(process.env.BENCH_GCP_RPM ?? GCP_DEFAULTS.requestsPerMinute);
// BENCH_CONCURRENCY: the adapters' concurrency (default theirs, 24); a diagnostic, the benchmark keeps the default.
const CONCURRENCY = process.env.BENCH_CONCURRENCY ? { concurrency: Number(process.env.BENCH_CONCURRENCY) } : {};

const AWS_REGIONS = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ca-central-1', 'sa-east-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1',
  'eu-central-2', 'eu-north-1', 'eu-south-1', 'ap-south-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-southeast-1', 'ap-southeast-2', 'me-south-1',
  'af-south-1', 'ap-east-1', 'ap-south-2', 'ap-southeast-3', 'ap-southeast-4', 'ca-west-1', 'eu-south-2', 'il-central-1', 'me-central-1', 'mx-central-1',
].slice(0, SCOPES);
const SUBS = Array.from({ length: SCOPES }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
const PROJECTS = Array.from({ length: SCOPES }, (_, i) => `bench-project-${i}`);

/** Arrival times per provider/scope/operation, recorded before the simulated latency. */
const calls = new Map<string, number[]>();
/** The same, for the last timed bare run; and every timed run's calls, to judge rates over all of them. */
let bareCalls = new Map<string, number[]>();
const timedRuns: { ours: Map<string, number[]>[]; bare: Map<string, number[]>[] } = { ours: [], bare: [] };
/** The calls so far belonged to a timed run of `was` (or to a warm-up, when undefined): keep them apart, start afresh. */
function endRun(was?: 'bare' | 'ours') {
  if (was) timedRuns[was].push(new Map(calls));
  if (was === 'bare') bareCalls = new Map(calls);
  calls.clear();
}
const t0 = performance.now();
/**
 * The mock server stamps each request with its arrival (x-bench-arrived, taken in the 'request' event, before the
 * body is read and msw matches a handler): under load the handlers run late and back to back, which would squeeze
 * requests that arrived a second apart into one window. In process there is no server, so the handler's time.
 */
const ARRIVED = 'x-bench-arrived';
function seen(request: Request, provider: string, scope: string, op: string) {
  const key = `${provider}|${scope}|${op}`;
  const stamped = Number(request.headers.get(ARRIVED));
  calls.set(key, [...(calls.get(key) ?? []), stamped > 0 ? stamped : performance.now() - t0]);
}
const pageOf = (token: string | null | undefined) => (token ? Number(token.replace(/\D/g, '')) : 0);

// --- AWS: DescribeInstances and DescribeVolumes, 5 pages each per region --------------------------------
// One handler for every region (msw compiles and matches each handler's pattern per request, so 20 regional
// handlers cost 20 matches). The region comes from the SigV4 credential scope, which is how a shared endpoint
// (LocalStack, a proxy) tells regions apart; with the public regional hosts it is the same region.
const credentialRegion = (auth: string | null) => /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(auth ?? '')?.[1] ?? '?';
const awsHandlers = [
  http.post(/^https?:\/\/[^/]+\/$/, async ({ request }) => {
    const form = Object.fromEntries(new URLSearchParams(await request.text()));
    const region = credentialRegion(request.headers.get('authorization'));
    seen(request, 'aws', region, form.Action ?? '?');
    await delay(LATENCY_MS);
    const page = pageOf(form.NextToken);
    const next = page + 1 < PAGES ? `p${page + 1}` : undefined;
    const ids = Array.from({ length: AWS_PAGE }, (_, k) => `${region.replace(/-/g, '')}${page}x${k}`);
    if (form.Action === 'DescribeInstances') {
      return xml(describeInstancesXml(ids.map((id, k) => ({ id: `i-${id}`, type: k % 3 ? 't3.medium' : 'm5.large', zone: `${region}a`, name: `vm-${id}`, volumeId: `vol-${id}` })), next));
    }
    if (form.Action === 'DescribeVolumes') return xml(describeVolumesXml(ids.map((id, k) => ({ id: `vol-${id}`, sizeGiB: 20 + k, encrypted: k % 2 === 0 })), next));
    return new HttpResponse('unexpected', { status: 400 });
  }),
];

// --- Azure: VMs, VM power states, NICs, public IPs; 5 pages each per subscription ----------------------
// Any host: the public ARM host in process, the mock server's address otherwise (nextLink follows the request).
const azureHandlers = [
  http.get(`*/subscriptions/:sub/providers/:ns/:type`, async ({ request, params }) => {
    const url = new URL(request.url);
    const sub = String(params.sub);
    const type = String(params.type);
    const statusOnly = url.searchParams.get('statusOnly') === 'true';
    seen(request, 'azure', sub, `${type}${statusOnly ? '?statusOnly' : ''}`);
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
  http.get('*/compute/v1/projects/:project/aggregated/instances', async ({ request, params }) => {
    const url = new URL(request.url);
    const project = String(params.project);
    seen(request, 'gcp', project, 'instances.aggregatedList');
    await delay(LATENCY_MS);
    const page = pageOf(url.searchParams.get('pageToken'));
    const zone = page % 2 ? 'europe-west1-b' : 'us-central1-a';
    const instances = Array.from({ length: GCP_PAGE }, (_, k) => ({
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

interface Endpoints {
  aws?: string;
  azure?: string;
  gcp?: string;
}
interface ClientResult {
  wallMs: number;
  cpuMs: number;
  warmMs: number;
  instances: number;
  byProvider: Record<string, number>;
  gaps: unknown[];
  bare: { wallMs: number; cpuMs: number; items: number };
  /** Wall time of every timed run, in order (pairs: bare then ours). */
  runs: { ours: number[]; bare: number[] };
}

/**
 * The bare-SDK baseline: the calls the adapters make, through the same SDK clients against the same mock, with
 * plain unbounded Promise.all and no Steward code: every scope and every list at once, each list's pages in order.
 */
async function bareInventory(endpoints: Endpoints, credential: TokenCredential): Promise<{ wallMs: number; cpuMs: number; items: number }> {
  const awsCreds = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'bench' };
  const ec2 = AWS_REGIONS.map((region) => new EC2Client({ region, credentials: awsCreds, ...(endpoints.aws ? { endpoint: endpoints.aws } : {}) }));
  const scope = 'https://management.azure.com/.default';
  const azureOpts = endpoints.azure ? { endpoint: endpoints.azure, $host: endpoints.azure, credentials: { scopes: [scope] }, credentialScopes: [scope] } : {};
  const compute = SUBS.map((sub) => new ComputeManagementClient(credential, sub, azureOpts as never));
  const network = SUBS.map((sub) => new NetworkManagementClient(credential, sub, azureOpts as never));
  const g = endpoints.gcp ? new URL(endpoints.gcp) : undefined;
  const gcp = new InstancesClient({
    authClient: fakeAuth() as never,
    fallback: true,
    ...(g ? { apiEndpoint: g.hostname, port: Number(g.port), protocol: g.protocol.replace(':', '') } : {}),
  } as never);
  const pages = async (page: (token: string | undefined) => Promise<{ n: number; next: string | undefined }>) => {
    let n = 0;
    let token: string | undefined;
    do {
      const r = await page(token);
      n += r.n;
      token = r.next;
    } while (token);
    return n;
  };
  const drain = async (it: AsyncIterable<unknown>) => {
    let n = 0;
    for await (const _ of it) n++;
    return n;
  };
  const live = [{ Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped', 'shutting-down'] }];
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  const counts = await Promise.all([
    ...ec2.flatMap((c) => [
      pages(async (NextToken) => {
        const r = await c.send(new DescribeInstancesCommand({ MaxResults: 1000, NextToken, Filters: live }));
        return { n: (r.Reservations ?? []).flatMap((x) => x.Instances ?? []).length, next: r.NextToken };
      }),
      pages(async (NextToken) => {
        const r = await c.send(new DescribeVolumesCommand({ MaxResults: 500, NextToken }));
        return { n: (r.Volumes ?? []).length, next: r.NextToken };
      }),
    ]),
    ...SUBS.flatMap((_, k) => [
      drain(compute[k]!.virtualMachines.listAll()),
      drain(compute[k]!.virtualMachines.listAll({ statusOnly: 'true' })),
      drain(network[k]!.networkInterfaces.listAll()),
      drain(network[k]!.publicIPAddresses.listAll()),
    ]),
    ...PROJECTS.map((project) => drain(gcp.aggregatedListAsync({ project, maxResults: 500, returnPartialSuccess: true }))),
  ]);
  const wallMs = performance.now() - t;
  const cpu = process.cpuUsage(cpu0);
  for (const c of ec2) c.destroy();
  await gcp.close();
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, items: counts.reduce((a, b) => a + b, 0) };
}

/** The adapters' side: build the three providers, warm up, then time one full collect(). */
async function runClient(endpoints: Endpoints, clearCalls: (was?: 'bare' | 'ours') => Promise<void>): Promise<ClientResult> {
  const catalog = loadPriceCatalog();
  const credential: TokenCredential = { getToken: async () => ({ token: 'bench-token', expiresOnTimestamp: Date.now() + 3_600_000 }) };
  const aws = createAwsProvider(
    { regions: AWS_REGIONS, catalog, requestsPerSecond: AWS_RPS, ...CONCURRENCY },
    { credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'bench' }, ...(endpoints.aws ? { endpoint: endpoints.aws } : {}) },
  );
  const azure = createAzureProvider({ subscriptionIds: SUBS, catalog, requestsPerSecond: AZURE_RPS, ...CONCURRENCY }, { credential, ...(endpoints.azure ? { endpoint: endpoints.azure } : {}) });
  const gcp = createGcpProvider({ projectIds: PROJECTS, catalog, requestsPerMinute: GCP_RPM, ...CONCURRENCY }, { authClient: fakeAuth(), ...(endpoints.gcp ? { endpoint: endpoints.gcp } : {}) });

  // Warm-up: module and client initialisation (the Google clients load their protos on first use), then
  // BENCH_WARMUP whole inventories (default 1) so the timed run sees the JIT-compiled code a long-running bot
  // has after its first inventories; 0 warms up with one scope per provider only. Nothing read here is kept:
  // the timed run uses a new inventory service with refresh, and the mock server drops its idle connections
  // in between, so the timed run opens fresh TCP/TLS connections like an inventory after an idle period.
  const warmStart = performance.now();
  const warm = createInventoryService({ providers: [aws, azure, gcp], clock: systemClock, ttlMs: 0 });
  await warm.collect({ regions: ['us-east-1', 'westeurope', 'us-central1'], accounts: [SUBS[0] as string, PROJECTS[0] as string, '111122223333'] });
  for (let i = 0; i < Number(process.env.BENCH_WARMUP ?? 1); i++) await warm.collect({}, { refresh: true });
  const warmMs = performance.now() - warmStart;
  // The bare baseline, warmed once like ours.
  await bareInventory(endpoints, credential);
  await clearCalls();

  // BENCH_EACH=n: n passes of each provider alone (the later passes show the JIT-warm cost per provider).
  for (let pass = 0; pass < Number(process.env.BENCH_EACH ?? 0); pass++) {
    for (const p of [aws, azure, gcp]) {
      const s0 = performance.now();
      const c0 = process.cpuUsage();
      const r = await createInventoryService({ providers: [p], clock: systemClock, ttlMs: 0 }).collect({});
      const c = process.cpuUsage(c0);
      process.stdout.write(`pass ${pass} ${p.id}: ${Math.round(performance.now() - s0)} ms wall, ${Math.round((c.user + c.system) / 1000)} ms cpu, ${r.instances.length} instances\n`);
    }
    await clearCalls();
  }
  // BENCH_ONLY=aws (or azure, gcp, or a comma list): time those providers only (a diagnostic, not the benchmark).
  const only = process.env.BENCH_ONLY?.split(',');
  const timed = [aws, azure, gcp].filter((p) => !only || only.includes(p.id));
  const { Session } = await import('node:inspector/promises');
  // BENCH_REPEAT pairs (default 3), each a bare run then ours, interleaved so that drift over the run (the other
  // core's load, the heap growing, JIT state) falls on both alike; the figures are the medians. Each run's calls
  // are handed to the mock's side (rates are judged over every run); the last of ours stays for the critical path.
  const pairs = Math.max(1, Number(process.env.BENCH_REPEAT ?? 3));
  const bares: ClientResult['bare'][] = [];
  const ours: { wallMs: number; cpuMs: number }[] = [];
  let report: Awaited<ReturnType<ReturnType<typeof createInventoryService>['collect']>> | undefined;
  for (let r = 0; r < pairs; r++) {
    // BENCH_PROFILE_BARE=<file>: a CPU profile of the last bare run (to set beside BENCH_PROFILE's of ours).
    const bareSession = process.env.BENCH_PROFILE_BARE && r === pairs - 1 ? new Session() : undefined;
    if (bareSession) {
      bareSession.connect();
      await bareSession.post('Profiler.enable');
      await bareSession.post('Profiler.start');
    }
    bares.push(await bareInventory(endpoints, credential));
    if (bareSession) writeFileSync(process.env.BENCH_PROFILE_BARE as string, JSON.stringify((await bareSession.post('Profiler.stop')).profile));
    await clearCalls('bare');
    const inventory = createInventoryService({ providers: timed, clock: systemClock, ttlMs: 0 });
    const session = process.env.BENCH_PROFILE && r === pairs - 1 ? new Session() : undefined;
    if (session) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    const cpu0 = process.cpuUsage();
    const started = performance.now();
    report = await inventory.collect({}, { refresh: true });
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpu0);
    ours.push({ wallMs, cpuMs: (cpu.user + cpu.system) / 1000 });
    if (session) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(process.env.BENCH_PROFILE as string, JSON.stringify(profile));
    }
    if (r < pairs - 1) await clearCalls('ours');
  }
  aws.close();
  await gcp.close();
  const mid = <T extends { wallMs: number }>(xs: T[]): T => [...xs].sort((a, b) => a.wallMs - b.wallMs)[Math.floor(xs.length / 2)] as T;
  const median = mid(ours);
  return {
    wallMs: median.wallMs,
    cpuMs: median.cpuMs,
    warmMs,
    instances: report!.instances.length,
    byProvider: Object.fromEntries(['aws', 'azure', 'gcp'].map((p) => [p, report!.instances.filter((i) => i.provider === p).length])),
    gaps: report!.gaps,
    bare: mid(bares),
    runs: { ours: ours.map((o) => Math.round(o.wallMs)), bare: bares.map((b) => Math.round(b.wallMs)) },
  };
}

/** Answers one HTTP request with msw's handlers: IncomingMessage → Fetch Request → getResponse → ServerResponse. */
function serveWithMsw(origin: () => string) {
  const handlers = [...awsHandlers, ...azureHandlers, ...gcpHandlers];
  return async (req: IncomingMessage, res: ServerResponse) => {
    const arrived = performance.now() - t0;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    headers.set(ARRIVED, String(arrived));
    const body = chunks.length ? Buffer.concat(chunks) : undefined;
    const request = new Request(`${origin()}${req.url}`, { method: req.method ?? 'GET', headers, ...(body && req.method !== 'GET' && req.method !== 'HEAD' ? { body } : {}) });
    const response = (await getResponse(handlers, request)) ?? new Response(`no handler for ${req.method} ${req.url}`, { status: 501 });
    const out = Buffer.from(await response.arrayBuffer());
    const h: Record<string, string> = {};
    response.headers.forEach((v, k) => (h[k] = v));
    h['content-length'] = String(out.length);
    res.writeHead(response.status, h);
    res.end(out);
  };
}

/** A throwaway self-signed certificate for 127.0.0.1 (the Azure SDK sends bearer tokens over https only). */
function selfSignedCert(dir: string): { key: string; cert: string; certPath: string } {
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyPath, '-out', certPath], { stdio: 'ignore' });
  return { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8'), certPath };
}

const listen = (server: Server) => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

/** Runs the adapters in a child process against the mock served from here; resolves with the child's result. */
async function runAgainstMockServer(): Promise<{ client: ClientResult; mockCpuMs: number }> {
  const certDir = mkdtempSync(join(tmpdir(), 'steward-bench-'));
  const { key, cert, certPath } = selfSignedCert(certDir);
  let httpPort = 0;
  let httpsPort = 0;
  const plain = createHttpServer({ keepAliveTimeout: 30_000 }, serveWithMsw(() => `http://127.0.0.1:${httpPort}`));
  const secure = createHttpsServer({ key, cert, keepAliveTimeout: 30_000 }, serveWithMsw(() => `https://127.0.0.1:${httpsPort}`));
  httpPort = await listen(plain);
  httpsPort = await listen(secure);
  const endpoints: Endpoints = { aws: `http://127.0.0.1:${httpPort}`, gcp: `http://127.0.0.1:${httpPort}`, azure: `https://127.0.0.1:${httpsPort}` };
  const child: ChildProcess = fork(process.argv[1] as string, process.argv.slice(2), {
    env: { ...process.env, BENCH_ROLE: 'client', BENCH_ENDPOINTS: JSON.stringify(endpoints), NODE_EXTRA_CA_CERTS: certPath },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let mockCpu0 = process.cpuUsage();
  const client = await new Promise<ClientResult>((resolve, reject) => {
    child.on('message', (m: { type: string; result?: ClientResult }) => {
      if (m.type === 'clear') {
        endRun((m as { was?: 'bare' | 'ours' }).was);
        plain.closeIdleConnections();
        secure.closeIdleConnections();
        mockCpu0 = process.cpuUsage();
        child.send({ type: 'cleared' });
      } else if (m.type === 'result') resolve(m.result as ClientResult);
    });
    child.on('exit', (code) => reject(new Error(`bench client exited with ${code}`)));
  });
  const mockCpu = process.cpuUsage(mockCpu0);
  child.kill();
  rmSync(certDir, { recursive: true, force: true });
  plain.close();
  secure.close();
  plain.closeAllConnections();
  secure.closeAllConnections();
  return { client, mockCpuMs: (mockCpu.user + mockCpu.system) / 1000 };
}

/** The forked child: runs the adapters, asks the parent to forget the warm-up calls, reports back. */
async function clientRole() {
  const endpoints = JSON.parse(process.env.BENCH_ENDPOINTS ?? '{}') as Endpoints;
  const clearCalls = (was?: 'bare' | 'ours') =>
    new Promise<void>((resolve) => {
      process.once('message', () => resolve());
      process.send?.({ type: 'clear', was });
    });
  const result = await runClient(endpoints, clearCalls);
  process.send?.({ type: 'result', result }, () => process.exit(0));
}

async function main() {
  let client: ClientResult;
  let mockCpuMs: number | undefined;
  if (MOCK === 'inprocess') {
    const { setupServer } = await import('msw/node');
    const server = setupServer(...awsHandlers, ...azureHandlers, ...gcpHandlers);
    server.listen({ onUnhandledRequest: 'error' });
    client = await runClient({}, async (was) => endRun(was));
    server.close();
  } else {
    ({ client, mockCpuMs } = await runAgainstMockServer());
  }
  const limits = {
    aws: { limit: AWS_RPS, windowMs: 1000 },
    azure: { limit: AZURE_RPS, windowMs: 1000 },
    gcp: { limit: GCP_RPM, windowMs: 60_000 },
  } as const;
  /** Per provider: the highest count of requests one scope sent in any window of its limit, ÷ the limit. */
  const rateRatios = (observed: Map<string, number[]>) => {
    const perScope = new Map<string, number[]>();
    for (const [key, times] of observed) {
      const [provider, scope] = key.split('|') as [string, string];
      perScope.set(`${provider}|${scope}`, [...(perScope.get(`${provider}|${scope}`) ?? []), ...times]);
    }
    const out: Record<string, number> = { aws: 0, azure: 0, gcp: 0 };
    for (const [key, times] of perScope) {
      const provider = key.split('|')[0] as keyof typeof limits;
      const { limit, windowMs } = limits[provider];
      out[provider] = Math.max(out[provider] ?? 0, Math.round((maxInWindow(times, windowMs) / limit) * 1000) / 1000);
    }
    return out;
  };
  // BENCH_TIMELINE=1: when each provider's requests arrived (s after the run's first request), ours and bare.
  if (process.env.BENCH_TIMELINE) {
    for (const [label, observed] of [['ours', calls], ['bare', bareCalls]] as const) {
      const all = [...observed.values()].flat();
      const start = Math.min(...all);
      const line = ['aws', 'azure', 'gcp'].map((p) => {
        const t = [...observed].filter(([k]) => k.startsWith(`${p}|`)).flatMap(([, v]) => v).map((x) => (x - start) / 1000).sort((a, b) => a - b);
        const q = (f: number) => (t[Math.min(t.length - 1, Math.floor(f * t.length))] ?? 0).toFixed(1);
        return `${p} n=${t.length} p10=${q(0.1)} p50=${q(0.5)} p90=${q(0.9)} last=${q(1)}`;
      });
      process.stdout.write(`timeline ${label}: ${line.join(' | ')}\n`);
    }
  }
  /** Per provider, the highest ratio over several runs. */
  const worst = (runs: Map<string, number[]>[]) =>
    runs.map(rateRatios).reduce((acc, r) => Object.fromEntries(Object.keys(acc).map((p) => [p, Math.max(acc[p] ?? 0, r[p] ?? 0)])), { aws: 0, azure: 0, gcp: 0 } as Record<string, number>);
  // Every timed run of ours (the last one's calls are still in `calls`) and every bare run.
  const oursRates = worst([...timedRuns.ours, calls]);
  const bareRates = worst(timedRuns.bare.length ? timedRuns.bare : [bareCalls]);

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
  rateRatio = Math.max(...Object.values(oursRates));
  const longestChain = Math.max(...chainByScope.values());
  const floorMs = longestChain * LATENCY_MS;
  const totalCalls = [...calls.values()].reduce((n, t) => n + t.length, 0);

  process.stdout.write(
    `mock ${MOCK}, instances ${client.instances} ${JSON.stringify(client.byProvider)}, gaps ${client.gaps.length}, calls ${totalCalls}, scopes ${perScope.size}, ` +
      `longest chain ${longestChain} calls, warm-up ${Math.round(client.warmMs)} ms\n`,
  );
  if (client.gaps.length) process.stdout.write(`gaps: ${JSON.stringify(client.gaps.slice(0, 3))}\n`);
  const result = {
    wall_ms: Math.round(client.wallMs),
    floor_ms: floorMs,
    ratio: Math.round((client.wallMs / floorMs) * 1000) / 1000,
    max_rate_ratio: Math.round(rateRatio * 1000) / 1000,
    // The demand: the same ratio for the bare run, which has no limiter. Above 1, the limiter bound.
    bare_max_rate_ratio: Math.max(...Object.values(bareRates)),
    limiter_binds: Math.max(...Object.values(bareRates)) > 1,
    rate_ratio_by_provider: Object.fromEntries(Object.keys(limits).map((p) => [p, { ours: oursRates[p], bare: bareRates[p] }])),
    rate_limits: { aws_rps: AWS_RPS, azure_rps: AZURE_RPS, gcp_rpm: GCP_RPM },
    bare_ms: Math.round(client.bare.wallMs),
    // wall_ms and bare_ms are the medians of BENCH_REPEAT interleaved pairs; every run's wall time, in order:
    runs_ms: client.runs,
    ratio_vs_bare: Math.round((client.wallMs / client.bare.wallMs) * 1000) / 1000,
    cpu_floor_ms: Math.round(client.bare.cpuMs / cpus().length),
    bare_cpu_ms: Math.round(client.bare.cpuMs),
    bare_items: client.bare.items,
    load: loadavg().map((l) => Math.round(l * 100) / 100),
    cpu_ms: Math.round(client.cpuMs),
    ...(mockCpuMs !== undefined ? { mock_cpu_ms: Math.round(mockCpuMs) } : {}),
    mock: MOCK,
    latency_ms: LATENCY_MS,
    providers: 3,
    scopes_per_provider: SCOPES,
    pages_per_list: PAGES,
    page_sizes: { aws: AWS_PAGE, gcp: GCP_PAGE, azure: PER_PAGE },
    instances: client.instances,
    calls: totalCalls,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

void (ROLE === 'client' ? clientRole() : main()).catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
