/**
 * The health watch end to end through the dispatcher on the demo estate (PGlite): an injected outage becomes one
 * failover proposal by steward:watch (critical, 30-minute expiry, evidence), two people approve it, it runs; the
 * recovery closes the incident and the watch proposes the failback. An injected instance fault becomes exactly one
 * restart proposal. The drift check re-reads health before a plan runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DispatchResult } from '../../src/core/dispatch.js';
import { loadConfig } from '../../src/config.js';
import { bootstrap, type App } from '../../src/main.js';
import { silentLogger } from '../../src/lib/logger.js';
import { WATCH_ACTOR } from '../../src/domain/model/actor.js';
import type { Proposal } from '../../src/domain/model/proposal.js';
import { fixedClock, actor } from '../support/approvals.js';

const alice = actor('console:alice');
const bob = actor('console:bob');
const here = { surface: 'console' as const, address: {} };

describe('health watch: demo outage → failover → approvals → recovery → failback', () => {
  let app: App;
  const clock = fixedClock(new Date('2030-03-02T09:00:00Z'));
  const run = async (text: string, who = alice): Promise<DispatchResult> => {
    const r = await app.dispatcher.run({ text, argv: text.split(' '), actor: who, surface: 'console', conversation: here });
    return r;
  };
  const ok = async (text: string, who = alice) => {
    const r = await run(text, who);
    expect(r.outcome, `${text}: ${JSON.stringify(r.reply).slice(0, 400)}`).toBe('ok');
    return r;
  };
  const tick = async () => {
    const r = await app.dispatcher.run({ text: 'watch run', argv: ['watch', 'run'], actor: WATCH_ACTOR, surface: 'system' });
    expect(r.outcome, JSON.stringify(r.reply).slice(0, 400)).toBe('ok');
    return r.data as { notices: { kind: string; action: string | null; proposal: string | null }[]; posts: { target: unknown }[] };
  };
  const pending = async (): Promise<Proposal[]> => app.approvals.pending();
  const byWatch = async () => (await pending()).filter((p) => p.requester.id === WATCH_ACTOR.id);

  beforeAll(async () => {
    const config = loadConfig({ STEWARD_DATA_DIR: 'memory://', STEWARD_DEMO_SEED: '42', STEWARD_DEMO_INSTANCES: '60', LOG_LEVEL: 'silent', STEWARD_DEMO_WATCH_HOLD_SECONDS: '10', STEWARD_DEMO_WATCH_INTERVAL_SECONDS: '5' });
    app = await bootstrap(config, { log: silentLogger(), clock });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('health says every region is healthy before anything is injected (after the first poll)', async () => {
    const before = await ok('health --json');
    expect((before.data as { regions: { state: string }[] }).regions.every((r) => r.state === 'unknown')).toBe(true);
    await tick();
    const after = await ok('health --json');
    expect((after.data as { regions: { state: string }[] }).regions.every((r) => r.state === 'healthy')).toBe(true);
  });

  it('an outage becomes one failover proposal by steward:watch, critical, expiring in 30 minutes, with evidence; posted to the subscribed channel', async () => {
    await ok('watch subscribe');
    await ok('demo outage aws/eu-west-1');
    clock.advance(5000);
    const first = await tick();
    const watchProposals = await byWatch();
    expect(watchProposals).toHaveLength(1);
    const p = watchProposals[0] as Proposal;
    expect(p.risk).toBe('critical');
    expect(p.required.count).toBe(2);
    expect(p.plan.kind).toBe('failover');
    expect(p.plan.origin).toMatchObject({ by: 'health-watch', action: 'failover', cloud: 'aws', region: 'eu-west-1' });
    expect(p.expiresAt.getTime() - p.createdAt.getTime()).toBe(30 * 60_000);
    expect(p.plan.evidence?.join('\n')).toMatch(/fail their status checks/);
    expect(p.plan.evidence?.join('\n')).toMatch(/Blast radius: \d+ running instance/);
    expect(p.plan.evidence?.join('\n')).toMatch(/Cost delta/);
    expect(p.plan.steps.some((s) => s.kind === 'create' && s.placement.region === 'eu-west-1')).toBe(false);
    expect(first.notices.filter((n) => n.kind === 'proposed')).toHaveLength(1);
    expect(first.posts.length).toBeGreaterThanOrEqual(1);
    expect(first.posts[0]?.target).toEqual(here);

    const approvalsJson = await ok('approvals --json');
    expect(JSON.stringify(approvalsJson.data)).toContain(p.id);

    const health = await ok('health --json');
    const region = (health.data as { regions: { cloud: string; region: string; state: string; evidence: string[]; incident?: string }[] }).regions.find((r) => r.cloud === 'aws' && r.region === 'eu-west-1');
    expect(region?.state).toBe('degraded');
    expect(region?.evidence.join(' ')).toMatch(/incident inc-/);
    expect(region?.evidence.join(' ')).toMatch(/outage/);
  });

  it('later passes update the incident instead of proposing again', async () => {
    for (let i = 0; i < 4; i++) {
      clock.advance(5000);
      const r = await tick();
      expect(r.notices.filter((n) => n.kind === 'proposed')).toEqual([]);
    }
    expect(await byWatch()).toHaveLength(1);
  });

  it('two approvals run the failover; the recovery closes the incident and the watch proposes the failback (never runs it)', async () => {
    const [p] = await byWatch();
    if (!p) throw new Error('no watch proposal');
    expect(await ok(`approve ${p.id}`, alice)).toBeTruthy();
    const second = await ok(`approve ${p.id}`, bob);
    expect(second.outcome).toBe('ok');
    await app.approvals.idle();
    const done = await app.approvals.get(p.id);
    expect(done?.proposal.status, done?.proposal.outcome).toBe('succeeded');

    await ok('demo recover aws/eu-west-1');
    clock.advance(5000);
    const r = await tick();
    expect(r.notices.map((n) => n.kind)).toContain('closed');
    const failbacks = (await byWatch()).filter((x) => x.plan.origin?.action === 'failback');
    expect(failbacks).toHaveLength(1);
    const fb = failbacks[0] as Proposal;
    expect(fb.status).toBe('proposed');
    expect(fb.plan.steps.filter((s) => s.kind === 'start').length).toBeGreaterThan(0);
    expect(fb.plan.steps.filter((s) => s.kind === 'stop').length).toBeGreaterThan(0);
    clock.advance(5000);
    await tick();
    expect((await byWatch()).filter((x) => x.plan.origin?.action === 'failback')).toHaveLength(1);
    const health = await ok('health --json');
    // Its originals are stopped until the failback runs, so the region may have no running instance to list.
    const data = health.data as { regions: { cloud: string; region: string; state: string }[]; incidents: { key: string; state: string }[] };
    expect(data.regions.filter((x) => x.state !== 'healthy')).toEqual([]);
    expect(data.incidents.find((i) => i.key === 'region:aws:eu-west-1')?.state).toBe('closed');
  });
});

describe('health watch: a resolved incident withdraws its unapproved failover; the drift check re-reads health', () => {
  let app: App;
  const clock = fixedClock(new Date('2030-03-03T09:00:00Z'));
  const ok = async (text: string, who = alice) => {
    const r = await app.dispatcher.run({ text, argv: text.split(' '), actor: who, surface: 'console', conversation: here });
    expect(r.outcome, `${text}: ${JSON.stringify(r.reply).slice(0, 400)}`).toBe('ok');
    return r;
  };
  const tick = async () => (await app.dispatcher.run({ text: 'watch run', argv: ['watch', 'run'], actor: WATCH_ACTOR, surface: 'system' })).data as { notices: { kind: string }[] };

  beforeAll(async () => {
    app = await bootstrap(loadConfig({ STEWARD_DATA_DIR: 'memory://', LOG_LEVEL: 'silent' }), { log: silentLogger(), clock });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('withdraws the open failover with a note when the outage ends before anyone approved it', async () => {
    await ok('demo outage aws/eu-west-1');
    await tick();
    const [p] = (await app.approvals.pending()).filter((x) => x.requester.id === WATCH_ACTOR.id);
    if (!p) throw new Error('no watch proposal');
    await ok(`approve ${p.id}`, alice);
    await ok('demo recover aws/eu-west-1');
    clock.advance(5000);
    const r = await tick();
    expect(r.notices.map((n) => n.kind)).toEqual(expect.arrayContaining(['closed', 'withdrawn']));
    const after = await app.approvals.get(p.id);
    expect(after?.proposal.status).toBe('cancelled');
    expect(after?.proposal.outcome).toMatch(/withdrawn by the health watch: incident inc-\w+ resolved/);
    // Nothing was executed, so there is nothing to fail back.
    expect((await app.approvals.pending()).filter((x) => x.requester.id === WATCH_ACTOR.id)).toEqual([]);
  });

  it('a failover whose target region became unhealthy stops before any change, saying so', async () => {
    await ok('demo outage aws/eu-west-1');
    clock.advance(5000);
    await tick();
    const [p] = (await app.approvals.pending()).filter((x) => x.requester.id === WATCH_ACTOR.id);
    if (!p) throw new Error('no watch proposal');
    const target = p.plan.steps.find((s) => s.kind === 'create');
    if (target?.kind !== 'create') throw new Error('no create step');
    await ok(`demo outage ${target.placement.provider}/${target.placement.region}`);
    clock.advance(5000);
    await tick();
    await ok(`approve ${p.id}`, alice);
    await ok(`approve ${p.id}`, bob);
    await app.approvals.idle();
    const after = await app.approvals.get(p.id);
    expect(after?.proposal.status).toBe('failed');
    expect(after?.proposal.outcome).toMatch(new RegExp(`Nothing was changed: target region ${target.placement.provider} ${target.placement.region} is unhealthy now`));
  });

  it('the drift check stops a watch failover whose incident has closed', async () => {
    const watch = app.services.health?.watch;
    if (!watch) throw new Error('no watch');
    const store = app.services.health?.store;
    if (!store) throw new Error('no health store');
    const inc = (await store.incidents({ state: 'open' })).find((i) => i.key === 'region:aws:eu-west-1');
    if (!inc) throw new Error('no open incident');
    expect(await watch.preflight({ kind: 'failover', title: 't', steps: [], totals: { beforeMonthlyMicros: 0, afterMonthlyMicros: 0, savingsMonthlyMicros: 0 }, priceSnapshots: {}, origin: { by: 'health-watch', incidentId: inc.id, action: 'failover', cloud: 'aws', region: 'eu-west-1' } })).toBeUndefined();
    // The incident closes (as the next pass does once the outage ends) between the approvals and the execution.
    expect(await store.closeIncident(inc.id, clock.now(), 'test')).toBe(true);
    const msg = await watch.preflight({ kind: 'failover', title: 't', steps: [], totals: { beforeMonthlyMicros: 0, afterMonthlyMicros: 0, savingsMonthlyMicros: 0 }, priceSnapshots: {}, origin: { by: 'health-watch', incidentId: inc.id, action: 'failover', cloud: 'aws', region: 'eu-west-1' } });
    expect(msg).toMatch(new RegExp(`incident ${inc.id} \\(aws eu-west-1\\) closed at .*no longer needed`));
  });
});

describe('health watch: an injected instance fault → exactly one restart proposal; a flapping one → none', () => {
  let app: App;
  const clock = fixedClock(new Date('2030-03-04T09:00:00Z'));
  const ok = async (text: string, who = alice) => {
    const r = await app.dispatcher.run({ text, argv: text.split(' '), actor: who, surface: 'console', conversation: here });
    expect(r.outcome, `${text}: ${JSON.stringify(r.reply).slice(0, 400)}`).toBe('ok');
    return r;
  };
  const tick = async () => (await app.dispatcher.run({ text: 'watch run', argv: ['watch', 'run'], actor: WATCH_ACTOR, surface: 'system' })).data as { notices: { kind: string }[] };
  const restarts = async () => (await app.approvals.pending()).filter((x) => x.requester.id === WATCH_ACTOR.id && x.plan.origin?.action === 'restart');
  let victim: { id: string; name: string };
  let flapper: { id: string; name: string };

  beforeAll(async () => {
    app = await bootstrap(loadConfig({ STEWARD_DATA_DIR: 'memory://', LOG_LEVEL: 'silent', STEWARD_DEMO_WATCH_HOLD_SECONDS: '10' }), { log: silentLogger(), clock });
    const running = (await app.services.inventory.collect({})).instances.filter((i) => i.state === 'running');
    // Two running instances in different regions, so neither region counts as degraded.
    const [a] = running;
    const b = running.find((i) => i.region !== a?.region);
    if (!a || !b) throw new Error('need two running instances in two regions');
    victim = a;
    flapper = b;
  });
  afterAll(async () => {
    await app?.close();
  });

  it('a flapping fault (fails, passes, fails … each shorter than the hold) proposes nothing', async () => {
    for (let i = 0; i < 6; i++) {
      await ok(`demo fault ${flapper.id}`);
      await tick();
      clock.advance(5000);
      await tick();
      await ok(`demo recover ${flapper.id}`);
      clock.advance(5000);
      await tick();
    }
    expect(await restarts()).toEqual([]);
  });

  it('a lasting fault becomes one restart proposal (a reboot step, medium risk), and only one', async () => {
    await ok(`demo fault ${victim.id}`);
    await tick();
    clock.advance(5000);
    await tick();
    expect(await restarts()).toEqual([]);
    clock.advance(6000);
    await tick();
    for (let i = 0; i < 3; i++) {
      clock.advance(5000);
      await tick();
    }
    const found = await restarts();
    expect(found).toHaveLength(1);
    const p = found[0] as Proposal;
    expect(p.risk).toBe('medium');
    expect(p.plan.steps.map((s) => [s.kind, s.target.id])).toEqual([['reboot', victim.id]]);
    expect(p.plan.evidence?.join('\n')).toMatch(/status checks have failed for at least 10 s/);
  });

  it('approved, the reboot clears the fault and the next pass closes the incident (nothing to withdraw)', async () => {
    const [p] = await restarts();
    if (!p) throw new Error('no restart proposal');
    await ok(`approve ${p.id}`, bob);
    await app.approvals.idle();
    expect((await app.approvals.get(p.id))?.proposal.status).toBe('succeeded');
    clock.advance(5000);
    const r = await tick();
    expect(r.notices.map((n) => n.kind)).toEqual(['closed']);
    expect((await app.services.health?.store.incidents({ state: 'open' }))?.filter((i) => i.kind === 'instance')).toEqual([]);
  });
});
