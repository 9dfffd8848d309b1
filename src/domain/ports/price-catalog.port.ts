import type { Cloud } from '../model/cloud.js';
import type { Offer, Price } from '../model/price.js';

export interface OfferFilter {
  providers?: Cloud[];
  regions?: string[];
  minVcpu?: number;
  minMemoryGiB?: number;
  minGpu?: number;
}

export interface PriceSource {
  id: string;
  provider: Cloud;
  snapshotDate: string;
  repository: string;
  licence: string;
  method: string;
}

/** On-demand prices and sizes per region. An unknown type is `unpriced`, never zero. */
export interface PriceCatalog {
  price(provider: Cloud, region: string, type: string): Price;
  /** Size of a type wherever the catalog knows it (sizes do not vary by region). */
  shape(provider: Cloud, type: string): { vcpu: number; memoryGiB: number; gpu: number } | undefined;
  offers(filter?: OfferFilter): Offer[];
  regions(provider?: Cloud): string[];
  /** Price snapshot date per cloud, shown wherever a price is shown. */
  snapshotDates(): Partial<Record<Cloud, string>>;
  sources(): PriceSource[];
}
