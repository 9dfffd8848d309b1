import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll } from 'vitest';
import { loadPriceCatalog } from '../../../src/pricing/catalog.js';
import { createAwsProvider } from '../../../src/providers/aws/index.js';
import { dryRunOk, ec2, ec2Error, ec2Fixture, paged } from '../../msw/aws.js';
import { fixture } from '../../msw/fixtures.js';
import { providerContract } from '../contract.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

providerContract('aws', async () => {
  const known = new Set(['i-0abc1234def567890', 'i-4382922a', 'i-8474834a']);
  server.use(
    ec2('us-east-1', {
      DescribeInstances: (form) => {
        const id = form['InstanceId.1'];
        if (id === 'i-0abc1234def567890') return ec2Fixture('DescribeInstances.modern.ours.xml');
        if (id === 'i-4382922a' || id === 'i-8474834a') return ec2Fixture('DescribeInstances.libcloud.xml');
        if (id && !known.has(id)) return ec2Error('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`, 400);
        return paged([fixture('aws/DescribeInstances.modern.ours.xml'), fixture('aws/DescribeInstances.libcloud.xml')])(form, { region: 'us-east-1', action: 'DescribeInstances', form, at: 0 });
      },
      DescribeVolumes: () => ec2Fixture('DescribeVolumes.modern.ours.xml'),
      DescribeInstanceTypes: () => ec2Fixture('DescribeInstanceTypes.ours.xml'),
      StopInstances: (form) => (form.DryRun === 'true' ? dryRunOk() : ec2Error('Unexpected', 'the contract never stops for real', 400)),
      StartInstances: (form) => (form.DryRun === 'true' ? dryRunOk() : ec2Error('Unexpected', 'the contract never starts for real', 400)),
    }),
  );
  const provider = createAwsProvider(
    { regions: ['us-east-1'], catalog: loadPriceCatalog() },
    { credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'fake' }, retryStrategy: new ConfiguredRetryStrategy(2, () => 1), pollIntervalMs: 1 },
  );
  return {
    provider,
    missing: { provider: 'aws', account: '111122223333', region: 'us-east-1', id: 'i-0000000000000dead' },
    throttleEverything: () => server.use(ec2('us-east-1', { DescribeInstances: () => ec2Error('RequestLimitExceeded', 'Request limit exceeded.', 503), DescribeVolumes: () => ec2Error('RequestLimitExceeded', 'Request limit exceeded.', 503) })),
    dispose: async () => provider.close(),
  };
});
