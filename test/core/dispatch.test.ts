import { describe, expect, it } from 'vitest';
import { defineAction, defineCommand } from '../../src/core/command.js';
import { createDispatcher, exitCodeOf, normalizeCommandText, type Authorizer } from '../../src/core/dispatch.js';
import { AppError, ProviderError } from '../../src/domain/model/errors.js';
import { createRegistry } from '../../src/core/registry.js';
import { textReply } from '../../src/core/reply.js';
import { toPlainText } from '../../src/core/render-text.js';
import { helpCommand } from '../../commands/help.command.js';
import type { Services } from '../../src/core/services.js';
import { silentLogger } from '../../src/lib/logger.js';

const echo = defineCommand({
  name: 'inventory',
  summary: 'List things',
  usage: 'inventory [--limit N]',
  permission: 'read',
  flags: { limit: { kind: 'int', min: 1, max: 5, description: 'rows' } },
  async run(_ctx, { flags }) {
    return { reply: textReply(`limit=${flags.limit ?? 'none'}`), data: { limit: flags.limit ?? null } };
  },
});
const boom = defineCommand({ name: 'boom', summary: 'Crashes', usage: 'boom', permission: 'read', flags: {}, run: async () => { throw new Error('secret internals at /srv/app.ts:12'); } });
const cloudFail = defineCommand({
  name: 'cloud-fail',
  summary: 'Fails in a cloud',
  usage: 'cloud-fail',
  permission: 'read',
  flags: {},
  run: async () => {
    throw new ProviderError('PROVIDER.FORBIDDEN', 'not authorized to DescribeInstances', { provider: 'aws', operation: 'DescribeInstances', region: 'eu-west-1', nativeCode: 'UnauthorizedOperation', requestId: 'req-1' });
  },
});
const adminOnly = defineCommand({ name: 'reset', summary: 'Admin', usage: 'reset', permission: 'admin', flags: {}, run: async () => ({ reply: textReply('done') }) });
const press = defineAction({ id: 'thing.press', permission: 'read', run: async (_ctx, value) => ({ reply: textReply(`pressed ${value}`), replace: true }) });

const authorizer: Authorizer = {
  check: async (actor, permission) => (permission === 'admin' && actor.id !== 'console:root' ? { ok: false, reason: 'reset needs the admin role; ask console:root.' } : { ok: true }),
};
const dispatcher = createDispatcher({
  registry: createRegistry([helpCommand, echo, boom, cloudFail, adminOnly], [press]),
  services: {} as Services,
  clock: { now: () => new Date('2026-11-22T10:00:00Z') },
  log: silentLogger(),
  authorizer,
});
const actor = { id: 'console:alice', displayName: 'alice', surface: 'console' as const };
const run = (text: string) => dispatcher.run({ text, actor, surface: 'console' });

describe('dispatch', () => {
  it('runs a command with parsed flags and returns its data', async () => {
    const r = await run('inventory --limit 3');
    expect(r).toMatchObject({ outcome: 'ok', command: 'inventory', data: { limit: 3 } });
  });

  it('strips the /cloud prefix and a bot mention', async () => {
    expect(normalizeCommandText('/cloud inventory')).toBe('inventory');
    expect(normalizeCommandText('<at>Steward</at> inventory --limit 2')).toBe('inventory --limit 2');
    expect((await run('@steward inventory')).outcome).toBe('ok');
  });

  it('answers an unknown command with the closest match and its usage line', async () => {
    const r = await run('invetnory');
    expect(r.outcome).toBe('usage');
    const text = toPlainText(r.reply);
    expect(text).toContain('Did you mean `inventory`?');
    expect(text).toContain('Usage: `inventory [--limit N]`');
    expect(exitCodeOf(r.outcome)).toBe(2);
  });

  it('answers a command with nothing close with the way to list commands', async () => {
    const text = toPlainText((await run('frobnicate')).reply);
    expect(text).toContain('Unknown command `frobnicate`.');
    expect(text).toContain('Type `help` to see every command.');
  });

  it('turns a bad option into a usage reply, never a crash', async () => {
    const r = await run('inventory --limit 99');
    expect(r.outcome).toBe('usage');
    expect(toPlainText(r.reply)).toMatch(/`--limit` must be at most 5[\s\S]*Usage: `inventory \[--limit N\]`/);
  });

  it('hides internals of an unexpected error behind a reference id', async () => {
    const r = await run('boom');
    expect(r.outcome).toBe('internal');
    const text = toPlainText(r.reply);
    expect(text).not.toContain('secret internals');
    expect(text).toContain(`ref ${r.correlationId}`);
  });

  it('shows a cloud error with its code, native code and request id', async () => {
    const r = await run('cloud-fail');
    expect(r.outcome).toBe('failed');
    expect(toPlainText(r.reply)).toContain('aws eu-west-1 DescribeInstances: not authorized to DescribeInstances (UnauthorizedOperation, request req-1)');
    expect(toPlainText(r.reply)).toContain('PROVIDER.FORBIDDEN');
  });

  it('refuses a command the actor may not run, saying why', async () => {
    const r = await run('reset');
    expect(r.outcome).toBe('forbidden');
    expect(toPlainText(r.reply)).toContain('reset needs the admin role; ask console:root.');
  });

  it('answers --help on any command with that command’s help, and no command with the list', async () => {
    expect(toPlainText((await run('inventory --help')).reply)).toContain('help inventory');
    expect(toPlainText((await run('')).reply)).toContain('Steward commands');
  });

  it('answers hostile input with usage replies', async () => {
    for (const text of ['inventory "unclosed', 'a'.repeat(5000), 'inventory \u0007', '__proto__', 'constructor']) {
      const r = await run(text);
      expect(r.outcome).toBe('usage');
    }
  });

  it('runs a button action and passes replace through', async () => {
    const r = await dispatcher.action({ actionId: 'thing.press', value: 'p-1', actor, surface: 'console' });
    expect(r).toMatchObject({ outcome: 'ok', replace: true });
    expect(toPlainText(r.reply)).toBe('pressed p-1');
  });

  it('refuses an unknown button and an empty value', async () => {
    expect((await dispatcher.action({ actionId: 'gone.away', value: 'x', actor, surface: 'console' })).outcome).toBe('usage');
    expect((await dispatcher.action({ actionId: 'thing.press', value: '', actor, surface: 'console' })).outcome).toBe('usage');
  });

  it('keeps AppError user messages', async () => {
    const e = new AppError('PLAN.EXPIRED', 'internal', { userMessage: 'That proposal expired.' });
    expect(e.userMessage).toBe('That proposal expired.');
  });
});
