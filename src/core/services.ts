import type { InventoryService } from '../domain/inventory/inventory.service.js';
import type { PriceCatalog } from '../domain/ports/price-catalog.port.js';

/** Regenerates or reloads the demo estate (only present when the demo provider is enabled). */
export interface DemoControl {
  reset(opts: { seed?: number; instances?: number }): Promise<{ instances: number; seed: number | null; source: string }>;
  describe(): Promise<{ instances: number; seed: number | null; source: string }>;
}

/** The domain services commands use; main.ts builds them. Later capabilities add fields here. */
export interface Services {
  inventory: InventoryService;
  catalog: PriceCatalog;
  demo?: DemoControl;
}
