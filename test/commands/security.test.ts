import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toPlainText } from '../../src/core/render-text.js';
import type { App } from '../../src/main.js';
import { auditLog } from '../../src/persistence/schema.js';
import type { Actor } from '../../src/domain/model/actor.js';
import { alice, demoApp } from '../support/app.js';
import { fixedClock } from '../support/approvals.js';

/** The app's clock: a mute's expiry is computed from it, so the test knows the exact instant. */
const NOW = new Date('2026-11-30T23:59:30Z');
let app: App;
beforeAll(async () => {
  app = await demoApp({}, { clock: fixedClock(NOW) });
});
afterAll(() => app.close());
const run = (text: string, actor: Actor = alice) => app.dispatcher.run({ text, actor, surface: actor.surface });
const viewer = { id: 'slack:U0VIEWER', displayName: 'vic', surface: 'slack' as const };

interface SecJson {
  checks: { id: string; prowler: string; cis: string; severity: string; title: string; clouds: string[]; failing: { id: string; name: string; detail: string }[]; muted: number }[];
  counts: { bySeverity: Record<string, number>; byProvider: Record<string, number> };
  resources: number;
}

describe('security', () => {
  it('--json lists at least 25 checks, each with a Prowler id, and the failing resources of the demo estate', async () => {
    const r = await run('security --json');
    expect(r.outcome).toBe('ok');
    const data = r.data as SecJson;
    expect(data.checks.length).toBeGreaterThanOrEqual(25);
    for (const c of data.checks) expect(c.prowler).toMatch(/^[a-z0-9_]+$/);
    expect(data.resources).toBe(60);
    const ssh = data.checks.filter((c) => /ssh/.test(c.id) && c.failing.length > 0);
    expect(ssh.length).toBeGreaterThan(0);
    expect(ssh[0]?.failing[0]?.detail).toMatch(/tcp\/22 from 0\.0\.0\.0\/0/);
    const total = Object.values(data.counts.bySeverity).reduce((a, b) => a + b, 0);
    expect(total).toBe(data.checks.reduce((s, c) => s + c.failing.length, 0));
  });

  it('renders counts by severity and provider, a table of failing checks and the failing resources', async () => {
    const text = toPlainText((await run('security')).reply);
    expect(text).toMatch(/By severity\s+🔴 critical \d+ · 🟠 high \d+/);
    expect(text).toMatch(/By provider\s+AWS \d+ · Azure \d+ · Google Cloud \d+/);
    expect(text).toContain('compute_firewall_ssh_access_from_the_internet_allowed');
    expect(text).toMatch(/- gcp \S+ \S+: firewall/);
  });

  it('mutes a check for a resource with an expiry and a reason, audited; the report counts it as muted', async () => {
    const before = (await run('security --json')).data as SecJson;
    const check = before.checks.find((c) => c.id === 'gcp-public-ip')!;
    const target = check.failing[0]!;
    const m = await run(`security mute gcp-public-ip ${target.name} 30d --reason "jump host, reviewed"`);
    expect(m.outcome).toBe('ok');
    expect((m.data as { mute: { expiresAt: string } }).mute.expiresAt).toBe('2026-12-30T23:59:30.000Z');
    expect(toPlainText(m.reply)).toContain('2026-12-30 23:59 UTC');
    const after = (await run('security --json')).data as SecJson;
    const c = after.checks.find((x) => x.id === 'gcp-public-ip')!;
    expect(c.failing.map((f) => f.name)).not.toContain(target.name);
    expect(c.muted).toBe(1);
    const rows = await app.database.db.select().from(auditLog).where(eq(auditLog.action, 'security.mute'));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actorId: 'console:alice', detail: expect.stringContaining('jump host, reviewed') });
    expect(toPlainText((await run('security mutes')).reply)).toContain('jump host, reviewed');
  });

  it('refuses a mute from a viewer, and bad mutes with the form to type', async () => {
    expect((await run('security mute gcp-public-ip x 30d --reason "because"', viewer)).outcome).toBe('forbidden');
    const noReason = await run('security mute gcp-public-ip x 30d');
    expect(noReason.outcome).toBe('usage');
    expect(toPlainText(noReason.reply)).toContain('--reason');
    const badDuration = await run('security mute gcp-public-ip x forever --reason "because"');
    expect(toPlainText(badDuration.reply)).toContain('30d');
    expect((await run('security mute no-such-check x 30d --reason "because"')).outcome).toBe('usage');
  });

  it('a viewer can read the report', async () => {
    expect((await run('security --severity critical', viewer)).outcome).toBe('ok');
  });
});
