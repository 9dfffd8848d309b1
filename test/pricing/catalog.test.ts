import { describe, expect, it } from 'vitest';
import { createPriceCatalog, loadPriceCatalog } from '../../src/pricing/catalog.js';

const catalog = loadPriceCatalog();

describe('price catalog', () => {
  it('prices a known type in a region exactly, in micro-dollars, with its snapshot date', () => {
    expect(catalog.price('aws', 'us-east-1', 't3.micro')).toEqual({ kind: 'priced', hourlyMicros: 10_400, snapshotDate: '2022-05-22', source: 'aws-libcloud-2022-05-22' });
    expect(catalog.price('azure', 'westeurope', 'Standard_D2s_v3')).toMatchObject({ kind: 'priced', snapshotDate: '2026-06-18' });
  });

  it('reports an unknown type as unpriced, never as zero', () => {
    expect(catalog.price('aws', 'us-east-1', 'x2gd.medium')).toEqual({ kind: 'unpriced', reason: 'x2gd.medium is not in the aws price catalog' });
    expect(catalog.price('aws', 'eu-central-1', 'c6i.large')).toEqual({ kind: 'unpriced', reason: 'c6i.large has no catalog price in eu-central-1' });
  });

  it('lists offers with vCPU, memory and GPU per region, filtered', () => {
    const gpu = catalog.offers({ providers: ['gcp'], minGpu: 1 });
    expect(gpu.length).toBeGreaterThan(0);
    expect(gpu.every((o) => o.provider === 'gcp' && o.gpu >= 1 && o.vcpu > 0 && o.memoryGiB > 0)).toBe(true);
    const big = catalog.offers({ regions: ['westeurope'], minVcpu: 16, minMemoryGiB: 64 });
    expect(big.map((o) => o.type)).toContain('Standard_D16_v3');
    expect(big.every((o) => o.region === 'westeurope')).toBe(true);
  });

  it('covers all three clouds and keeps every price positive', () => {
    expect(Object.keys(catalog.snapshotDates()).sort()).toEqual(['aws', 'azure', 'gcp']);
    expect(catalog.offers().length).toBe(355);
    expect(catalog.offers().every((o) => o.hourlyMicros > 0)).toBe(true);
    expect(catalog.regions('gcp').sort()).toEqual(['asia-southeast1', 'europe-west1', 'us-central1']);
  });

  it('keeps the sources of every price', () => {
    const sources = catalog.sources();
    expect(sources.map((s) => s.id).sort()).toEqual(['aws-libcloud-2022-05-22', 'azure-karpenter-2026-06-18', 'gcp-cyclenerd-pricing-2025-03-06', 'gcp-libcloud-units-2020-06-30-derived']);
    expect(sources.every((s) => s.repository && s.licence)).toBe(true);
  });

  it('refuses a table with a zero price or an unknown source, naming the line', () => {
    const sources = 'source,provider,what,repository,path,commit,snapshot_date,licence,method\ns1,aws,hourly price,r,p,c,2024-01-01,MIT,m\n';
    const head = 'provider,region,instance_type,family,vcpu,memory_gib,gpu,usd_per_hour,source\n';
    expect(() => createPriceCatalog(head + 'aws,us-east-1,t3.micro,general-purpose,2,1,0,0,s1\n', sources)).toThrow(/line 2: price must be positive/);
    expect(() => createPriceCatalog(head + 'aws,us-east-1,t3.micro,general-purpose,2,1,0,0.01,nope\n', sources)).toThrow(/line 2: source "nope"/);
  });
});
