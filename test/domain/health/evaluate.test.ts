import { describe, expect, it } from 'vitest';
import { evaluateHealth, type IncidentDecision } from '../../../src/domain/health/evaluate.js';
import type { Incident } from '../../../src/domain/model/health.js';
import type { StoredHealthEvent } from '../../../src/domain/ports/health-store.port.js';

const T0 = new Date('2026-07-01T10:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const settings = { holdMs: 300_000, confirmInstances: 2 };

function status(id: string, region: string, state: 'open' | 'closed', since: Date): StoredHealthEvent {
  return {
    key: `demo:status:aws:${id}`,
    source: 'demo',
    cloud: 'aws',
    region,
    scope: 'instance',
    kind: 'status',
    service: 'compute',
    state,
    severity: 'warning',
    started: since.toISOString(),
    updated: since.toISOString(),
    affected: [{ ref: { provider: 'aws', account: '1', region, id }, name: id }],
    summary: state === 'open' ? 'instance reachability failed' : 'status checks pass',
    firstSeen: T0,
    lastSeen: since,
    stateSince: since,
  };
}

function issue(region: string, since: Date, state: 'open' | 'closed' = 'open'): StoredHealthEvent {
  return { ...status('x', region, state, since), key: `aws:health:${region}`, scope: 'region', kind: 'issue', affected: [], summary: 'Increased error rates', service: 'EC2' };
}

const count = (n: number) => () => n;
const opens = (d: IncidentDecision[]) => d.filter((x) => x.kind === 'open');

describe('health evaluation (hysteresis)', () => {
  it('an impaired instance counts only after its checks failed for the hold time', () => {
    const e = status('i-1', 'eu-west-1', 'open', T0);
    expect(opens(evaluateHealth({ now: at(299), events: [e], incidents: [], instancesIn: count(10), settings }))).toEqual([]);
    const d = opens(evaluateHealth({ now: at(300), events: [e], incidents: [], instancesIn: count(10), settings }));
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ kind: 'open', incident: 'instance', key: 'instance:aws:i-1' });
  });

  it('a flapping signal proposes nothing: every pass restarts the hold clock', () => {
    // impaired for 4 min, passes, impaired again for 4 min, … observed every minute for an hour
    let since = T0;
    for (let minute = 0; minute < 60; minute++) {
      const phase = minute % 5; // 0-3 impaired, 4 passes
      if (phase === 0) since = at(minute * 60);
      const e = status('i-1', 'eu-west-1', phase === 4 ? 'closed' : 'open', phase === 4 ? at(minute * 60) : since);
      expect(opens(evaluateHealth({ now: at(minute * 60 + 59), events: [e], incidents: [], instancesIn: count(10), settings }))).toEqual([]);
    }
  });

  it('a provider issue is confirmed at once by two instances failing their checks there', () => {
    const events = [issue('eu-west-1', T0), status('i-1', 'eu-west-1', 'open', T0), status('i-2', 'eu-west-1', 'open', T0)];
    const d = opens(evaluateHealth({ now: at(1), events, incidents: [], instancesIn: count(10), settings }));
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ incident: 'region', key: 'region:aws:eu-west-1' });
    expect(d[0]?.kind === 'open' && d[0].evidence.impaired.map((i) => i.id)).toEqual(['i-1', 'i-2']);
  });

  it('a provider issue without own evidence counts only after the hold time', () => {
    const events = [issue('eu-west-1', T0)];
    expect(opens(evaluateHealth({ now: at(120), events, incidents: [], instancesIn: count(10), settings }))).toEqual([]);
    expect(opens(evaluateHealth({ now: at(300), events, incidents: [], instancesIn: count(10), settings }))).toHaveLength(1);
  });

  it('instances in a suspect region get no restart of their own (the region answers for them)', () => {
    const events = [issue('eu-west-1', at(250)), status('i-1', 'eu-west-1', 'open', T0)];
    const d = opens(evaluateHealth({ now: at(400), events, incidents: [], instancesIn: count(10), settings }));
    expect(d.map((x) => x.kind === 'open' && x.incident)).toEqual([]);
  });

  it('a region incident closes when the feed closes and the instances pass; an instance incident when it passes', () => {
    const region: Incident = { id: 'inc-r', key: 'region:aws:eu-west-1', kind: 'region', cloud: 'aws', region: 'eu-west-1', state: 'open', openedAt: T0, updatedAt: T0, evidence: { signals: [], impaired: [], confirmedBy: 'x', instancesInScope: 10 } };
    const inst: Incident = { ...region, id: 'inc-i', key: 'instance:aws:i-9', kind: 'instance', region: 'us-east-1', instance: { provider: 'aws', account: '1', region: 'us-east-1', id: 'i-9' } };
    const still = evaluateHealth({ now: at(600), events: [issue('eu-west-1', T0), status('i-9', 'us-east-1', 'open', T0)], incidents: [region, inst], instancesIn: count(10), settings });
    expect(still.filter((d) => d.kind === 'close')).toEqual([]);
    const done = evaluateHealth({ now: at(900), events: [issue('eu-west-1', T0, 'closed'), status('i-9', 'us-east-1', 'closed', at(800))], incidents: [region, inst], instancesIn: count(10), settings });
    expect(done.filter((d) => d.kind === 'close').map((d) => d.kind === 'close' && d.incident.id).sort()).toEqual(['inc-i', 'inc-r']);
  });
});
