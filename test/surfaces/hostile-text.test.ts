/**
 * Hostile names and reasons through every renderer: a proposal card whose instance is named `<!channel>-web`, whose
 * rejecter wrote a reason holding a Slack link and a markdown link, and whose names carry `&amp;` and terminal
 * escape sequences. Nothing of it may become a mention, a link, markup or a terminal control on any surface.
 */
import { describe, expect, it } from 'vitest';
import { proposalCard } from '../../commands/proposal-format.js';
import { toPlainText } from '../../src/core/render-text.js';
import type { Plan } from '../../src/domain/model/plan.js';
import type { Proposal } from '../../src/domain/model/proposal.js';
import { toHtml } from '../../src/surfaces/console/render.js';
import { renderBlockKit } from '../../src/surfaces/slack/render.js';
import { renderAdaptiveCard } from '../../src/surfaces/teams/render.js';

const HOSTILE_NAME = '<!channel>-web';
const HOSTILE_REASON = 'see <https://evil.example|the runbook> or [click here](https://evil.example/phish) &amp; `rm -rf`';
const ESCAPES = 'dana\u001b[2J\u001b]0;owned\u0007\u202e';

const plan: Plan = {
  kind: 'direct',
  title: `stop ${HOSTILE_NAME}`,
  steps: [
    {
      id: 's1',
      kind: 'stop',
      target: { provider: 'aws', account: '1', region: 'eu-west-1', id: 'i-1' },
      targetName: HOSTILE_NAME,
      expect: { state: 'running' },
      reason: '**urgent** [docs](https://evil.example/x)',
    },
  ],
  totals: { beforeMonthlyMicros: 0, afterMonthlyMicros: 0, savingsMonthlyMicros: 0 },
  priceSnapshots: {},
};

const rejected: Proposal = {
  id: 'k3x9qa',
  status: 'rejected',
  plan,
  risk: 'medium',
  required: { count: 1, role: 'approver' },
  requester: { id: 'slack:T1:U1', name: `${ESCAPES} &amp; <@U0ADMIN>`, surface: 'slack' },
  permissions: [],
  createdAt: new Date('2030-01-01T10:00:00Z'),
  expiresAt: new Date('2030-01-01T11:00:00Z'),
  approvals: 0,
  decisions: [{ by: { id: 'slack:T1:U2', name: '<!here>', surface: 'slack' }, decision: 'reject', role: 'approver', reason: HOSTILE_REASON, at: new Date('2030-01-01T10:05:00Z') }],
  outcome: 'rejected by <!here>',
  messages: [],
};
const card = proposalCard(rejected);

/** Every mrkdwn text of a Block Kit message (plain_text objects are never parsed for mentions or links). */
function mrkdwnTexts(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(mrkdwnTexts);
  if (!v || typeof v !== 'object') return [];
  const o = v as Record<string, unknown>;
  const own = o.type === 'mrkdwn' && typeof o.text === 'string' ? [o.text] : [];
  return [...own, ...Object.values(o).flatMap(mrkdwnTexts)];
}

describe('hostile names and reasons stay text on every surface', () => {
  it('Slack: the top-level text fallback is escaped (&, <, >) as the blocks are, so no mention or link reaches the channel', () => {
    const msg = renderBlockKit(card);
    for (const raw of ['<!channel>', '<!here>', '<https://evil', '<@U0ADMIN>']) {
      expect(msg.text).not.toContain(raw);
      for (const t of mrkdwnTexts(msg.blocks)) expect(t).not.toContain(raw);
    }
    expect(mrkdwnTexts(msg.blocks).length).toBeGreaterThan(3);
    expect(msg.text).toContain('&lt;!channel&gt;-web');
    // A literal "&amp;" typed by someone shows as "&amp;", not as "&".
    expect(msg.text).toContain('&amp;amp;');
    // No mrkdwn link of any kind was made from data.
    for (const t of mrkdwnTexts(msg.blocks)) expect(t).not.toMatch(/<https?:/);
  });

  it('Slack: a reject reason holding a markdown link does not become a link in the card', () => {
    const texts = mrkdwnTexts(renderBlockKit(card).blocks);
    const decision = texts.find((t) => t.includes('rejected at'));
    expect(decision).toContain('click here');
    expect(decision).not.toContain('<https://evil.example/phish|');
    expect(decision).not.toMatch(/\[click here\]\(https/);
  });

  it('Teams: the card keeps data literal: no markdown link, no bold, no mention markup from names or reasons', () => {
    const json = JSON.stringify(renderAdaptiveCard(card).card);
    expect(json).not.toContain('](https://evil.example/phish)');
    expect(json).not.toContain('](https://evil.example/x)');
    expect(json).not.toContain('**urgent**');
    expect(json).not.toMatch(/<at>/);
    // The words are still there for a reader.
    expect(json).toContain('click here');
    expect(json).toContain('-web');
  });

  it('console: names and reasons are escaped HTML and never a link or markup', () => {
    const html = toHtml(card);
    expect(html).not.toContain('<!channel>');
    expect(html).not.toContain('<https://evil');
    expect(html).not.toMatch(/<a [^>]*evil\.example/);
    expect(html).not.toContain('<strong>urgent</strong>');
    expect(html).toContain('&lt;!channel&gt;-web');
    expect(html).toContain('&amp;amp;');
  });

  it('CLI: control characters and bidi overrides in names never reach the terminal', () => {
    const out = toPlainText(card);
    // eslint-disable-next-line no-control-regex
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(out).toContain('dana[2J]0;owned');
    expect(out).toContain('<!channel>-web');
  });
});
