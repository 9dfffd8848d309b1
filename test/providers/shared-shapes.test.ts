/**
 * What the cloud adapters share instead of repeating: the poll over scopes every health adapter ends with
 * (observeScopes), and the region table every regions.ts reads (regionInfoFrom).
 */
import { describe, expect, it } from 'vitest';
import { regionInfoFrom } from '../../src/domain/model/cloud.js';
import type { HealthEvent, InstanceHealth } from '../../src/domain/model/health.js';
import type { Gap } from '../../src/domain/ports/cloud-provider.port.js';
import { observeScopes } from '../../src/domain/ports/health-source.port.js';
import { azureRegionInfo } from '../../src/providers/azure/regions.js';

const inst = (id: string) => ({ ref: { provider: 'aws', account: 'a', region: 'r', id } }) as unknown as InstanceHealth;
const ev = (key: string) => ({ key }) as unknown as HealthEvent;
const gap = (message: string): Gap => ({ provider: 'aws', code: 'HEALTH.STATUS_UNREADABLE', message });

describe('observeScopes (the tail of every health adapter poll)', () => {
  it('a read that fails becomes its gap; the scope\'s other reads and the other scopes still count', async () => {
    const obs = await observeScopes(
      ['p1', 'p2'],
      [
        {
          read: async (p) => {
            if (p === 'p2') throw new Error('403');
            return { instances: [inst(`${p}-vm`)], events: [ev(`${p}-status`)] };
          },
          unreadable: (p, err) => gap(`status of ${p}: ${(err as Error).message}`),
        },
        { read: async (p) => ({ events: [ev(`${p}-service`)] }), unreadable: (p) => gap(`service health of ${p}`) },
      ],
    );
    expect(obs.instances.map((i) => i.ref.id)).toEqual(['p1-vm']);
    expect(obs.events.map((e) => e.key).sort()).toEqual(['p1-service', 'p1-status', 'p2-service']);
    expect(obs.gaps.map((g) => g.message)).toEqual(['status of p2: 403']);
  });

  it('keeps the gaps a read adds itself beside what it read', async () => {
    const obs = await observeScopes(['sub'], [
      {
        read: async (s, gaps) => {
          gaps.push(gap(`service health of ${s}`));
          return { instances: [inst('vm')] };
        },
        unreadable: () => gap('never'),
      },
    ]);
    expect(obs).toEqual({ instances: [inst('vm')], events: [], gaps: [gap('service health of sub')] });
  });
});

describe('regionInfoFrom (the shape of every regions.ts)', () => {
  const table = { 'eu-west-1': [53.3, -6.3, 'Ireland'] } as const;

  it('locates and labels a region its table lists', () => {
    expect(regionInfoFrom('eu', table, 'eu-west-1')).toEqual({ geography: 'eu', lat: 53.3, lon: -6.3, label: 'Ireland' });
  });

  it('gives a region its table does not list no location and the name it was given', () => {
    expect(regionInfoFrom('other', table, 'me-central-1')).toEqual({ geography: 'other', lat: Number.NaN, lon: Number.NaN, label: 'me-central-1' });
    // Azure looks names up folded ('Brazil South' → brazilsouth) and labels an unlisted one as it was written.
    expect(azureRegionInfo('Brazil South')).toEqual({ geography: 'other', lat: Number.NaN, lon: Number.NaN, label: 'Brazil South' });
    expect(azureRegionInfo('East US')).toMatchObject({ geography: 'us', label: 'East US' });
  });
});
