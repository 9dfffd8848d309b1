/**
 * Hostile and over-long input to the console's API over HTTP, on the real command layer: every refusal is a 400
 * that says what was wrong (and that the page can show), ids are checked before they reach the database, and
 * nothing a user typed is echoed back at full length. Also the first page's sentence on what the estate holds.
 */
import { describe, expect, it } from 'vitest';
import { actions, reply, text } from '../../src/core/reply.js';
import { toHtml } from '../../src/surfaces/console/render.js';
import { useConsoleServer } from '../support/console.js';

const steward = useConsoleServer();

const post = steward.post;

describe('console API input limits', () => {
  it('refuses a command over 4,000 characters with a 400 that says how long it was and the limit', async () => {
    const r = await post('/api/command', { text: `stop ${'x'.repeat(4000)}`, user: 'alice' });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('That command is 4005 characters long; the limit is 4000.');
    expect(r.body.html).toContain('That command is 4005 characters long; the limit is 4000.');
    expect(r.body.outcome).toBe('usage');
  });

  it('refuses a name over 40 characters with its own message', async () => {
    const r = await post('/api/command', { text: 'help', user: 'n'.repeat(41) });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('Your name is 41 characters long; names are at most 40.');
  });

  it('refuses a NUL byte in an action value with a 400 before it reaches the database', async () => {
    const r = await post('/api/action', { actionId: 'proposal.approve', value: 'abc\u0000def', user: 'bob' });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/button value contains control characters \(such as NUL\)/);
    // And the command layer refuses it too, whatever surface sends it (Slack, Teams).
    const direct = await steward.app.dispatcher.action({ actionId: 'proposal.approve', value: 'abc\u0000def', actor: { id: 'console:bob', displayName: 'bob', surface: 'console' }, surface: 'console' });
    expect(direct.outcome).toBe('usage');
    expect(direct.errorCode).toBe('COMMAND.USAGE');
  });

  it('echoes at most 40 characters of a long instance name back', async () => {
    const r = await post('/api/command', { text: `stop ${'y'.repeat(3000)}`, user: 'alice' });
    expect(r.status).toBe(200);
    expect(r.body.outcome).toBe('not-found');
    expect(r.body.text).toContain(`No instance is named or has the id \`${'y'.repeat(40)}…\``);
    expect(String(r.body.text)).not.toContain('y'.repeat(41));
  });
});

describe('console first page', () => {
  it('says what the demo estate holds', async () => {
    const w = (await (await fetch(`${steward.base}/api/welcome?user=alice`)).json()) as { estate: string };
    expect(w.estate).toMatch(/^The demo estate holds 60 simulated instances \(\d+ running, \$[\d,]+ a month\) on aws, azure and gcp in \d+ regions; nothing here touches a real cloud/);
  });

  it('the page itself says what Steward is and offers three commands to try', async () => {
    const html = await (await fetch(`${steward.base}/`)).text();
    expect(html).toMatch(/<section class="intro"/);
    expect([...html.matchAll(/data-try="([^"]+)"/g)].map((m) => m[1])).toEqual(['inventory', 'cost --by region', 'optimize']);
  });
});

describe('console icons without an emoji font', () => {
  it('renders status emoji as CSS shapes and drops any other pictograph, never inside an attribute', () => {
    const html = toHtml(
      reply({
        title: '🚨 Cost anomaly',
        blocks: [text('**Status**: 🕓 waiting for approval · ✅ done · ⚙️ executing · ↩️ rolled back · 🔴 critical 2 · 📈 up · © 2026'), actions({ actionId: 'a.b', label: 'Approve ✅', value: 'p-1', confirm: { title: 'Sure ✅?', text: 'x', confirm: 'Yes', deny: 'No' } })],
      }),
    );
    const content = html.replace(/<[^>]*>/g, '');
    expect(content).not.toMatch(/(?![\u00a9])\p{Extended_Pictographic}/u);
    expect(content).toContain('© 2026');
    for (const c of ['alarm', 'wait', 'ok', 'busy', 'undo', 'red']) expect(html).toContain(`<span class="ico ico-${c}" aria-hidden="true"></span>`);
    // The confirm text is an attribute: escaped as it is, no markup inside it.
    expect(html).toContain('data-confirm="Sure ✅?');
  });
});
