import {
  DisksClient,
  FirewallsClient,
  InstancesClient,
  MachineTypesClient,
  RegionsClient,
  SnapshotsClient,
  ZoneOperationsClient,
} from '@google-cloud/compute';
import { MetricServiceClient } from '@google-cloud/monitoring';
import { GoogleAuth, type AuthClient } from 'google-auth-library';
import { holdTurn, type RateLimiters } from '../../lib/rate-limiter.js';
import { withRetry } from '../../lib/retry.js';
import { isGcpThrottle } from './errors.js';

export interface GcpClientDeps {
  /** Default: Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud ADC, metadata server). */
  authClient?: AuthClient;
  /** Backoff for rate-quota answers (403 rateLimitExceeded / 429); the REST transport does not retry those itself. */
  retry?: { retries: number; baseDelayMs: number; maxDelayMs: number };
  /**
   * Send Compute Engine and Cloud Monitoring calls to this endpoint (`https://host[:port]`, or `http://` for a
   * local proxy or emulator) instead of the public googleapis.com one, e.g. a Private Service Connect endpoint.
   */
  endpoint?: string;
}

/** The gapic clients take host, port and protocol separately. */
function endpointOptions(endpoint: string | undefined) {
  if (!endpoint) return {};
  const u = new URL(endpoint);
  const protocol = u.protocol.replace(':', '');
  return { apiEndpoint: u.hostname, port: Number(u.port || (protocol === 'http' ? 80 : 443)), protocol };
}

const SCOPES = ['https://www.googleapis.com/auth/cloud-platform'];

/**
 * Every HTTP call the gapic clients make goes through the auth client's fetch (REST transport). Wrapping it
 * gives one choke point: each attempt waits for the project's limiter, and rate-quota answers are retried
 * with backoff (the request was refused, so retrying is safe for writes too).
 */
function limitFetch(client: AuthClient, limiters: RateLimiters, retry: Required<GcpClientDeps>['retry']): AuthClient {
  const marked = client as AuthClient & { __stewardLimited?: boolean };
  if (marked.__stewardLimited) return client;
  const original = client.fetch.bind(client) as (...args: unknown[]) => Promise<unknown>;
  const key = (input: unknown) => /\/projects\/([^/?]+)/.exec(String(input instanceof URL ? input.href : (input as { url?: string })?.url ?? input))?.[1] ?? 'global';
  (client as unknown as { fetch: (...args: unknown[]) => Promise<unknown> }).fetch = (...args: unknown[]) =>
    withRetry(
      async () => {
        const done = await holdTurn(limiters.get(key(args[0])));
        try {
          return await original(...args);
        } finally {
          done();
        }
      },
      { ...retry, isRetryable: isGcpThrottle },
    );
  marked.__stewardLimited = true;
  return client;
}

export function createGcpClients(deps: GcpClientDeps, limiters: RateLimiters) {
  const retry = deps.retry ?? { retries: 4, baseDelayMs: 1000, maxDelayMs: 20_000 };
  let auth: Promise<AuthClient> | undefined;
  const authClient = (): Promise<AuthClient> =>
    (auth ??= (deps.authClient ? Promise.resolve(deps.authClient) : new GoogleAuth({ scopes: SCOPES }).getClient())
      .then((c) => limitFetch(c as AuthClient, limiters, retry))
      .catch((err: unknown) => {
        auth = undefined;
        throw err;
      }));
  const made = new Map<string, unknown>();
  // REST (HTTP/JSON) transport; the auth client's type comes from google-gax's own copy of google-auth-library.
  type Opts = NonNullable<ConstructorParameters<typeof InstancesClient>[0]>;
  async function get<T>(name: string, make: (opts: Opts) => T): Promise<T> {
    let c = made.get(name) as T | undefined;
    if (!c) {
      c = make({ authClient: await authClient(), fallback: true, ...endpointOptions(deps.endpoint) } as unknown as Opts);
      made.set(name, c);
    }
    return c;
  }
  return {
    authClient,
    instances: () => get('instances', (o) => new InstancesClient(o)),
    machineTypes: () => get('machineTypes', (o) => new MachineTypesClient(o)),
    firewalls: () => get('firewalls', (o) => new FirewallsClient(o)),
    zoneOperations: () => get('zoneOperations', (o) => new ZoneOperationsClient(o)),
    disks: () => get('disks', (o) => new DisksClient(o)),
    regions: () => get('regions', (o) => new RegionsClient(o)),
    snapshots: () => get('snapshots', (o) => new SnapshotsClient(o)),
    metrics: () => get('metrics', (o) => new MetricServiceClient(o as never)),
    async close() {
      await Promise.all([...made.values()].map((c) => (c as { close(): Promise<void> }).close().catch(() => undefined)));
    },
  };
}

export type GcpClients = ReturnType<typeof createGcpClients>;
