/**
 * The composition root: config → database → providers → domain services → command layer → surfaces.
 * The only file that sees every room.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
// Only what `steward help`, `--version` and a usage error need is imported here: the command list, the command
// runtime and the CLI. The database drivers, the HTTP server, the console, charts, pricing and every cloud SDK are
// imported when they are first needed (bootstrap / startServer), so the CLI answers those at once (issue 12).
import { actions, commands } from '../commands/index.js';
import type { Config } from './config.js';
import type { Dispatcher } from './core/dispatch.js';
import type { NotifierHub } from './core/notifier.js';
import { answerableLocally, createLocalDispatcher } from './core/preflight.js';
import { createRegistry } from './core/registry.js';
import type { Services } from './core/services.js';
import type { ApprovalService } from './domain/approvals/approval.service.js';
import type { CardRefresher } from './domain/approvals/card-refresh.js';
import type { Policy } from './domain/approvals/policy.js';
import type { CloudProvider } from './domain/ports/cloud-provider.port.js';
import { systemClock, type Clock } from './domain/ports/clock.port.js';
import { newCorrelationId, withCorrelation } from './lib/correlation.js';
import { createLogger, silentLogger, type Logger } from './lib/logger.js';
import type { Metrics } from './lib/metrics.js';
import { fromRoot } from './lib/paths.js';
import type { Database } from './persistence/db.js';
import { acquireDataDirLock, lockHolder, type DataDirLock } from './persistence/lock.js';
// Cloud adapters and chat surfaces are loaded only when configured (their SDKs take seconds to import).
import type { AwsProviderDeps } from './providers/aws/index.js';
import type { AzureProviderDeps } from './providers/azure/index.js';
import type { GcpProviderDeps } from './providers/gcp/index.js';
import type { DigestScheduler } from './scheduler/digest-scheduler.js';
import { CLI_USAGE, forwardToServer, runCliCommand } from './surfaces/cli/cli.js';
import type { SlackSurface } from './surfaces/slack/index.js';
import type { TeamsSurface } from './surfaces/teams/index.js';
import type { HealthWatch } from './domain/health/watch.service.js';
import type { HealthSource } from './domain/ports/health-source.port.js';
import type { HealthScheduler } from './scheduler/health-scheduler.js';

export interface App {
  config: Config;
  log: Logger;
  /** Prometheus metrics of this process (/metrics). */
  metrics: Metrics;
  /** Who this process is in claims and execution ownership: host, pid and a random part. */
  owner: string;
  database: Database;
  services: Services;
  dispatcher: Dispatcher;
  notifiers: NotifierHub;
  approvals: ApprovalService;
  /** Proposal cards this process could not update, recorded for one that can; drained by the server's sweep. */
  cards: CardRefresher;
  close(): Promise<void>;
}

/** The approvals policy file, or the built-in defaults (docs/approvals.md). */
async function loadPolicy(config: Config): Promise<Policy> {
  const { defaultPolicy, parsePolicy } = await import('./domain/approvals/policy.js');
  const { readStructuredFile } = await import('./lib/structured-file.js');
  const file = config.approvals.policyFile;
  if (!file) return defaultPolicy({ embedded: config.database.kind === 'pglite' });
  try {
    return parsePolicy(readStructuredFile(file), file);
  } catch (err) {
    const { ConfigError } = await import('./config.js');
    throw new ConfigError([`STEWARD_POLICY_FILE: ${(err as Error).message}`]);
  }
}

/**
 * Expires overdue proposals, takes over executions whose process stopped (rolling them back), starts approved
 * proposals nobody started and updates the proposal cards other processes could not: once at start, then every 30 s. With the embedded database this process holds the
 * data folder alone, so at start every unfinished execution is abandoned; with PostgreSQL one is abandoned once
 * its owner has been silent for STEWARD_EXECUTION_STALE_SECONDS.
 */
function startApprovalsSweeper(app: App, clock: Clock): () => void {
  // Each sweep is an invocation of its own: its recoveries' log lines and audit rows share one correlation id.
  const sweep = (atStart: boolean) => withCorrelation(newCorrelationId(), () => sweepOnce(atStart));
  const sweepOnce = async (atStart: boolean) => {
    const embeddedStart = atStart && app.database.kind === 'pglite';
    const staleBefore = new Date(clock.now().getTime() + (embeddedStart ? 1000 : -app.config.approvals.staleAfterMs));
    try {
      const r = await app.approvals.sweep({ staleBefore });
      if (r.expired || r.recovered.length || r.started) app.log.info({ expired: r.expired, recovered: r.recovered, started: r.started }, 'approvals sweep');
    } catch (err) {
      app.log.error({ err }, 'approvals sweep failed');
    }
    // Cards a process without this surface (a CLI, another replica) or a failed send left stale (issue 9).
    try {
      await app.cards.drain();
    } catch (err) {
      app.log.error({ err }, 'card refresh failed');
    }
  };
  let running = sweep(true);
  const timer = setInterval(() => {
    running = running.then(() => sweep(false));
  }, 30_000);
  timer.unref();
  return () => clearInterval(timer);
}

/** Builds everything but the transports. Used by the server, the CLI and the tests. */
/** What tests inject into the cloud adapters (credentials, fast retries); production uses each SDK's default chain. */
export interface ProviderDeps {
  aws?: AwsProviderDeps;
  azure?: AzureProviderDeps;
  gcp?: GcpProviderDeps;
}

/** Everything bootstrap needs but the database driver (which it imports alongside, to open the database meanwhile). */
function loadBootstrapModules() {
  return Promise.all([
    import('../commands/proposal-format.js'),
    import('./domain/approvals/card-refresh.js'),
    import('./persistence/card-refresh-store.js'),
    import('./core/delivery.js'),
    import('../commands/proposals-api.js'),
    import('./core/dispatch.js'),
    import('./core/notifier.js'),
    import('./domain/approvals/approval.service.js'),
    import('./domain/approvals/policy.js'),
    import('./domain/inventory/inventory.service.js'),
    import('./domain/security/posture.service.js'),
    import('./domain/plans/execute-plan.js'),
    import('./domain/optimizer/settings.js'),
    import('./persistence/estate-store.js'),
    import('./persistence/digest-store.js'),
    import('./persistence/proposal-store.js'),
    import('./pricing/catalog.js'),
    import('./providers/demo/index.js'),
    import('./charts/trend-chart.js'),
    import('./solvers/highs.solver.js'),
    import('./workers/planning-pool.js'),
    import('./persistence/health-store.js'),
    import('./providers/demo/health.js'),
    import('./domain/health/watch.service.js'),
    import('./domain/health/planner.js'),
    import('./lib/metrics.js'),
    import('./core/instrument-provider.js'),
    import('./persistence/metrics-queries.js'),
  ]);
}

export async function bootstrap(config: Config, opts: { log?: Logger; clock?: Clock; providerDeps?: ProviderDeps } = {}): Promise<App> {
  const log = opts.log ?? createLogger({ level: config.logLevel });
  const clock = opts.clock ?? systemClock;
  // The database opens while the rest of the modules load: PGlite compiles its wasm off the main thread and the
  // two overlap on a 2-core machine (issue 12: start). Awaited below; closed again if the imports fail.
  const opening = import('./persistence/db.js').then(({ openDatabase }) => openDatabase(config.database));
  opening.catch(() => undefined);
  let modules: Awaited<ReturnType<typeof loadBootstrapModules>>;
  try {
    modules = await loadBootstrapModules();
  } catch (err) {
    await opening.then((d) => d.close(), () => undefined);
    throw err;
  }
  const [
    { progressToStoredMessages, proposalCard },
    { createCardRefresher },
    { createCardRefreshStore },
    { isTransientSendFailure },
    { createProposalsApi },
    { createDispatcher },
    { createNotifierHub },
    { createApprovalService },
    { createPolicyAuthorizer },
    { createInventoryService },
    { createPostureService },
    { createPlanExecutor },
    { DEFAULT_SETTINGS },
    { createEstateStore },
    { createDigestStore, createRunClaims },
    { createProposalStore },
    { loadPriceCatalog },
    { createDemoProvider },
    { createTrendChartRenderer },
    { createHighsSolver },
    { createPlanningPool },
    { createHealthStore },
    { createDemoHealth },
    { createHealthWatch },
    { createWatchPlanner },
    { createMetrics },
    { instrumentProvider },
    { createMetricsQueries },
  ] = modules;
  const metrics = createMetrics();
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const database = await opening;
  try {
    metrics.setSources(createMetricsQueries(database.db));
    const catalog = loadPriceCatalog(config.pricesCsv ? { pricesCsv: config.pricesCsv } : {});
    const providers: CloudProvider[] = [];
    // Every adapter is counted and timed the same way (steward_provider_calls_total), the demo estate included.
    const measured = <P extends CloudProvider>(p: P): P => instrumentProvider(p, { metrics, log });
    const closers: (() => unknown)[] = [];
    let demo: ReturnType<typeof createDemoProvider> | undefined;
    let demoHealth: ReturnType<typeof createDemoHealth> | undefined;
    const healthSources: HealthSource[] = [];
    for (const id of config.providers) {
      if (id === 'demo') {
        demo = createDemoProvider({ store: createEstateStore(database.db), catalog, estateFile: config.demo.estateFile, seed: config.demo.seed, instances: config.demo.instances });
        const estate = await demo.ensureEstate();
        log.info({ ...estate }, estate.created ? 'demo estate created' : 'demo estate loaded');
        providers.push(measured(demo));
        demoHealth = createDemoHealth(createEstateStore(database.db), { intervalMs: config.watch.demoIntervalMs, holdMs: config.watch.demoHoldMs });
        healthSources.push(demoHealth.source);
      } else if (id === 'aws') {
        const { createAwsProvider } = await import('./providers/aws/index.js');
        const aws = createAwsProvider(
          { regions: config.aws.regions, catalog, requestsPerSecond: config.aws.requestsPerSecond, concurrency: config.aws.concurrency },
          { ...(config.aws.endpoint ? { endpoint: config.aws.endpoint } : {}), ...opts.providerDeps?.aws },
        );
        closers.push(() => aws.close());
        providers.push(measured(aws));
        if (config.watch.enabled) {
          const { createAwsHealthSource } = await import('./providers/aws/health.js');
          // A quarter of the adapter's request rate: the watch never starves inventory and plans.
          const h = createAwsHealthSource({ regions: config.aws.regions, intervalMs: config.watch.intervalMs, requestsPerSecond: Math.max(1, Math.floor(config.aws.requestsPerSecond / 4)) }, opts.providerDeps?.aws);
          closers.push(() => h.close());
          healthSources.push(h);
        }
      } else if (id === 'azure') {
        const { createAzureProvider } = await import('./providers/azure/index.js');
        providers.push(
          measured(
            createAzureProvider(
              { subscriptionIds: config.azure.subscriptionIds, catalog, requestsPerSecond: config.azure.requestsPerSecond, concurrency: config.azure.concurrency, subnets: config.azure.subnets },
              { ...azureEndpoint(config.azure), ...opts.providerDeps?.azure },
            ),
          ),
        );
        if (config.watch.enabled) {
          const { createAzureHealthSource } = await import('./providers/azure/health.js');
          healthSources.push(createAzureHealthSource({ subscriptionIds: config.azure.subscriptionIds, intervalMs: config.watch.intervalMs, requestsPerSecond: Math.max(1, Math.floor(config.azure.requestsPerSecond / 4)) }, opts.providerDeps?.azure));
        }
      } else {
        const { createGcpProvider } = await import('./providers/gcp/index.js');
        const gcp = createGcpProvider(
          { projectIds: config.gcp.projectIds, catalog, requestsPerMinute: config.gcp.requestsPerMinute, concurrency: config.gcp.concurrency },
          { ...(config.gcp.endpoint ? { endpoint: config.gcp.endpoint } : {}), ...opts.providerDeps?.gcp },
        );
        closers.push(() => gcp.close());
        providers.push(measured(gcp));
        if (config.watch.enabled) {
          const { createGcpHealthSource } = await import('./providers/gcp/health.js');
          const h = createGcpHealthSource({ projectIds: config.gcp.projectIds, intervalMs: config.watch.intervalMs, requestsPerMinute: Math.max(6, Math.floor(config.gcp.requestsPerMinute / 4)) }, opts.providerDeps?.gcp);
          closers.push(() => h.close());
          healthSources.push(h);
        }
      }
    }
    // Optimize, failover and digest building run in worker threads (started on first use), so no surface waits
    // behind a plan; STEWARD_PLANNING_WORKERS=0 keeps them on the main thread.
    const planner =
      config.planning.workers === 0 ? undefined : createPlanningPool({ ...(config.planning.workers ? { size: config.planning.workers } : {}), timeLimitMs: config.planning.timeLimitMs });
    if (planner) closers.push(() => planner.close());
    const inventory = createInventoryService({ providers, clock, ttlMs: config.inventoryTtlMs });
    // A proposal card this process cannot update (its surface does not run here, or the send failed for now) is
    // recorded for a process that can: a server with that surface drains it on its sweep (issue 9).
    let cards: CardRefresher | undefined;
    const notifiers = createNotifierHub([], {
      onUndelivered: async (ref, reply, err) => {
        if (!reply.cardOf || !cards) return;
        if (err !== undefined && !isTransientSendFailure(err)) return;
        if (await cards.enqueue(reply.cardOf, ref)) log.debug({ proposalId: reply.cardOf, surface: ref.surface, why: err === undefined ? 'surface not running here' : 'send failed' }, 'proposal card queued for a process that can update it');
      },
    });
    const policy = await loadPolicy(config);
    // The drift check re-reads health right before a plan runs (bound once the watch exists, below).
    let watch: HealthWatch | undefined;
    const executor = createPlanExecutor({
      preflight: (plan) => (watch ? watch.preflight(plan) : Promise.resolve(undefined)),
      store: createProposalStore(database.db),
      providerFor: (cloud) => inventory.providerFor(cloud),
      invalidate: () => inventory.invalidate(),
      clock,
      owner,
      log: log.child({ area: 'executor' }),
    });
    const approvals = createApprovalService({
      store: createProposalStore(database.db),
      policy,
      clock,
      executor,
      permissionsFor: (step) => inventory.providerFor(step.kind === 'create' ? step.placement.provider : step.target.provider).permissionsFor(step),
      progress: progressToStoredMessages((ref, r) => notifiers.update(ref, r)),
      log: log.child({ area: 'approvals' }),
    });
    log.info({ policy: policy.source, bindings: policy.bindings.length }, 'approvals policy loaded');
    cards = createCardRefresher({
      queue: createCardRefreshStore(database.db),
      owner,
      clock,
      load: (id) => approvals.get(id),
      // The current card, as `proposal <id>` and the decision path render it.
      render: ({ proposal, execution }) => proposalCard(proposal, { awaiting: approvals.awaiting(proposal), ...(execution ? { execution } : {}) }),
      update: (ref, card) => notifiers.tryUpdate(ref, card),
      surfaces: () => notifiers.surfaces(),
      log: log.child({ area: 'cards' }),
    });
    const o = config.optimizer;
    const services: Services = {
      inventory,
      catalog,
      ...(planner ? { planner } : {}),
      optimizer: {
        settings: {
          ...DEFAULT_SETTINGS,
          headroom: o.headroomPct / 100,
          lookbackDays: o.lookbackDays,
          idleCpuPct: o.idleCpuPct,
          idleDays: o.idleDays,
          quotas: o.quotas,
          ...(o.providers.length ? { allowedProviders: o.providers } : {}),
          ...(o.maxMoves !== undefined ? { maxMoves: o.maxMoves } : {}),
          egressUsdPerGiB: o.egressUsdPerGiB,
          riskUsd: o.riskUsd,
          amortizeMonths: o.amortizeMonths,
          highsTimeLimitMs: o.highsTimeLimitMs,
        },
        highs: createHighsSolver(),
      },
      ...(demo
        ? {
            demo: {
              reset: (o) => demo.reset(o),
              describe: () => demo.describeEstate(),
              ...(demoHealth ? { health: demoHealth.control } : {}),
            },
          }
        : {}),
      approvals,
      proposals: createProposalsApi(approvals),
      posture: createPostureService({ providers: () => inventory.providers(), clock, ttlMs: config.inventoryTtlMs }),
      digests: {
        store: createDigestStore(database.db),
        runs: createRunClaims(database.db),
        charts: createTrendChartRenderer(),
        anomaly: config.digests.anomaly,
        seedHistory: !!demo,
      },
    };
    if (config.watch.enabled && healthSources.length) {
      const healthStore = createHealthStore(database.db);
      const optimizer = services.optimizer;
      watch = createHealthWatch({
        sources: healthSources,
        store: healthStore,
        claims: createRunClaims(database.db),
        proposals: createProposalStore(database.db),
        approvals,
        planner: createWatchPlanner({
          inventory,
          catalog,
          settings: () => ({ ...(optimizer?.settings ?? DEFAULT_SETTINGS), allowedProviders: [...new Set(inventory.providers().flatMap((p) => p.clouds))] }),
          ...(optimizer?.highs ? { highs: optimizer.highs } : {}),
        }),
        inventory,
        clock,
        owner,
        settings: { holdMs: config.watch.holdMs, confirmInstances: config.watch.confirmInstances, failoverExpiryMs: config.watch.failoverExpiryMs },
        log,
      });
      services.health = { watch, store: healthStore };
    }
    const registry = createRegistry(commands, actions);
    const dispatcher = createDispatcher({
      registry,
      services,
      clock,
      log,
      notifiers,
      authorizer: createPolicyAuthorizer(policy),
      metrics,
      onCardPosted: async (id, ref) => void (await approvals.addMessage(id, ref)),
    });
    return {
      config,
      log,
      metrics,
      owner,
      database,
      services,
      dispatcher,
      notifiers,
      approvals,
      cards,
      close: async () => {
        // Executions started here finish first (the CLI's `approve` returns before its plan has run).
        await approvals.idle();
        await Promise.all(closers.map(async (c) => c()));
        await database.close();
      },
    };
  } catch (err) {
    await database.close().catch(() => undefined);
    throw err;
  }
}

/** `npm start`: the HTTP server with probes, the console (embedded mode), Slack and Teams when configured. */
export async function startServer(config: Config, opts: { log?: Logger } = {}) {
  const started = performance.now();
  const log = opts.log ?? createLogger({ level: config.logLevel });
  let lock: DataDirLock | undefined;
  if (config.database.kind === 'pglite') lock = acquireDataDirLock(config.database.dataDir);
  // The HTTP server and the console load while bootstrap waits on the database.
  const surfaceModules = Promise.all([
    import('./server/http.js'),
    import('./surfaces/console/router.js'),
    import('./persistence/conversation-store.js'),
    import('./server/console-guard.js'),
    import('./persistence/delivery-claims.js'),
    import('./server/metrics.js'),
  ]);
  surfaceModules.catch(() => undefined);
  let app: App;
  try {
    app = await bootstrap(config, { log });
  } catch (err) {
    lock?.release();
    throw err;
  }
  const [{ createHttpServer }, { createConsoleSurface }, { createConversationStore }, { createConsoleGuard, describeConsoleAccess }, { createDeliveryClaims }, { metricsHandler, createMetricsServer }] = await surfaceModules;
  const http = createHttpServer({ log, ready: () => app.database.ping() });
  app.metrics.enableProcessMetrics();
  // /metrics: on its own port when STEWARD_METRICS_PORT is set (what the k8s manifests do), else here, ahead of
  // the console and its guard (a scraper carries no console token).
  const metricsServer = config.metrics.port !== undefined ? createMetricsServer({ metrics: app.metrics, log }) : undefined;
  if (!metricsServer) http.app.get('/metrics', metricsHandler(app.metrics, log));
  // Chat retries are deduped in the database, so a retry that reaches another replica is refused there too.
  const deliveryClaims = createDeliveryClaims(app.database.db, { owner: app.owner });
  const DELIVERY_TTL_MS = 60 * 60 * 1000;
  const sharedClaim = (surface: 'slack' | 'teams') => async (key: string) => {
    const won = await deliveryClaims.claim(`${surface}:${key}`, { surface, ttlMs: DELIVERY_TTL_MS });
    if (!won) app.metrics.deliveryRepeats.inc({ surface });
    return won;
  };
  let teams: TeamsSurface | undefined;
  if (config.teams) {
    const { createTeamsSurface } = await import('./surfaces/teams/index.js');
    const t = config.teams;
    teams = createTeamsSurface({
      dispatcher: app.dispatcher,
      log,
      auth: { appId: t.appId, appType: t.appType, tenantId: t.tenantId, password: t.password, certificate: t.certificate, openIdMetadataUrl: t.openIdMetadataUrl },
      allowedTenants: t.allowedTenants,
      conversations: createConversationStore(app.database.db),
      dedupe: { claim: sharedClaim('teams') },
      consoleUrl: config.console && config.http.publicUrl ? new URL('/', config.http.publicUrl).toString() : undefined,
    });
    app.notifiers.register(teams.notifier);
    http.app.use(teams.router);
  }
  log.info({ console: config.console ? (config.consoleToken ? 'token' : 'loopback') : 'off' }, describeConsoleAccess({ enabled: config.console, token: config.consoleToken, host: config.http.host, embedded: config.database.kind === 'pglite' }));
  if (config.console) {
    http.app.use(createConsoleGuard({ token: config.consoleToken }).router);
    const consoleSurface = createConsoleSurface({ dispatcher: app.dispatcher, log });
    app.notifiers.register(consoleSurface.notifier);
    http.app.use(consoleSurface.router);
  } else {
    http.app.get('/', (_req, res) => {
      res.json({ service: 'steward', console: 'off (STEWARD_CONSOLE=on to enable)' });
    });
  }
  // A CLI run while this server holds the embedded database forwards here, keeping its cli: identity (link.ts).
  let cliSecret: import('./surfaces/cli/link.js').CliSecret | undefined;
  if (config.database.kind === 'pglite' && !config.database.dataDir.startsWith('memory://')) {
    const { createCliForwardRouter, createCliSecret } = await import('./surfaces/cli/link.js');
    cliSecret = createCliSecret(config.database.dataDir);
    http.app.use(createCliForwardRouter({ dispatcher: app.dispatcher, secret: cliSecret.secret }));
  }
  let slack: SlackSurface | undefined;
  if (config.slack) {
    const { createSlackSurface, isSlackResponseUrl, sharedDeliveryDedupe } = await import('./surfaces/slack/index.js');
    const { apiUrl, ...slackConfig } = config.slack;
    // SLACK_API_URL (an egress proxy in front of Slack): the Web API goes there, and response_url posts may too.
    const apiOrigin = apiUrl ? new URL(apiUrl).origin : undefined;
    slack = createSlackSurface({
      dispatcher: app.dispatcher,
      log,
      ...slackConfig,
      ...(apiUrl ? { clientOptions: { slackApiUrl: apiUrl }, allowResponseUrl: (u: string) => isSlackResponseUrl(u) || originOf(u) === apiOrigin } : {}),
      dedupe: sharedDeliveryDedupe(sharedClaim('slack'), { onError: (err) => log.warn({ err: { message: (err as Error).message } }, 'slack delivery claim failed; deduping in this process only') }),
    });
    app.notifiers.register(slack.notifier);
    if (slack.http) http.mountRaw(slack.http.path, slack.http.listener);
  }
  let address: { url: string; port: number };
  let metricsUrl: string | undefined;
  try {
    await slack?.start();
    address = await http.listen(config.http.port, config.http.host);
    if (metricsServer) metricsUrl = (await metricsServer.listen(config.metrics.port as number, config.http.host)).url;
  } catch (err) {
    await http.close(0).catch(() => undefined);
    await metricsServer?.close().catch(() => undefined);
    await slack?.stop(0).catch(() => undefined);
    await app.close();
    cliSecret?.release();
    lock?.release();
    throw err;
  }
  lock?.setUrl(address.url);
  const stopSweeper = startApprovalsSweeper(app, systemClock);
  // Digests: started once the server answers; node-cron and the claims are loaded only when the scheduler is on.
  let scheduler: DigestScheduler | undefined;
  const digests = app.services.digests;
  if (config.digests.scheduler && digests) {
    const { createDigestScheduler } = await import('./scheduler/digest-scheduler.js');
    scheduler = createDigestScheduler({
      dispatcher: app.dispatcher,
      post: countedPost(app, 'digest'),
      subscriptions: () => digests.store.subscriptions(),
      claims: digests.runs,
      now: () => new Date(),
      log,
      owner: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    });
    void scheduler.start();
  }
  // The health watch: polls on each source's interval, proposes by itself (docs/health.md).
  let healthScheduler: HealthScheduler | undefined;
  if (app.services.health) {
    const { createHealthScheduler } = await import('./scheduler/health-scheduler.js');
    const tickMs = Math.max(1000, Math.min(...app.services.health.watch.sources.map((s) => s.intervalMs)));
    healthScheduler = createHealthScheduler({ dispatcher: app.dispatcher, post: countedPost(app, 'watch'), tickMs, log });
    healthScheduler.start();
  }
  const readyMs = Math.round(performance.now() - started);
  log.info({ url: address.url, metrics: metricsUrl ? `${metricsUrl}/metrics` : '/metrics', database: app.database.describe, providers: config.providers, console: config.console, slack: slack?.mode ?? 'off', teams: teams ? teams.path : 'off', readyMs }, 'steward ready');

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      log.info('shutting down');
      await http.close();
      await metricsServer?.close();
      stopSweeper();
      await scheduler?.stop();
      await healthScheduler?.stop();
      await slack?.stop();
      await teams?.stop();
      await app.close();
      cliSecret?.release();
      lock?.release();
      log.info('stopped');
    })());
  return { url: address.url, port: address.port, metricsUrl: `${metricsUrl ?? address.url}/metrics`, app, readyMs, stop };
}

const originOf = (u: string): string | undefined => {
  try {
    return new URL(u).origin;
  } catch {
    return undefined;
  }
};

/** A scheduler's post, counted for /metrics (steward_digest_posts_total, steward_watch_posts_total). */
function countedPost(app: App, what: 'digest' | 'watch'): NotifierHub['post'] {
  const counter = what === 'digest' ? app.metrics.digestPosts : app.metrics.watchPosts;
  return async (target, reply) => {
    try {
      const ref = await app.notifiers.post(target, reply);
      counter.inc({ surface: target.surface, outcome: ref ? 'posted' : 'no_surface' });
      return ref;
    } catch (err) {
      counter.inc({ surface: target.surface, outcome: 'failed' });
      throw err;
    }
  };
}

function printConfigError(err: unknown, ConfigError: typeof import('./config.js').ConfigError): never {
  if (err instanceof ConfigError) {
    process.stderr.write(err.message + '\n');
    process.exit(78);
  }
  throw err;
}

async function mainServer(): Promise<void> {
  const { ConfigError, loadConfig } = await import('./config.js');
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    printConfigError(err, ConfigError);
  }
  const server = await startServer(config).catch((err: unknown) => {
    if (err instanceof ConfigError) printConfigError(err, ConfigError);
    process.stderr.write(`Steward could not start: ${(err as Error).message}\n`);
    process.exit(1);
  });
  process.stdout.write(`\nSteward is running: open ${server.url}/ for the console (ready in ${server.readyMs} ms; Ctrl+C stops it).\n\n`);
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    if (++signals > 1) process.exit(130);
    server.app.log.info({ signal: sig }, 'signal received');
    void server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/**
 * Resource Manager endpoints of the sovereign clouds and the token audience each takes (az cloud show); a private
 * link or proxy in front of the public cloud keeps the public audience unless AZURE_RESOURCE_MANAGER_AUDIENCE says.
 */
const ARM_AUDIENCES: Record<string, string> = {
  'management.usgovcloudapi.net': 'https://management.core.usgovcloudapi.net/',
  'management.chinacloudapi.cn': 'https://management.core.chinacloudapi.cn/',
};

function azureEndpoint(c: Config['azure']): AzureProviderDeps {
  if (!c.endpoint) return {};
  const audience = c.audience ?? ARM_AUDIENCES[new URL(c.endpoint).hostname] ?? 'https://management.azure.com/';
  return { endpoint: c.endpoint, credentialScope: `${audience.replace(/\/$/, '')}/.default` };
}

/** `steward <command> …` (package.json bin). */
export async function mainCli(argv: string[]): Promise<number> {
  const io = { stdout: (s: string) => process.stdout.write(s), stderr: (s: string) => process.stderr.write(s) };
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
    io.stdout(CLI_USAGE + '\n');
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === '--version' || argv[0] === '-V') {
    io.stdout(`steward ${packageVersion()}\n`);
    return 0;
  }
  // `help`, `<command> --help`, an unknown command and a usage error: answered from the command list, without
  // reading the configuration, opening the database or loading a cloud SDK.
  const registry = createRegistry(commands, actions);
  if (answerableLocally(registry, argv)) {
    const local = createLocalDispatcher({ registry, clock: systemClock, log: silentLogger() });
    return runCliCommand(local, argv, io);
  }
  const { ConfigError, loadConfig } = await import('./config.js');
  let config: Config;
  try {
    config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
    // Node 20 is Steward's floor (DESIGN §7); the AWS SDK's notice that its 2027 releases need Node 22 would be
    // printed above every CLI answer that reads AWS. The server still logs it (it is for whoever runs Steward).
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(err.message + '\n');
      return 78;
    }
    throw err;
  }
  if (config.database.kind === 'pglite') {
    const holder = lockHolder(config.database.dataDir);
    if (holder?.url) {
      // Keeps the cli: identity only with the server's secret, which only the account that runs it can read.
      const { readCliSecret } = await import('./surfaces/cli/link.js');
      const link = readCliSecret(config.database.dataDir);
      if (!link.ok) {
        io.stderr(`steward: a Steward server (pid ${holder.pid}) holds the embedded database, but ${link.reason}.\n`);
        return 3;
      }
      return forwardToServer(holder.url, argv, io, config.consoleToken, { secret: link.secret });
    }
  }
  let lock: DataDirLock | undefined;
  try {
    if (config.database.kind === 'pglite') lock = acquireDataDirLock(config.database.dataDir);
    // Logs go to stderr so stdout stays clean for --json.
    const log = config.logLevel === 'silent' ? silentLogger() : createLogger({ level: config.logLevel, destination: process.stderr });
    const app = await bootstrap(config, { log });
    try {
      return await runCliCommand(app.dispatcher, argv, io);
    } finally {
      await app.close();
    }
  } catch (err) {
    io.stderr(`steward: ${(err as Error).message}\n`);
    return 1;
  } finally {
    lock?.release();
  }
}

/** The version in package.json (`steward --version`). */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as { version: string }).version;
}

function isEntry(): boolean {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) void mainServer();
