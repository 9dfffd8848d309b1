import { regionInfoFrom, type RegionInfo, type RegionLocations } from '../../domain/model/cloud.js';

/**
 * Azure region names are words (`australiaeast`, `germanywestcentral`, `eastus2`): the geography follows from the
 * country or area in them. `*us*` names of the US regions, Europe's countries and `europe`, Asia Pacific's
 * countries and `asia`; the others (Canada, Brazil, South Africa, UAE, Qatar, Israel, Mexico) are `other`.
 */
const US = /^(east|west|central|north|south|northcentral|southcentral|westcentral)us\d?$|^usgov|^usdod/;
const EU = /europe|^uk|^france|^germany|^norway|^sweden|^switzerland|^poland|^italy|^spain|^austria|^belgium|^denmark|^finland|^greece/;
const APAC = /asia|^australia|^japan|^korea|^india|^(central|south|west)india|^jioindia|^newzealand|^indonesia|^malaysia|^taiwan/;

const LOCATIONS: RegionLocations = {
  eastus: [37.4, -79.8, 'East US'],
  eastus2: [36.7, -78.4, 'East US 2'],
  westus: [37.8, -122.4, 'West US'],
  westus2: [47.2, -119.9, 'West US 2'],
  westus3: [33.4, -112.1, 'West US 3'],
  centralus: [41.6, -93.6, 'Central US'],
  southcentralus: [29.4, -98.5, 'South Central US'],
  northcentralus: [41.9, -87.6, 'North Central US'],
  westeurope: [52.4, 4.9, 'West Europe'],
  northeurope: [53.3, -6.3, 'North Europe'],
  uksouth: [51.5, -0.1, 'UK South'],
  francecentral: [46.3, 2.4, 'France Central'],
  germanywestcentral: [50.1, 8.7, 'Germany West Central'],
  swedencentral: [60.7, 17.1, 'Sweden Central'],
  southeastasia: [1.28, 103.8, 'Southeast Asia'],
  eastasia: [22.3, 114.2, 'East Asia'],
  australiaeast: [-33.9, 151.2, 'Australia East'],
  japaneast: [35.7, 139.7, 'Japan East'],
  koreacentral: [37.6, 127.0, 'Korea Central'],
  centralindia: [18.6, 73.9, 'Central India'],
};

export function azureRegionInfo(region: string): RegionInfo | undefined {
  const r = region.toLowerCase().replace(/\s+/g, '');
  if (!/^[a-z0-9]+$/.test(r)) return undefined;
  const geography = US.test(r) ? 'us' : EU.test(r) ? 'eu' : APAC.test(r) ? 'apac' : 'other';
  return regionInfoFrom(geography, LOCATIONS, r, region);
}
