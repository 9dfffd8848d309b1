import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { toPlainText } from '../../src/core/render-text.js';
import type { Actor } from '../../src/domain/model/actor.js';
import { SYSTEM_ACTOR } from '../../src/domain/model/actor.js';
import { silentLogger } from '../../src/lib/logger.js';
import { fromRoot } from '../../src/lib/paths.js';
import { bootstrap, type App } from '../../src/main.js';
import { auditLog } from '../../src/persistence/schema.js';
import { renderBlockKit } from '../../src/surfaces/slack/render.js';
import { renderAdaptiveCard, TEAMS_LIMITS } from '../../src/surfaces/teams/render.js';
import { alice } from '../support/app.js';

const NOW = new Date('2026-11-20T10:00:00Z');
let app: App;
beforeAll(async () => {
  app = await bootstrap(loadConfig({ STEWARD_DATA_DIR: 'memory://', LOG_LEVEL: 'silent' }), { log: silentLogger(), clock: { now: () => NOW } });
});
afterAll(() => app.close());

const slackChannel = { surface: 'slack' as const, address: { channel: 'C0COSTS' } };
const run = (text: string, actor: Actor = alice, conversation: { surface: 'slack' | 'console'; address: Record<string, string> } | null = { surface: 'console', address: {} }) =>
  app.dispatcher.run({ text, actor, surface: actor.surface, ...(conversation ? { conversation } : {}) });
const viewer: Actor = { id: 'slack:U0VIEWER', displayName: 'vic', surface: 'slack' };

/** Golden files: written on the first run (then reviewed and committed), compared afterwards. */
function golden(name: string, actual: string) {
  const file = fromRoot(`test/commands/golden/${name}`);
  if (!existsSync(file)) {
    mkdirSync(fromRoot('test/commands/golden'), { recursive: true });
    writeFileSync(file, actual);
  }
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

interface CostJson {
  forecast: { monthEndUsd: number; lowUsd: number; highUsd: number; method: string; asOf: string; mtdUsd: number };
  anomalies: { scope: string; day: string; excessUsd: number; critical: boolean }[];
  chart: { width: number; height: number; bytes: number } | null;
  historyDays: number;
  totalMonthlyUsd: number;
  byProvider: { key: string; monthlyUsd: number }[];
  underused: { name: string; metric: string; verdict: string }[];
}

describe('digest preview cost (fixed demo estate, fixed day)', () => {
  it('--json carries the forecast with its band, method and as-of, the anomalies and the chart', async () => {
    const r = await run('digest preview cost --json');
    expect(r.outcome).toBe('ok');
    const d = r.data as CostJson;
    expect(d.historyDays).toBe(61);
    expect(Object.keys(d.forecast).sort()).toEqual(expect.arrayContaining(['asOf', 'highUsd', 'lowUsd', 'method', 'monthEndUsd']));
    expect(d.forecast.asOf).toBe('2026-11-19');
    expect(d.forecast.lowUsd).toBeLessThan(d.forecast.monthEndUsd);
    expect(d.forecast.highUsd).toBeGreaterThan(d.forecast.monthEndUsd);
    expect(d.forecast.method).toMatch(/^least squares on \d+ clean days .*80% band; month-end = month-to-date actual \+ 11 predicted days$/);
    // The seeded spike: Google Cloud two days before today.
    expect(d.anomalies.map((a) => `${a.scope}:${a.day}`)).toContain('gcp:2026-11-18');
    expect(d.chart).toMatchObject({ width: 540, height: 220 });
    expect(d.byProvider.reduce((s, g) => s + g.monthlyUsd, 0)).toBeCloseTo(d.totalMonthlyUsd, 1);
    // GPU instances are judged by GPU utilization.
    expect(d.underused.filter((u) => u.name.startsWith('train-')).every((u) => u.metric === 'gpu')).toBe(true);
  });

  it('is one message within Slack’s 50 blocks, shown to the requester only, and matches the golden text', async () => {
    const r = await run('digest preview cost');
    expect(r.reply.visibility).toBe('ephemeral');
    expect(r.reply.blocks.some((b) => b.type === 'image')).toBe(true);
    expect(renderBlockKit(r.reply).blocks.length).toBeLessThanOrEqual(50);
    golden('cost-digest.txt', toPlainText(r.reply));
  });

  it('fits one Teams message (28 KB) with the chart inline', async () => {
    const r = await run('digest preview cost');
    const message = renderAdaptiveCard(r.reply);
    expect(Buffer.byteLength(JSON.stringify(message), 'utf8')).toBeLessThanOrEqual(TEAMS_LIMITS.messageBytes);
    expect(JSON.stringify(message)).toContain('data:image/png;base64,');
  });
});

describe('digest preview security', () => {
  it('lists counts by severity and provider and the failing checks, within 50 blocks, matching the golden text', async () => {
    const r = await run('digest preview security');
    expect(r.outcome).toBe('ok');
    expect(renderBlockKit(r.reply).blocks.length).toBeLessThanOrEqual(50);
    const text = toPlainText(r.reply);
    expect(text).toMatch(/By severity\s+🔴 critical \d+/);
    expect(text).toContain('First security digest here');
    golden('security-digest.txt', text);
  });
});

describe('digest subscriptions', () => {
  it('subscribes this channel (operator role), lists and unsubscribes it, every change audited', async () => {
    const s = await run('digest subscribe cost daily 09:00 Europe/Berlin', alice, slackChannel);
    expect(s.outcome).toBe('ok');
    const sub = (s.data as { subscription: { id: string; target: unknown }; next: string }).subscription;
    expect(sub.target).toEqual(slackChannel);
    expect((s.data as { next: string }).next).toBe('2026-11-21T08:00:00.000Z');
    const list = await run('digest list', alice, slackChannel);
    expect(toPlainText(list.reply)).toMatch(new RegExp(`${sub.id}\\s+cost\\s+daily 09:00 Europe/Berlin\\s+Slack <#C0COSTS> \\(here\\)`));
    const u = await run(`digest unsubscribe ${sub.id}`);
    expect(u.outcome).toBe('ok');
    expect((await run(`digest unsubscribe ${sub.id}`)).outcome).toBe('usage');
    const actions = (await app.database.db.select().from(auditLog).where(eq(auditLog.actorId, 'console:alice'))).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['digest.subscribe', 'digest.unsubscribe']));
  });

  it('refuses a viewer, a bad schedule (naming the accepted forms) and the CLI, which has no channel', async () => {
    expect((await run('digest subscribe cost daily 09:00 UTC', viewer, slackChannel)).outcome).toBe('forbidden');
    const bad = await run('digest subscribe security weekly someday 08:30 UTC', alice, slackChannel);
    expect(bad.outcome).toBe('usage');
    expect(toPlainText(bad.reply)).toContain('Accepted forms: daily HH:MM <time zone>');
    const tz = await run('digest subscribe security weekly mon 08:30 Mars/Olympus', alice, slackChannel);
    expect(toPlainText(tz.reply)).toContain('is not an IANA time zone');
    const cli = await run('digest subscribe cost daily 09:00 UTC', { id: 'cli:tester', displayName: 'tester', surface: 'cli' }, null);
    expect(toPlainText(cli.reply)).toContain('Subscribe from the channel');
  });

  it('the scheduler’s `digest run` posts to the channel and reports what is new and resolved since the previous digest', async () => {
    const s = await run('digest subscribe security weekly mon 08:30 UTC', alice, slackChannel);
    const id = (s.data as { subscription: { id: string } }).subscription.id;
    const first = await app.dispatcher.run({ text: `digest run ${id}`, actor: SYSTEM_ACTOR, surface: 'system' });
    expect(first.reply.visibility).toBe('channel');
    const keys = (first.data as { summary: { failingKeys: string[] } }).summary.failingKeys;
    // The previous digest had one finding that is gone now and lacked one that is there now.
    const runs = app.services.digests!.runs;
    await runs.claim({ job: `digest:${id}`, period: '2026-W46', scheduledFor: new Date('2026-11-16T08:30:00Z'), owner: 't', leaseMs: 60_000, now: NOW });
    await runs.finish(`digest:${id}`, '2026-W46', 't', { status: 'done', result: { summary: { failingKeys: [...keys.slice(1), 'aws-sg-ssh|aws:1:i-gone'] } } }, NOW);
    const second = await app.dispatcher.run({ text: `digest run ${id}`, actor: SYSTEM_ACTOR, surface: 'system' });
    const ch = (second.data as { changes: { new: unknown[]; resolved: { checkId: string; resource: string }[] } }).changes;
    expect(ch.new).toHaveLength(1);
    expect(ch.resolved).toEqual([{ checkId: 'aws-sg-ssh', resource: 'aws:1:i-gone' }]);
    expect(toPlainText(second.reply)).toMatch(/1 new, 1 resolved/);
  });

  it('the savings button creates the optimize proposal', async () => {
    const r = await app.dispatcher.action({ actionId: 'digest.optimize', value: 'optimize', actor: alice, surface: 'console' });
    expect(r.outcome).toBe('ok');
    expect((r.data as { proposal?: { id: string } }).proposal?.id).toMatch(/./);
  });
});
