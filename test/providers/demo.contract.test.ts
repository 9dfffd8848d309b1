import { openDatabase } from '../../src/persistence/db.js';
import { createEstateStore } from '../../src/persistence/estate-store.js';
import { loadPriceCatalog } from '../../src/pricing/catalog.js';
import { createDemoProvider } from '../../src/providers/demo/index.js';
import { providerContract } from './contract.js';

providerContract('demo', async () => {
  const db = await openDatabase({ kind: 'pglite', dataDir: 'memory://' });
  const provider = createDemoProvider({ store: createEstateStore(db.db), catalog: loadPriceCatalog(), seed: 7, instances: 40 });
  await provider.ensureEstate();
  return {
    provider,
    missing: { provider: 'aws', account: '123456789012', region: 'us-east-1', id: 'i-0000000000000dead' },
    dispose: () => db.close(),
  };
});
