import { z } from 'zod';

/**
 * Every setting comes from the environment, validated here once at start. `.env.example` lists each
 * variable with its default and meaning (a test keeps the two in step).
 */
const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { message: 'expected true or false' })
    .default(def ? 'true' : 'false')
    .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

const list = z
  .string()
  .default('')
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));

const int = (def: number, min: number, max: number) =>
  z.coerce.number({ message: 'expected a whole number' }).int('expected a whole number').min(min).max(max).default(def);

const guid = (message: string) => z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, message);

/** `region=value` pairs, comma separated (AZURE_SUBNET_IDS=westeurope=/subscriptions/…/subnets/app,…). */
const regionMap = z
  .string()
  .default('')
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^[a-z0-9-]+=\S+$/, 'expected a comma list of region=<subnet resource id>')))
  .transform((pairs) => Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)])) as Record<string, string>);

/** An AWS region code: `eu-west-1`, `us-gov-west-1`, `ap-southeast-4`, `us-isob-east-1`. */
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** What the person probably meant by a region that is not one ("eu-west1" → "eu-west-1", "EU_WEST_1" → "eu-west-1"). */
export function suggestAwsRegion(given: string): string | undefined {
  const fixed = given
    .trim()
    .toLowerCase()
    .replace(/[_\s]+/g, '-')
    .replace(/([a-z])(\d+)$/, '$1-$2')
    .replace(/-+/g, '-');
  return fixed !== given && AWS_REGION.test(fixed) ? fixed : undefined;
}

const awsRegions = list.superRefine((regions, ctx) => {
  for (const r of regions) {
    if (AWS_REGION.test(r)) continue;
    const hint = suggestAwsRegion(r);
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(r)} is not an AWS region code${hint ? `; did you mean ${hint}?` : ' (expected a comma list such as us-east-1,eu-west-1)'}` });
  }
});

export const ENV_SCHEMA = {
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PORT: int(3000, 0, 65535),
  HOST: z.string().min(1).default('127.0.0.1'),
  STEWARD_METRICS_PORT: z.coerce.number({ message: 'expected a port number' }).int('expected a port number').min(0).max(65535).optional(),
  PUBLIC_URL: z.url({ message: 'expected an absolute URL such as https://steward.example.com' }).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// connection string')
    .optional(),
  STEWARD_DATA_DIR: z.string().min(1).default('./.steward'),
  STEWARD_PROVIDERS: z
    .string()
    .default('demo')
    .transform((v) => v.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean))
    .pipe(z.array(z.enum(['demo', 'aws', 'azure', 'gcp'], { message: 'expected a comma list of demo, aws, azure, gcp' })).min(1)),
  STEWARD_DEMO_ESTATE: z.string().min(1).optional(),
  STEWARD_DEMO_SEED: int(42, 0, 2 ** 31 - 1),
  STEWARD_DEMO_INSTANCES: int(60, 1, 20000),
  STEWARD_CONSOLE: z.enum(['auto', 'on', 'off'], { message: 'expected auto, on or off' }).default('auto'),
  STEWARD_CONSOLE_TOKEN: z.string().min(16, 'expected a random token of at least 16 characters (e.g. openssl rand -hex 24)').optional(),
  STEWARD_INVENTORY_TTL_SECONDS: int(300, 0, 86400),
  // Planning threads (optimize, failover, digests): -1 = cores − 1 (at least 1); 0 = on the main thread.
  STEWARD_PLANNING_WORKERS: int(-1, -1, 64),
  STEWARD_PLANNING_TIME_LIMIT_SECONDS: int(120, 1, 3600),
  STEWARD_PRICES_CSV: z.string().min(1).optional(),
  STEWARD_POLICY_FILE: z.string().min(1).optional(),
  STEWARD_EXECUTION_STALE_SECONDS: int(60, 15, 3600),
  STEWARD_SCHEDULER: bool(true),
  STEWARD_ANOMALY_ABSOLUTE_USD: int(100, 0, 10_000_000),
  STEWARD_ANOMALY_RELATIVE_PCT: int(20, 0, 1000),
  STEWARD_ANOMALY_CRITICAL_USD: int(1000, 0, 100_000_000),
  STEWARD_WATCH: bool(true),
  STEWARD_WATCH_HOLD_SECONDS: int(300, 0, 86400),
  STEWARD_WATCH_CONFIRM_INSTANCES: int(2, 1, 1000),
  STEWARD_WATCH_FAILOVER_EXPIRY_MINUTES: int(30, 1, 1440),
  STEWARD_WATCH_INTERVAL_SECONDS: int(60, 5, 3600),
  STEWARD_DEMO_WATCH_INTERVAL_SECONDS: int(5, 1, 3600),
  STEWARD_DEMO_WATCH_HOLD_SECONDS: int(10, 0, 86400),
  STEWARD_OPT_HEADROOM_PCT: int(20, 0, 300),
  STEWARD_OPT_LOOKBACK_DAYS: int(14, 1, 93),
  STEWARD_OPT_IDLE_CPU_PCT: int(3, 0, 100),
  STEWARD_OPT_IDLE_DAYS: int(7, 1, 93),
  STEWARD_OPT_QUOTAS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^(aws|azure|gcp)(\/[a-z0-9-]+)?=\d+$/i, 'expected a comma list of provider=vCPU or provider/region=vCPU, e.g. aws=512,aws/eu-west-1=96'))),
  STEWARD_OPT_PROVIDERS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean))
    .pipe(z.array(z.enum(['aws', 'azure', 'gcp'], { message: 'expected a comma list of aws, azure, gcp' }))),
  STEWARD_OPT_MAX_MOVES: z.coerce.number({ message: 'expected a whole number' }).int('expected a whole number').min(0).optional(),
  STEWARD_OPT_EGRESS_REGION_USD_PER_GIB: z.coerce.number({ message: 'expected a number' }).min(0).default(0.02),
  STEWARD_OPT_EGRESS_PROVIDER_USD_PER_GIB: z.coerce.number({ message: 'expected a number' }).min(0).default(0.09),
  STEWARD_OPT_RISK_REGION_USD: z.coerce.number({ message: 'expected a number' }).min(0).default(100),
  STEWARD_OPT_RISK_PROVIDER_USD: z.coerce.number({ message: 'expected a number' }).min(0).default(300),
  STEWARD_OPT_AMORTIZE_MONTHS: int(12, 1, 120),
  STEWARD_OPT_HIGHS_TIME_LIMIT_SECONDS: int(10, 1, 3600),
  AWS_REGIONS: awsRegions,
  AWS_ENDPOINT_URL: z
    .string()
    .regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, 'expected an http(s) URL such as https://ec2.{region}.vpce.example.internal or http://localhost:4566')
    .optional(),
  AWS_REQUESTS_PER_SECOND: int(20, 1, 1000),
  AWS_CONCURRENCY: int(24, 1, 64),
  AZURE_SUBSCRIPTION_IDS: list,
  AZURE_REQUESTS_PER_SECOND: int(25, 1, 1000),
  AZURE_CONCURRENCY: int(24, 1, 64),
  AZURE_SUBNET_IDS: regionMap,
  AZURE_RESOURCE_MANAGER_ENDPOINT: z
    .string()
    .regex(/^https:\/\/[^\s/]+\/?$/, 'expected the https origin of a Resource Manager endpoint such as https://management.usgovcloudapi.net')
    .optional(),
  AZURE_RESOURCE_MANAGER_AUDIENCE: z.url({ message: 'expected the token audience URL, such as https://management.core.usgovcloudapi.net/' }).optional(),
  GCP_PROJECT_IDS: list,
  GCP_API_ENDPOINT: z
    .string()
    .regex(/^https?:\/\/[^\s/]+\/?$/, 'expected the origin of a Compute Engine API endpoint such as https://compute-psc.p.googleapis.com')
    .optional(),
  SLACK_BOT_TOKEN: z.string().regex(/^xoxb-/, 'expected the Bot User OAuth Token, starting with xoxb-').optional(),
  SLACK_SIGNING_SECRET: z.string().min(16, "expected the Signing Secret from the Slack app's Basic Information page").optional(),
  SLACK_APP_TOKEN: z.string().regex(/^xapp-/, 'expected an app-level token (Socket Mode), starting with xapp-').optional(),
  SLACK_USER_GROUPS: bool(true),
  SLACK_API_URL: z
    .string()
    .regex(/^https?:\/\/[^\s/]+(\/\S*)?\/$/, 'expected the base URL of the Slack Web API ending in /, such as https://slack.com/api/')
    .optional(),
  TEAMS_APP_ID: guid('expected the Microsoft App ID of the Azure Bot resource (a GUID)').optional(),
  TEAMS_APP_TYPE: z.enum(['SingleTenant', 'MultiTenant', 'UserAssignedMSI'], { message: 'expected SingleTenant, MultiTenant or UserAssignedMSI' }).default('SingleTenant'),
  TEAMS_TENANT_ID: guid("expected the app's home tenant id (Directory ID, a GUID)").optional(),
  TEAMS_APP_PASSWORD: z.string().min(1).optional(),
  TEAMS_CERTIFICATE_THUMBPRINT: z.string().regex(/^[0-9A-Fa-f]{40}$/, "expected the certificate's SHA-1 thumbprint (40 hex digits)").optional(),
  TEAMS_CERTIFICATE_KEY_FILE: z.string().min(1).optional(),
  TEAMS_ALLOWED_TENANTS: list.pipe(z.array(guid('expected a comma list of tenant ids (GUIDs)'))),
  TEAMS_OPENID_METADATA_URL: z.url({ message: 'expected the URL of a Bot Framework OpenID metadata document' }).optional(),
  GCP_REQUESTS_PER_MINUTE: int(1500, 1, 100000),
  GCP_CONCURRENCY: int(24, 1, 64),
};

const schema = z.object(ENV_SCHEMA);
export type Env = z.infer<typeof schema>;

export interface Config {
  env: Env['NODE_ENV'];
  logLevel: Env['LOG_LEVEL'];
  http: { port: number; host: string; publicUrl: string | undefined };
  /** Prometheus /metrics: on the main port when `port` is undefined, else on its own listener (same host). */
  metrics: { port: number | undefined };
  database: { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string };
  providers: Env['STEWARD_PROVIDERS'];
  demo: { estateFile: string | undefined; seed: number; instances: number };
  console: boolean;
  /**
   * The console has no login: without a token it answers loopback clients only; with one, every request must
   * carry it (Authorization: Bearer, or the cookie set by opening /?token=…).
   */
  consoleToken: string | undefined;
  inventoryTtlMs: number;
  /** Planning off the event loop (src/workers): worker threads (0 = main thread, undefined = cores − 1) and the time limit per plan. */
  planning: { workers: number | undefined; timeLimitMs: number };
  pricesCsv: string | undefined;
  /** Approvals: the policy file (docs/approvals.md; built-in defaults when unset) and when a silent execution counts as abandoned. */
  approvals: { policyFile: string | undefined; staleAfterMs: number };
  /** Digests: the scheduler on/off and the anomaly thresholds (docs/digests.md). */
  digests: { scheduler: boolean; anomaly: { absoluteUsd: number; relativePct: number; criticalUsd: number } };
  /** The health watch (docs/health.md): on/off, hysteresis, failover expiry, poll intervals (the demo's in seconds). */
  watch: { enabled: boolean; holdMs: number; confirmInstances: number; failoverExpiryMs: number; intervalMs: number; demoIntervalMs: number; demoHoldMs: number };
  optimizer: {
    headroomPct: number;
    lookbackDays: number;
    idleCpuPct: number;
    idleDays: number;
    /** `provider=vCPU` or `provider/region=vCPU` entries. */
    quotas: { provider: 'aws' | 'azure' | 'gcp'; region?: string; vcpu: number }[];
    /** Empty = every provider. */
    providers: ('aws' | 'azure' | 'gcp')[];
    maxMoves: number | undefined;
    egressUsdPerGiB: { region: number; provider: number };
    riskUsd: { region: number; provider: number };
    amortizeMonths: number;
    highsTimeLimitMs: number;
  };
  /** Set when Slack is configured: HTTP mode with a signing secret, Socket Mode with an app token. */
  slack: { botToken: string; signingSecret: string | undefined; appToken: string | undefined; userGroups: boolean; apiUrl?: string } | undefined;
  /** Set when Teams is configured (TEAMS_APP_ID): the Azure Bot's credentials and the tenants it serves. */
  teams:
    | {
        appId: string;
        appType: 'SingleTenant' | 'MultiTenant' | 'UserAssignedMSI';
        tenantId: string | undefined;
        password: string | undefined;
        certificate: { thumbprint: string; privateKeyFile: string } | undefined;
        allowedTenants: string[];
        openIdMetadataUrl: string | undefined;
      }
    | undefined;
  /** `endpoint`: every EC2 and CloudWatch call goes there (`{region}` filled in), else the SDK's own resolution. */
  aws: { regions: string[]; requestsPerSecond: number; concurrency: number; endpoint?: string };
  /** `endpoint`/`audience`: a sovereign cloud's Resource Manager and the token audience it takes. */
  azure: { subscriptionIds: string[]; requestsPerSecond: number; concurrency: number; subnets: Record<string, string>; endpoint?: string; audience?: string };
  gcp: { projectIds: string[]; requestsPerMinute: number; concurrency: number; endpoint?: string };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}\nSee .env.example for every variable and its default.`);
    this.name = 'ConfigError';
  }
}

/** The Teams settings that only make sense together: one credential, a home tenant where the app type needs one. */
function teamsConfigProblems(e: Env): string[] {
  const problems: string[] = [];
  const others = (['TEAMS_TENANT_ID', 'TEAMS_APP_PASSWORD', 'TEAMS_CERTIFICATE_THUMBPRINT', 'TEAMS_CERTIFICATE_KEY_FILE', 'TEAMS_ALLOWED_TENANTS'] as const).filter((k) => {
    const v = e[k];
    return Array.isArray(v) ? v.length > 0 : v !== undefined;
  });
  if (!e.TEAMS_APP_ID) {
    if (others.length) problems.push(`TEAMS_APP_ID: required when ${others.join(', ')} ${others.length === 1 ? 'is' : 'are'} set (the Azure Bot's Microsoft App ID)`);
    return problems;
  }
  const cert = Boolean(e.TEAMS_CERTIFICATE_THUMBPRINT || e.TEAMS_CERTIFICATE_KEY_FILE);
  if (cert && !(e.TEAMS_CERTIFICATE_THUMBPRINT && e.TEAMS_CERTIFICATE_KEY_FILE)) problems.push('TEAMS_CERTIFICATE_THUMBPRINT and TEAMS_CERTIFICATE_KEY_FILE: set both (the thumbprint and the PEM private key file) or neither');
  if (e.TEAMS_APP_TYPE === 'UserAssignedMSI') {
    if (e.TEAMS_APP_PASSWORD || cert) problems.push('TEAMS_APP_PASSWORD / TEAMS_CERTIFICATE_*: leave unset with TEAMS_APP_TYPE=UserAssignedMSI (the managed identity is the credential)');
  } else if (!e.TEAMS_APP_PASSWORD && !cert) {
    problems.push('TEAMS_APP_PASSWORD: required (the app registration\'s client secret), or set TEAMS_CERTIFICATE_THUMBPRINT and TEAMS_CERTIFICATE_KEY_FILE, or use TEAMS_APP_TYPE=UserAssignedMSI');
  } else if (e.TEAMS_APP_PASSWORD && cert) {
    problems.push('TEAMS_APP_PASSWORD: set a client secret or a certificate, not both');
  }
  if (e.TEAMS_APP_TYPE !== 'MultiTenant' && !e.TEAMS_TENANT_ID) problems.push(`TEAMS_TENANT_ID: required with TEAMS_APP_TYPE=${e.TEAMS_APP_TYPE} (the app's home tenant, its Directory ID)`);
  if (!e.TEAMS_ALLOWED_TENANTS.length && !e.TEAMS_TENANT_ID) problems.push('TEAMS_ALLOWED_TENANTS: required with TEAMS_APP_TYPE=MultiTenant and no TEAMS_TENANT_ID (which tenants may use this Steward)');
  return problems;
}

/** Reads and validates the environment; throws a ConfigError naming every bad variable and what it expects. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  // Empty strings count as unset, the way shells and .env files usually mean them.
  const cleaned = Object.fromEntries(Object.keys(ENV_SCHEMA).map((k) => [k, source[k] === '' ? undefined : source[k]]));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const name = String(i.path[0] ?? '?');
        const given = cleaned[name];
        const shown = given === undefined || /URL|SECRET|TOKEN|PASSWORD/.test(name) ? '' : ` (got ${JSON.stringify(given)})`;
        return `${name}: ${i.message}${shown}`;
      }),
    );
  }
  const e = parsed.data;
  const embedded = !e.DATABASE_URL;
  const slackProblems: string[] = [];
  if ((e.SLACK_SIGNING_SECRET || e.SLACK_APP_TOKEN) && !e.SLACK_BOT_TOKEN) slackProblems.push('SLACK_BOT_TOKEN: required when SLACK_SIGNING_SECRET or SLACK_APP_TOKEN is set');
  if (e.SLACK_BOT_TOKEN && !e.SLACK_SIGNING_SECRET && !e.SLACK_APP_TOKEN) slackProblems.push('SLACK_SIGNING_SECRET: required with SLACK_BOT_TOKEN (or set SLACK_APP_TOKEN for Socket Mode)');
  if (slackProblems.length) throw new ConfigError(slackProblems);
  const teamsProblems = teamsConfigProblems(e);
  if (teamsProblems.length) throw new ConfigError(teamsProblems);
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    http: { port: e.PORT, host: e.HOST, publicUrl: e.PUBLIC_URL },
    metrics: { port: e.STEWARD_METRICS_PORT },
    database: e.DATABASE_URL ? { kind: 'postgres', url: e.DATABASE_URL } : { kind: 'pglite', dataDir: e.STEWARD_DATA_DIR },
    providers: [...new Set(e.STEWARD_PROVIDERS)],
    demo: { estateFile: e.STEWARD_DEMO_ESTATE, seed: e.STEWARD_DEMO_SEED, instances: e.STEWARD_DEMO_INSTANCES },
    // The console has no login of its own: on by default only for the embedded first run.
    console: e.STEWARD_CONSOLE === 'auto' ? embedded : e.STEWARD_CONSOLE === 'on',
    consoleToken: e.STEWARD_CONSOLE_TOKEN,
    inventoryTtlMs: e.STEWARD_INVENTORY_TTL_SECONDS * 1000,
    planning: { workers: e.STEWARD_PLANNING_WORKERS < 0 ? undefined : e.STEWARD_PLANNING_WORKERS, timeLimitMs: e.STEWARD_PLANNING_TIME_LIMIT_SECONDS * 1000 },
    pricesCsv: e.STEWARD_PRICES_CSV,
    approvals: { policyFile: e.STEWARD_POLICY_FILE, staleAfterMs: e.STEWARD_EXECUTION_STALE_SECONDS * 1000 },
    digests: {
      scheduler: e.STEWARD_SCHEDULER,
      anomaly: { absoluteUsd: e.STEWARD_ANOMALY_ABSOLUTE_USD, relativePct: e.STEWARD_ANOMALY_RELATIVE_PCT, criticalUsd: e.STEWARD_ANOMALY_CRITICAL_USD },
    },
    watch: {
      enabled: e.STEWARD_WATCH,
      holdMs: e.STEWARD_WATCH_HOLD_SECONDS * 1000,
      confirmInstances: e.STEWARD_WATCH_CONFIRM_INSTANCES,
      failoverExpiryMs: e.STEWARD_WATCH_FAILOVER_EXPIRY_MINUTES * 60_000,
      intervalMs: e.STEWARD_WATCH_INTERVAL_SECONDS * 1000,
      demoIntervalMs: e.STEWARD_DEMO_WATCH_INTERVAL_SECONDS * 1000,
      demoHoldMs: e.STEWARD_DEMO_WATCH_HOLD_SECONDS * 1000,
    },
    optimizer: {
      headroomPct: e.STEWARD_OPT_HEADROOM_PCT,
      lookbackDays: e.STEWARD_OPT_LOOKBACK_DAYS,
      idleCpuPct: e.STEWARD_OPT_IDLE_CPU_PCT,
      idleDays: e.STEWARD_OPT_IDLE_DAYS,
      quotas: e.STEWARD_OPT_QUOTAS.map((q) => {
        const [scope = '', vcpu = '0'] = q.split('=');
        const [provider = '', region] = scope.toLowerCase().split('/');
        return { provider: provider as 'aws' | 'azure' | 'gcp', ...(region ? { region } : {}), vcpu: Number(vcpu) };
      }),
      providers: [...new Set(e.STEWARD_OPT_PROVIDERS)],
      maxMoves: e.STEWARD_OPT_MAX_MOVES,
      egressUsdPerGiB: { region: e.STEWARD_OPT_EGRESS_REGION_USD_PER_GIB, provider: e.STEWARD_OPT_EGRESS_PROVIDER_USD_PER_GIB },
      riskUsd: { region: e.STEWARD_OPT_RISK_REGION_USD, provider: e.STEWARD_OPT_RISK_PROVIDER_USD },
      amortizeMonths: e.STEWARD_OPT_AMORTIZE_MONTHS,
      highsTimeLimitMs: e.STEWARD_OPT_HIGHS_TIME_LIMIT_SECONDS * 1000,
    },
    slack: e.SLACK_BOT_TOKEN
      ? { botToken: e.SLACK_BOT_TOKEN, signingSecret: e.SLACK_SIGNING_SECRET, appToken: e.SLACK_APP_TOKEN, userGroups: e.SLACK_USER_GROUPS, ...(e.SLACK_API_URL ? { apiUrl: e.SLACK_API_URL } : {}) }
      : undefined,
    teams: e.TEAMS_APP_ID
      ? {
          appId: e.TEAMS_APP_ID.toLowerCase(),
          appType: e.TEAMS_APP_TYPE,
          tenantId: e.TEAMS_TENANT_ID?.toLowerCase(),
          password: e.TEAMS_APP_PASSWORD,
          certificate: e.TEAMS_CERTIFICATE_THUMBPRINT && e.TEAMS_CERTIFICATE_KEY_FILE ? { thumbprint: e.TEAMS_CERTIFICATE_THUMBPRINT, privateKeyFile: e.TEAMS_CERTIFICATE_KEY_FILE } : undefined,
          allowedTenants: [...new Set((e.TEAMS_ALLOWED_TENANTS.length ? e.TEAMS_ALLOWED_TENANTS : e.TEAMS_TENANT_ID ? [e.TEAMS_TENANT_ID] : []).map((t) => t.toLowerCase()))],
          openIdMetadataUrl: e.TEAMS_OPENID_METADATA_URL,
        }
      : undefined,
    aws: { regions: e.AWS_REGIONS, requestsPerSecond: e.AWS_REQUESTS_PER_SECOND, concurrency: e.AWS_CONCURRENCY, ...(e.AWS_ENDPOINT_URL ? { endpoint: e.AWS_ENDPOINT_URL } : {}) },
    azure: {
      subscriptionIds: e.AZURE_SUBSCRIPTION_IDS,
      requestsPerSecond: e.AZURE_REQUESTS_PER_SECOND,
      concurrency: e.AZURE_CONCURRENCY,
      subnets: e.AZURE_SUBNET_IDS,
      ...(e.AZURE_RESOURCE_MANAGER_ENDPOINT ? { endpoint: e.AZURE_RESOURCE_MANAGER_ENDPOINT.replace(/\/$/, '') } : {}),
      ...(e.AZURE_RESOURCE_MANAGER_AUDIENCE ? { audience: e.AZURE_RESOURCE_MANAGER_AUDIENCE } : {}),
    },
    gcp: { projectIds: e.GCP_PROJECT_IDS, requestsPerMinute: e.GCP_REQUESTS_PER_MINUTE, concurrency: e.GCP_CONCURRENCY, ...(e.GCP_API_ENDPOINT ? { endpoint: e.GCP_API_ENDPOINT.replace(/\/$/, '') } : {}) },
  };
}
