/**
 * The AWS adapter as its tests build it: the real SDK clients (msw answers them), the example keys of AWS's own
 * documentation, the bundled price catalog, and retries and state polls quick enough for a test.
 */
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { loadPriceCatalog } from '../../../src/pricing/catalog.js';
import { createAwsProvider, type AwsProviderDeps } from '../../../src/providers/aws/index.js';

const catalog = loadPriceCatalog();

/** AWS's documented example access key (never a real one). */
export const EXAMPLE_CREDENTIALS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

/**
 * The adapter on `regions`: two attempts a call 1 ms apart, state re-read every 1 ms for at most 2 s; `deps`
 * replaces any of these (and adds limiters, say).
 */
export function testAwsProvider(regions: string[], deps: AwsProviderDeps = {}) {
  return createAwsProvider({ regions, catalog }, { credentials: EXAMPLE_CREDENTIALS, retryStrategy: new ConfiguredRetryStrategy(2, () => 1), pollIntervalMs: 1, timeoutMs: 2000, ...deps });
}
