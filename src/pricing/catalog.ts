import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { isCloud, type Cloud } from '../domain/model/cloud.js';
import type { Family, Offer, Price } from '../domain/model/price.js';
import type { OfferFilter, PriceCatalog, PriceSource } from '../domain/ports/price-catalog.port.js';
import { fromRoot } from '../lib/paths.js';
import { usdToMicros } from '../lib/money.js';

const FAMILIES: readonly Family[] = ['general-purpose', 'compute-optimized', 'memory-optimized', 'gpu'];

export const BUNDLED_PRICES = fromRoot('src', 'pricing', 'data', 'on-demand.csv');
export const BUNDLED_SOURCES = fromRoot('src', 'pricing', 'data', 'sources.csv');

/**
 * The bundled on-demand price snapshot (see src/pricing/data/sources.csv for where every figure comes from).
 * `pricesCsv`/`sourcesCsv` may point at a refreshed table with the same columns.
 */
export function loadPriceCatalog(opts: { pricesCsv?: string; sourcesCsv?: string } = {}): PriceCatalog {
  const pricesPath = opts.pricesCsv ?? BUNDLED_PRICES;
  const sourcesPath = opts.sourcesCsv ?? BUNDLED_SOURCES;
  return createPriceCatalog(readFileSync(pricesPath, 'utf8'), readFileSync(sourcesPath, 'utf8'), pricesPath);
}

export function createPriceCatalog(pricesCsv: string, sourcesCsv: string, origin = 'price table'): PriceCatalog {
  const sourceRows = parse(sourcesCsv, { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  const sources = new Map<string, PriceSource>();
  for (const row of sourceRows) {
    const id = row.source ?? '';
    const provider = row.provider ?? '';
    // A source key has one row for prices and one for sizes; the price row carries the snapshot date that matters.
    if (!id || !isCloud(provider) || !/price/i.test(row.what ?? '')) continue;
    sources.set(id, {
      id,
      provider,
      snapshotDate: row.snapshot_date ?? 'unknown',
      repository: row.repository ?? '',
      licence: row.licence ?? '',
      method: row.method ?? '',
    });
  }

  const rows = parse(pricesCsv, { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  const offers: Offer[] = [];
  const byKey = new Map<string, Offer>();
  const shapes = new Map<string, { vcpu: number; memoryGiB: number; gpu: number }>();
  rows.forEach((row, i) => {
    const line = i + 2;
    const provider = row.provider ?? '';
    const family = row.family as Family;
    if (!isCloud(provider)) throw new Error(`${origin} line ${line}: unknown provider ${JSON.stringify(provider)}`);
    if (!FAMILIES.includes(family)) throw new Error(`${origin} line ${line}: unknown family ${JSON.stringify(row.family)}`);
    const hourlyMicros = usdToMicros(row.usd_per_hour ?? '');
    if (!(hourlyMicros > 0)) throw new Error(`${origin} line ${line}: price must be positive, got ${row.usd_per_hour}`);
    const source = sources.get(row.source ?? '');
    if (!source) throw new Error(`${origin} line ${line}: source ${JSON.stringify(row.source)} is not in the sources table`);
    const offer: Offer = {
      provider,
      region: row.region ?? '',
      type: row.instance_type ?? '',
      family,
      vcpu: Number(row.vcpu),
      memoryGiB: Number(row.memory_gib),
      gpu: Number(row.gpu ?? 0),
      hourlyMicros,
      snapshotDate: source.snapshotDate,
      source: source.id,
    };
    if (!offer.region || !offer.type || !(offer.vcpu > 0) || !(offer.memoryGiB > 0)) {
      throw new Error(`${origin} line ${line}: region, instance_type, vcpu and memory_gib are required`);
    }
    offers.push(offer);
    byKey.set(`${provider}|${offer.region}|${offer.type}`, offer);
    shapes.set(`${provider}|${offer.type}`, { vcpu: offer.vcpu, memoryGiB: offer.memoryGiB, gpu: offer.gpu });
  });

  const snapshotDates: Partial<Record<Cloud, string>> = {};
  for (const o of offers) {
    const seen = snapshotDates[o.provider];
    // A cloud whose rows come from several snapshots shows the oldest: prices are no newer than that.
    if (!seen || o.snapshotDate < seen) snapshotDates[o.provider] = o.snapshotDate;
  }

  return {
    price(provider, region, type): Price {
      const offer = byKey.get(`${provider}|${region}|${type}`);
      if (offer) return { kind: 'priced', hourlyMicros: offer.hourlyMicros, snapshotDate: offer.snapshotDate, source: offer.source };
      const elsewhere = shapes.has(`${provider}|${type}`);
      return {
        kind: 'unpriced',
        reason: elsewhere ? `${type} has no catalog price in ${region}` : `${type} is not in the ${provider} price catalog`,
      };
    },
    shape: (provider, type) => shapes.get(`${provider}|${type}`),
    offers(filter: OfferFilter = {}) {
      return offers.filter(
        (o) =>
          (!filter.providers?.length || filter.providers.includes(o.provider)) &&
          (!filter.regions?.length || filter.regions.includes(o.region)) &&
          o.vcpu >= (filter.minVcpu ?? 0) &&
          o.memoryGiB >= (filter.minMemoryGiB ?? 0) &&
          o.gpu >= (filter.minGpu ?? 0),
      );
    },
    regions(provider) {
      return [...new Set(offers.filter((o) => !provider || o.provider === provider).map((o) => o.region))];
    },
    snapshotDates: () => ({ ...snapshotDates }),
    sources: () => [...sources.values()],
  };
}
