import { ComputeManagementClient } from '@azure/arm-compute';
import { MonitorClient } from '@azure/arm-monitor';
import { NetworkManagementClient } from '@azure/arm-network';
import type { TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential } from '@azure/identity';
import { holdTurn, type RateLimiters } from '../../lib/rate-limiter.js';

export interface AzureClientDeps {
  /** Default: DefaultAzureCredential (environment, workload identity, managed identity, Azure CLI, …). */
  credential?: TokenCredential;
  /** Pipeline retry settings (429 honours Retry-After; 5xx back off exponentially). */
  retryOptions?: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number };
  /**
   * Resource Manager endpoint (default https://management.azure.com): a sovereign cloud, a private link or an
   * egress proxy. Must be https (the SDK refuses bearer tokens over plain HTTP). Tokens are still requested for
   * the public ARM audience unless the endpoint is a different cloud's ARM.
   */
  endpoint?: string;
  /** Token audience when `endpoint` is set (default https://management.azure.com/.default). */
  credentialScope?: string;
}

const ARM_SCOPE = 'https://management.azure.com/.default';

/** Every HTTP attempt (each retry and each LRO poll) waits for the subscription's limiter. */
function rateLimitPolicy(limiters: RateLimiters, key: string) {
  return {
    policy: {
      name: 'stewardRateLimit',
      async sendRequest<Req, Res>(request: Req, next: (r: Req) => Promise<Res>): Promise<Res> {
        const done = await holdTurn(limiters.get(key));
        try {
          return await next(request);
        } finally {
          done();
        }
      },
    },
    position: 'perRetry' as const,
  };
}

export function createAzureClients(deps: AzureClientDeps, limiters: RateLimiters) {
  let credential = deps.credential;
  const cred = (): TokenCredential => (credential ??= new DefaultAzureCredential());
  const compute = new Map<string, ComputeManagementClient>();
  const network = new Map<string, NetworkManagementClient>();
  const monitor = new Map<string, MonitorClient>();
  const scope = deps.credentialScope ?? ARM_SCOPE;
  const options = (sub: string) => ({
    additionalPolicies: [rateLimitPolicy(limiters, sub)],
    ...(deps.retryOptions ? { retryOptions: deps.retryOptions } : {}),
    // arm-compute/arm-monitor read `endpoint` and `credentials.scopes`; arm-network builds URLs from `$host`
    // and takes `credentialScopes`.
    ...(deps.endpoint ? { endpoint: deps.endpoint, $host: deps.endpoint, credentials: { scopes: [scope] }, credentialScopes: [scope] } : {}),
  });
  return {
    credential: cred,
    compute(sub: string): ComputeManagementClient {
      let c = compute.get(sub);
      if (!c) compute.set(sub, (c = new ComputeManagementClient(cred(), sub, options(sub) as never)));
      return c;
    },
    network(sub: string): NetworkManagementClient {
      let c = network.get(sub);
      if (!c) network.set(sub, (c = new NetworkManagementClient(cred(), sub, options(sub) as never)));
      return c;
    },
    monitor(sub: string): MonitorClient {
      let c = monitor.get(sub);
      if (!c) monitor.set(sub, (c = new MonitorClient(cred(), sub, options(sub) as never)));
      return c;
    },
  };
}

export type AzureClients = ReturnType<typeof createAzureClients>;
