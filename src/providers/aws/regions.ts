import { regionInfoFrom, type RegionInfo, type RegionLocations } from '../../domain/model/cloud.js';

/**
 * AWS region codes name their geography (`<area>-<direction>-<n>`): `us-*` (GovCloud included) is the US, `eu-*`
 * the EU/Europe, `ap-*` Asia Pacific; the others (`ca-`, `sa-`, `me-`, `af-`, `il-`, `mx-`, `cn-`) are each their
 * own jurisdiction (`other`: they never receive workloads from another geography). Locations are the cities AWS
 * names, approximately, for nearest-region preference.
 */
const LOCATIONS: RegionLocations = {
  'us-east-1': [38.9, -77.4, 'N. Virginia'],
  'us-east-2': [40.0, -83.0, 'Ohio'],
  'us-west-1': [37.4, -122.0, 'N. California'],
  'us-west-2': [45.8, -119.7, 'Oregon'],
  'us-gov-west-1': [45.8, -119.7, 'GovCloud (US-West)'],
  'us-gov-east-1': [40.0, -83.0, 'GovCloud (US-East)'],
  'ca-central-1': [45.5, -73.6, 'Canada (Central)'],
  'ca-west-1': [51.0, -114.1, 'Calgary'],
  'sa-east-1': [-23.5, -46.6, 'São Paulo'],
  'mx-central-1': [20.6, -100.4, 'Mexico (Central)'],
  'eu-west-1': [53.3, -6.3, 'Ireland'],
  'eu-west-2': [51.5, -0.1, 'London'],
  'eu-west-3': [48.9, 2.4, 'Paris'],
  'eu-central-1': [50.1, 8.7, 'Frankfurt'],
  'eu-central-2': [47.4, 8.5, 'Zurich'],
  'eu-north-1': [59.3, 18.1, 'Stockholm'],
  'eu-south-1': [45.5, 9.2, 'Milan'],
  'eu-south-2': [41.7, -0.9, 'Spain'],
  'ap-southeast-1': [1.35, 103.8, 'Singapore'],
  'ap-southeast-2': [-33.9, 151.2, 'Sydney'],
  'ap-southeast-3': [-6.2, 106.8, 'Jakarta'],
  'ap-southeast-4': [-37.8, 145.0, 'Melbourne'],
  'ap-southeast-5': [3.1, 101.7, 'Malaysia'],
  'ap-northeast-1': [35.7, 139.7, 'Tokyo'],
  'ap-northeast-2': [37.6, 127.0, 'Seoul'],
  'ap-northeast-3': [34.7, 135.5, 'Osaka'],
  'ap-south-1': [19.1, 72.9, 'Mumbai'],
  'ap-south-2': [17.4, 78.5, 'Hyderabad'],
  'ap-east-1': [22.3, 114.2, 'Hong Kong'],
  'me-south-1': [26.1, 50.6, 'Bahrain'],
  'me-central-1': [25.2, 55.3, 'UAE'],
  'il-central-1': [32.1, 34.8, 'Tel Aviv'],
  'af-south-1': [-33.9, 18.4, 'Cape Town'],
};

export function awsRegionInfo(region: string): RegionInfo | undefined {
  const m = /^([a-z]{2})-(?:gov-|iso[a-z]*-)?[a-z]+-\d+$/.exec(region);
  if (!m) return undefined;
  const area = m[1];
  const geography = area === 'us' ? 'us' : area === 'eu' ? 'eu' : area === 'ap' ? 'apac' : 'other';
  return regionInfoFrom(geography, LOCATIONS, region);
}
