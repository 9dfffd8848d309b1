/**
 * One correlation id per invocation, from the surface to the provider calls and the audit rows: a `stop` and the
 * approval click that runs it each get one; the provider calls and log lines of each carry it; the audit rows of
 * the proposal carry the id of the invocation that caused each (the execution's, the click's: it started it).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { withCorrelation } from '../../src/lib/correlation.js';
import { createLogger } from '../../src/lib/logger.js';
import { bootstrap, type App } from '../../src/main.js';
import { auditLog } from '../../src/persistence/schema.js';
import { actor } from '../support/approvals.js';

const POLICY = `
version: 1
defaultRole: viewer
expiry: 1h
roles:
  approver: [console:bob]
  operator: [console:alice]
`;

describe('correlation ids from the surface to provider calls and audit rows', () => {
  let app: App;
  const lines: Record<string, unknown>[] = [];
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-corr-'));
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
    const sink = new Writable({
      write(chunk: Buffer, _e, cb) {
        for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
        cb();
      },
    });
    const config = loadConfig({ STEWARD_DATA_DIR: 'memory://', STEWARD_POLICY_FILE: join(dir, 'policy.yaml'), STEWARD_DEMO_SEED: '42', STEWARD_DEMO_INSTANCES: '20', STEWARD_PLANNING_WORKERS: '0' });
    app = await bootstrap(config, { log: createLogger({ level: 'debug', destination: sink }) });
  }, 120_000);
  afterAll(async () => {
    await app?.close();
  });

  it('a command and the click that approves it: each id reaches its provider calls, log lines and audit rows', async () => {
    const inv = (await app.dispatcher.run({ text: 'inventory --state running --json', actor: actor('console:alice'), surface: 'console' })).data as { instances: { name: string }[] };
    const names = inv.instances.map((i) => i.name);
    const target = names.find((n) => names.indexOf(n) === names.lastIndexOf(n)) as string;
    // The surface starts the invocation (as Slack and Teams do): the dispatcher keeps its id.
    const proposed = await withCorrelation('surf0001', () => app.dispatcher.run({ text: `stop ${target}`, actor: actor('console:alice'), surface: 'console' }));
    expect(proposed.outcome).toBe('ok');
    expect(proposed.correlationId).toBe('surf0001');
    const id = (proposed.data as { id: string }).id;
    const approved = await app.dispatcher.action({ actionId: 'proposal.approve', value: id, actor: actor('console:bob'), surface: 'console' });
    expect(approved.outcome).toBe('ok');
    expect(approved.correlationId).toMatch(/^[0-9a-f]{8}$/);
    expect(approved.correlationId).not.toBe('surf0001');
    await app.approvals.idle();

    const rows = await app.database.db.select().from(auditLog).where(eq(auditLog.proposalId, id)).orderBy(asc(auditLog.id));
    const created = rows.filter((r) => r.action === 'proposal.created');
    expect(created.length).toBeGreaterThan(0);
    for (const r of created) expect(r.correlationId, r.action).toBe('surf0001');
    const later = rows.slice(created.length);
    expect(later.length).toBeGreaterThan(1);
    // The approval and everything its execution wrote: the click's id.
    for (const r of later) expect(r.correlationId, r.action).toBe(approved.correlationId);

    // Provider calls are logged with the id of the invocation that made them.
    const providerCalls = lines.filter((l) => l.msg === 'provider call');
    expect(providerCalls.some((l) => l.correlationId === 'surf0001')).toBe(true);
    expect(providerCalls.some((l) => l.correlationId === approved.correlationId && l.operation === 'apply')).toBe(true);
    // And the dispatcher's own lines too, once each.
    const answered = lines.filter((l) => l.msg === 'command answered');
    expect(answered.some((l) => l.correlationId === 'surf0001')).toBe(true);
  }, 120_000);
});
