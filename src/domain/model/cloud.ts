/** The three clouds Steward speaks to. An instance always belongs to one of them, even in the demo estate. */
export const CLOUDS = ['aws', 'azure', 'gcp'] as const;
export type Cloud = (typeof CLOUDS)[number];

/** The adapters: one per cloud, plus the simulated demo estate that covers all three. */
export type ProviderId = Cloud | 'demo';

export function isCloud(value: string): value is Cloud {
  return (CLOUDS as readonly string[]).includes(value);
}

export const CLOUD_LABEL: Record<Cloud, string> = { aws: 'AWS', azure: 'Azure', gcp: 'Google Cloud' };

/** Data-residency geographies. A workload stays in its geography unless its tags allow otherwise. */
export type Geography = 'us' | 'eu' | 'apac' | 'other';

export interface RegionInfo {
  geography: Geography;
  /** Approximate location, for latency preference between regions (degrees). */
  lat: number;
  lon: number;
  label: string;
}

/** An adapter's table of the regions it knows: roughly where each is, and the name its cloud gives it. */
export type RegionLocations = Readonly<Record<string, readonly [lat: number, lon: number, label: string]>>;

/**
 * The RegionInfo an adapter reports for `region` in `geography` (which the adapter reads from the region's name):
 * located from its table, or, for a region the table does not list, without a location (NaN) and labelled
 * `label` (the region as given). The one shape every cloud's regions.ts shares.
 */
export function regionInfoFrom(geography: Geography, locations: RegionLocations, region: string, label = region): RegionInfo {
  const [lat, lon, name] = locations[region] ?? [Number.NaN, Number.NaN, label];
  return { geography, lat, lon, label: name };
}

/**
 * What the adapters say about regions (`CloudProvider.regionInfo`), learned as the inventory reads them: each
 * cloud names its regions its own way, so their geography and location come from the adapter, not from here.
 * The table below only seeds the regions of the bundled price catalog and the demo estate.
 */
const learned = new Map<string, RegionInfo>();

export function learnRegion(region: string, info: RegionInfo): void {
  learned.set(region, info);
}

/** The regions learned so far, to hand to another thread (a planning worker has a module state of its own). */
export function learnedRegions(): [string, RegionInfo][] {
  return [...learned];
}

/** What Steward knows about a region: from its adapter (learned), else the seed table. */
export function regionInfo(region: string): RegionInfo | undefined {
  return learned.get(region) ?? REGIONS[region];
}

/** Every region Steward has learned from an adapter or seeded (for validating `--region` and `failover <region>`). */
export function knownRegionNames(): string[] {
  return [...new Set([...Object.keys(REGIONS), ...learned.keys()])];
}

/** Seed: regions of the bundled price catalog and the demo estate. Unknown regions are `other` and never move across geographies. */
export const REGIONS: Record<string, RegionInfo> = {
  // AWS
  'us-east-1': { geography: 'us', lat: 38.9, lon: -77.4, label: 'N. Virginia' },
  'us-east-2': { geography: 'us', lat: 40.0, lon: -83.0, label: 'Ohio' },
  'us-west-1': { geography: 'us', lat: 37.4, lon: -122.0, label: 'N. California' },
  'us-west-2': { geography: 'us', lat: 45.8, lon: -119.7, label: 'Oregon' },
  'eu-west-1': { geography: 'eu', lat: 53.3, lon: -6.3, label: 'Ireland' },
  'eu-west-2': { geography: 'eu', lat: 51.5, lon: -0.1, label: 'London' },
  'eu-central-1': { geography: 'eu', lat: 50.1, lon: 8.7, label: 'Frankfurt' },
  'ap-southeast-1': { geography: 'apac', lat: 1.35, lon: 103.8, label: 'Singapore' },
  'ap-northeast-1': { geography: 'apac', lat: 35.7, lon: 139.7, label: 'Tokyo' },
  // Azure
  eastus: { geography: 'us', lat: 37.4, lon: -79.8, label: 'East US' },
  eastus2: { geography: 'us', lat: 36.7, lon: -78.4, label: 'East US 2' },
  westus2: { geography: 'us', lat: 47.2, lon: -119.9, label: 'West US 2' },
  centralus: { geography: 'us', lat: 41.6, lon: -93.6, label: 'Central US' },
  westeurope: { geography: 'eu', lat: 52.4, lon: 4.9, label: 'West Europe' },
  northeurope: { geography: 'eu', lat: 53.3, lon: -6.3, label: 'North Europe' },
  southeastasia: { geography: 'apac', lat: 1.28, lon: 103.8, label: 'Southeast Asia' },
  // Google Cloud
  'us-central1': { geography: 'us', lat: 41.3, lon: -95.9, label: 'Iowa' },
  'us-east1': { geography: 'us', lat: 33.2, lon: -80.0, label: 'South Carolina' },
  'us-west1': { geography: 'us', lat: 45.6, lon: -121.2, label: 'Oregon' },
  'europe-west1': { geography: 'eu', lat: 50.4, lon: 3.8, label: 'Belgium' },
  'europe-west4': { geography: 'eu', lat: 53.4, lon: 6.8, label: 'Netherlands' },
  'asia-southeast1': { geography: 'apac', lat: 1.35, lon: 103.8, label: 'Singapore' },
};

export function geographyOf(region: string): Geography {
  return regionInfo(region)?.geography ?? 'other';
}

/** Great-circle distance in km between two known regions (undefined when either is unknown). */
export function regionDistanceKm(a: string, b: string): number | undefined {
  const ra = regionInfo(a);
  const rb = regionInfo(b);
  if (!ra || !rb || ![ra.lat, ra.lon, rb.lat, rb.lon].every(Number.isFinite)) return undefined;
  const rad = Math.PI / 180;
  const dLat = (rb.lat - ra.lat) * rad;
  const dLon = (rb.lon - ra.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(ra.lat * rad) * Math.cos(rb.lat * rad) * Math.sin(dLon / 2) ** 2;
  return Math.round(2 * 6371 * Math.asin(Math.sqrt(h)));
}
