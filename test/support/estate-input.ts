/** A generated demo estate as optimizer input (instances, utilization, offers), without a database. */
import { isBilling, type Instance, type Utilization } from '../../src/domain/model/instance.js';
import { DEFAULT_SETTINGS } from '../../src/domain/optimizer/settings.js';
import type { OptimizeJob } from '../../src/domain/ports/planner.port.js';
import { loadPriceCatalog } from '../../src/pricing/catalog.js';
import { generateEstate } from '../../src/providers/demo/generate.js';
import { toInstance } from '../../src/providers/demo/estate.js';
import { simulateUtilization } from '../../src/providers/demo/index.js';

export function optimizeJobFor(instances: number, seed = 42): OptimizeJob {
  const catalog = loadPriceCatalog();
  const estate = generateEstate({ seed, instances, catalog });
  const list: Instance[] = estate.map((d) => toInstance(d, catalog));
  const billing = estate.filter((d) => isBilling(d.state));
  const lookback: Utilization[] = billing.map((d) => simulateUtilization(d, DEFAULT_SETTINGS.lookbackDays, catalog));
  const idle: Utilization[] = billing.map((d) => simulateUtilization(d, DEFAULT_SETTINGS.idleDays, catalog));
  return {
    instances: list,
    utilization: lookback,
    idleUtilization: idle,
    offers: catalog.offers(),
    priceSnapshots: catalog.snapshotDates(),
    settings: DEFAULT_SETTINGS,
    useHighs: false,
  };
}
