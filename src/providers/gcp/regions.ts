import { regionInfoFrom, type RegionInfo, type RegionLocations } from '../../domain/model/cloud.js';

/**
 * Google Cloud region names start with their area: `us-*` is the US, `europe-*` Europe, `asia-*` and `australia-*`
 * Asia Pacific; `northamerica-*` (Canada, Mexico), `southamerica-*`, `me-*` and `africa-*` are each `other`.
 */
const LOCATIONS: RegionLocations = {
  'us-central1': [41.3, -95.9, 'Iowa'],
  'us-east1': [33.2, -80.0, 'South Carolina'],
  'us-east4': [39.0, -77.5, 'N. Virginia'],
  'us-west1': [45.6, -121.2, 'Oregon'],
  'us-west2': [34.1, -118.2, 'Los Angeles'],
  'europe-west1': [50.4, 3.8, 'Belgium'],
  'europe-west2': [51.5, -0.1, 'London'],
  'europe-west3': [50.1, 8.7, 'Frankfurt'],
  'europe-west4': [53.4, 6.8, 'Netherlands'],
  'europe-north1': [60.6, 27.2, 'Finland'],
  'asia-southeast1': [1.35, 103.8, 'Singapore'],
  'asia-east1': [24.1, 120.7, 'Taiwan'],
  'asia-northeast1': [35.7, 139.7, 'Tokyo'],
  'asia-south1': [19.1, 72.9, 'Mumbai'],
  'australia-southeast1': [-33.9, 151.2, 'Sydney'],
  'northamerica-northeast1': [45.5, -73.6, 'Montréal'],
  'southamerica-east1': [-23.5, -46.6, 'São Paulo'],
};

export function gcpRegionInfo(region: string): RegionInfo | undefined {
  const m = /^([a-z]+)-[a-z]+\d+$/.exec(region);
  if (!m) return undefined;
  const area = m[1];
  const geography = area === 'us' ? 'us' : area === 'europe' ? 'eu' : area === 'asia' || area === 'australia' ? 'apac' : 'other';
  return regionInfoFrom(geography, LOCATIONS, region);
}
