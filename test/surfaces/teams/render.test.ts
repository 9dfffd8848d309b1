/**
 * Adaptive Card renderer: every card kind parsed by the `adaptivecards` library (its UMD bundle, which works in
 * plain Node) with zero errors and compared with its golden file; Teams' 28 KB kept for any reply; buttons as
 * Universal Actions with an Action.Submit fallback; confirmation for critical buttons; data kept literal.
 */
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { proposalCard } from '../../../commands/proposal-format.js';
import { actions, chart, context, divider, fields, reply, table, text, type Block, type Reply } from '../../../src/core/reply.js';
import type { Plan } from '../../../src/domain/model/plan.js';
import type { Execution, Proposal } from '../../../src/domain/model/proposal.js';
import { renderAdaptiveCard, TEAMS_LIMITS, type TeamsMessage } from '../../../src/surfaces/teams/render.js';
import { outlineIcon } from '../../../scripts/teams-package.js';

// `import 'adaptivecards'` fails in plain Node (extensionless ESM); the UMD bundle parses without a DOM.
const AC = createRequire(import.meta.url)('adaptivecards/dist/adaptivecards.js') as typeof import('adaptivecards');

/** Every parse and validation event the adaptivecards library reports for a card (empty = valid). */
function cardProblems(card: unknown): string[] {
  const ac = new AC.AdaptiveCard();
  const ctx = new AC.SerializationContext();
  ac.parse(card as never, ctx);
  const out: string[] = [];
  for (let i = 0; i < ctx.eventCount; i++) {
    const e = ctx.getEventAt(i);
    out.push(`parse ${AC.ValidationEvent[e.event]}: ${e.message}`);
  }
  for (const e of ac.validateProperties().validationEvents) out.push(`validate ${AC.ValidationEvent[e.event]}: ${e.message}`);
  return out;
}

function expectValid(msg: TeamsMessage): void {
  expect(cardProblems(msg.card)).toEqual([]);
  expect(msg.card.version).toBe('1.5');
  const activity = { type: 'message', summary: msg.summary, attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: msg.card }] };
  expect(Buffer.byteLength(JSON.stringify(activity), 'utf8')).toBeLessThanOrEqual(TEAMS_LIMITS.messageBytes - 2048);
  expect(msg.text.length).toBeGreaterThan(0);
}

const rows = (n: number) => Array.from({ length: n }, (_, i) => [`vm-${String(i).padStart(4, '0')}`, 'aws', 'eu-west-1', 'm5.large', `$${(70 + (i % 13)).toFixed(2)}`]);
const INVENTORY_COLUMNS = ['Name', 'Provider', 'Region', 'Type', { label: 'Monthly', align: 'right' as const }];

const inventory = reply({
  title: 'Inventory: 12 instances',
  blocks: [
    fields({ Instances: '12', Running: '9', 'Monthly run-rate': '$1,204.80' }),
    table(INVENTORY_COLUMNS, rows(12), 'Prices: on-demand list, snapshot 2025-05-01.'),
  ],
});

const cost = reply({
  title: 'Monthly run-rate by provider',
  blocks: [
    fields({ Total: '$5,640.00', Instances: '60' }),
    chart('Monthly run-rate by provider', [
      { label: 'aws', value: 3100, display: '$3,100.00' },
      { label: 'azure', value: 1900, display: '$1,900.00' },
      { label: 'gcp', value: 640, display: '$640.00' },
    ]),
    table(['Top spender', 'Provider', { label: 'Monthly', align: 'right' }], [['db-primary', 'aws', '$612.00'], ['etl-7', 'gcp', '$410.00']]),
    context('Prices: on-demand list, snapshot 2025-05-01; 2 types unpriced.'),
  ],
});

const planBlocks: Block[] = [
  fields({ Status: '🕓 waiting for approval', Risk: 'critical', 'Requested by': 'Dana (teams)', Expires: '2025-06-01 13:00 UTC', Approvals: '0 of 2 (approver or higher)' }),
  table(['#', 'Step', 'Target', { label: 'Monthly', align: 'right' }], [['s1', 'snapshot', 'db-1 (aws eu-west-1)', ''], ['s2', 'create', 'db-1-fo (azure westeurope)', '+$310.00'], ['s3', 'stop', 'db-1 (aws eu-west-1)', '−$280.00']]),
  context('Cloud permissions needed: `ec2:CreateSnapshots`, `ec2:StopInstances`, `Microsoft.Compute/virtualMachines/write`'),
];

const proposal = reply({
  title: 'Proposal k3x9qa: failover eu-west-1',
  visibility: 'channel',
  blocks: [
    ...planBlocks,
    actions(
      { actionId: 'proposal.approve', label: 'Approve', value: 'k3x9qa', style: 'primary', confirm: { title: 'Approve a critical change?', text: 'failover eu-west-1: 3 steps, including snapshot, create, stop. It needs 2 distinct approvers.', confirm: 'Approve', deny: 'Not yet' } },
      { actionId: 'proposal.reject', label: 'Reject', value: 'k3x9qa', style: 'danger' },
    ),
    context('Proposal `k3x9qa` · `proposal k3x9qa` shows its audit trail'),
  ],
});

const decided = reply({
  title: 'Proposal k3x9qa: failover eu-west-1',
  visibility: 'channel',
  blocks: [
    fields({ Status: '🕓 waiting for approval', Risk: 'critical', 'Requested by': 'Dana (teams)', Approvals: '1 of 2 (approver or higher)' }),
    text('- ✅ **Sam** (approver, teams) approved at 2025-06-01 12:04 UTC'),
    text('Still waiting for 1 more approval from an approver or higher (not Dana, not Sam).'),
    actions({ actionId: 'proposal.approve', label: 'Approve', value: 'k3x9qa', style: 'primary' }, { actionId: 'proposal.reject', label: 'Reject', value: 'k3x9qa', style: 'danger' }),
  ],
});

const executing = reply({
  title: 'Proposal k3x9qa: failover eu-west-1',
  visibility: 'channel',
  blocks: [
    fields({ Status: '⚙️ executing', Risk: 'critical', Approvals: '2 of 2 (approver or higher)' }),
    divider(),
    table(['#', 'Step', 'Status', 'Detail'], [['s1', 'snapshot db-1', 'done', 'snap-0a1b'], ['s2', 'create db-1-fo', 'running…', ''], ['s3', 'stop db-1', 'pending', '']]),
    context('Step 2 of 3: create db-1-fo'),
  ],
});

const failed = reply({
  title: 'Proposal k3x9qa: failover eu-west-1',
  visibility: 'channel',
  blocks: [
    fields({ Status: '↩️ rolled back', Risk: 'critical', Approvals: '2 of 2 (approver or higher)' }),
    divider(),
    table(['#', 'Step', 'Status', 'Detail'], [['s1', 'snapshot db-1', 'undone', 'snapshot snap-0a1b deleted'], ['s2', 'create db-1-fo', 'FAILED', 'QuotaExceeded: standardDSv5Family 10 of 10 cores'], ['s3', 'stop db-1', 'skipped', '']]),
    text('**↩️ rolled back**: step s2 failed (QuotaExceeded); s1 was undone; nothing else changed.'),
  ],
});

const digest = reply({
  title: 'Weekly cost digest',
  visibility: 'channel',
  blocks: [
    text('Spend is **up 4%** week over week.\n- aws: $3,100\n- azure: $1,900\n- gcp: $640'),
    { type: 'image', title: 'Monthly run-rate, last 8 weeks', alt: 'A line chart: aws rising from $2,900 to $3,100, azure flat at $1,900, gcp falling from $700 to $640.', pngBase64: outlineIcon().toString('base64'), width: 600, height: 300 },
    chart('Monthly run-rate, last 8 weeks', [
      { label: 'aws', value: 3100, display: '$3,100' },
      { label: 'azure', value: 1900, display: '$1,900' },
      { label: 'gcp', value: 640, display: '$640' },
    ]),
    divider(),
    context('Prices: on-demand list, snapshot 2025-05-01.'),
  ],
});

describe('golden cards, each valid for the adaptivecards parser', () => {
  const cases: [string, Reply][] = [
    ['inventory-table', inventory],
    ['cost', cost],
    ['proposal-with-buttons', proposal],
    ['decided-proposal', decided],
    ['executing-proposal', executing],
    ['failed-proposal-rollback', failed],
    ['digest', digest],
  ];
  for (const [name, r] of cases) {
    it(`${name}: zero parser errors, within 28 KB, matches its golden file`, async () => {
      const msg = renderAdaptiveCard(r);
      expectValid(msg);
      await expect(JSON.stringify(msg, null, 2) + '\n').toMatchFileSnapshot(`./__golden__/${name}.json`);
    });
  }
});

describe('what the cards say', () => {
  it('renders tables as Table elements with a header row and right-aligned columns', () => {
    const t = renderAdaptiveCard(inventory).card.body.find((e) => e.type === 'Table') as Record<string, any>;
    expect(t.firstRowAsHeader).toBe(true);
    expect(t.rows).toHaveLength(13);
    expect(t.columns[4]).toMatchObject({ horizontalCellContentAlignment: 'Right' });
  });

  it('makes buttons Universal Actions with an Action.Submit fallback carrying the same data', () => {
    const body = renderAdaptiveCard(decided).card.body;
    const set = body.find((e) => e.type === 'ActionSet') as Record<string, any>;
    expect(set.actions[0]).toEqual({
      type: 'Action.Execute',
      title: 'Approve',
      verb: 'proposal.approve',
      data: { actionId: 'proposal.approve', value: 'k3x9qa' },
      style: 'positive',
      fallback: { type: 'Action.Submit', title: 'Approve', data: { actionId: 'proposal.approve', value: 'k3x9qa' } },
    });
  });

  it('asks for confirmation before a critical approval (a ShowCard holding the real button)', () => {
    const set = renderAdaptiveCard(proposal).card.body.find((e) => e.type === 'ActionSet') as Record<string, any>;
    expect(set.actions[0]).toMatchObject({ type: 'Action.ShowCard', title: 'Approve…' });
    const inner = set.actions[0].card;
    expect(JSON.stringify(inner.body)).toContain('It needs 2 distinct approvers');
    expect(inner.actions).toEqual([expect.objectContaining({ type: 'Action.Execute', title: 'Approve', verb: 'proposal.approve' })]);
  });

  it('shows the chart as its picture when one is given, else as text bars', () => {
    const withImage = renderAdaptiveCard(digest).card.body;
    expect(withImage.filter((e) => e.type === 'Image')).toHaveLength(1);
    expect(JSON.stringify(withImage)).not.toContain('█');
    expect(JSON.stringify(renderAdaptiveCard(cost).card.body)).toContain('█');
  });

  it('falls back to the description and text bars when the picture would break 28 KB', () => {
    const big = 'A'.repeat(40_000);
    const r = reply({ blocks: [{ type: 'image', title: 'Trend', alt: 'aws up 4%', pngBase64: big, width: 600, height: 300 }, chart('Trend', [{ label: 'aws', value: 1, display: '$1' }])] });
    const msg = renderAdaptiveCard(r);
    expectValid(msg);
    expect(JSON.stringify(msg.card)).toContain('aws up 4%');
    expect(JSON.stringify(msg.card)).toContain('█');
  });

  it('keeps data literal: a tag value cannot become a link or bold text', () => {
    const r = reply({ blocks: [table(['Name'], [['[click](https://evil.example.com)'], ['**loud**'], ['[x](javascript:alert(1))']])] });
    const cells = JSON.stringify(renderAdaptiveCard(r).card.body);
    expect(cells).not.toContain('](https://evil');
    expect(cells).not.toContain('**loud**');
    expect(cells).not.toContain('](javascript');
    expect(renderAdaptiveCard(reply({ blocks: [text('see [docs](javascript:alert(1))')] })).card.body[0]?.text).toBe('see docs (javascript:alert(1))');
  });
});

describe("Teams' 28 KB", () => {
  it('cuts a long table with "showing N of M", keeps the buttons, and offers the console for the rest', () => {
    const r = reply({ title: 'Inventory', blocks: [table(INVENTORY_COLUMNS, rows(5000)), actions({ actionId: 'inventory.refresh', label: 'Refresh', value: 'all' })] });
    const msg = renderAdaptiveCard(r, { consoleUrl: 'https://steward.example.com/' });
    expectValid(msg);
    const json = JSON.stringify(msg.card);
    const shown = (msg.card.body.find((e) => e.type === 'Table') as unknown as { rows: unknown[] }).rows.length - 1;
    expect(shown).toBeGreaterThan(20);
    expect(shown).toBeLessThan(5000);
    expect(json).toContain(`Showing ${shown} of 5000 rows`);
    expect(json).toContain('See every row in the console');
    expect(json).toContain('inventory.refresh');
  });

  it('holds every limit and parses cleanly for random replies', () => {
    const cell = fc.string({ maxLength: 60 });
    const block: fc.Arbitrary<Block> = fc.oneof(
      cell.map((t) => text(t)),
      cell.map((t) => context(t)),
      fc.constant(divider()),
      fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 20 }), cell), { minLength: 1, maxLength: 12 }).map((fs) => fields(fs.map(([label, value]) => ({ label, value })))),
      fc.array(fc.array(cell, { minLength: 3, maxLength: 3 }), { maxLength: 400 }).map((rs) => table(['A', 'B', { label: 'C', align: 'right' }], rs)),
      fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 30 }), fc.nat(1000)), { maxLength: 30 }).map((bs) => chart('Chart', bs.map(([label, value]) => ({ label, value, display: `$${value}` })))),
      fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 80 }), fc.string({ minLength: 1, maxLength: 40 })), { minLength: 1, maxLength: 40 }).map((bs) => actions(...bs.map(([label, value]) => ({ actionId: 'proposal.approve', label, value })))),
    );
    fc.assert(
      fc.property(fc.option(fc.string({ maxLength: 200 }), { nil: undefined }), fc.array(block, { maxLength: 12 }), (title, blocks) => {
        const msg = renderAdaptiveCard(reply({ ...(title ? { title } : {}), blocks }));
        expect(cardProblems(msg.card)).toEqual([]);
        expect(Buffer.byteLength(JSON.stringify(msg.card), 'utf8')).toBeLessThanOrEqual(TEAMS_LIMITS.cardBytes);
      }),
      { numRuns: 60 },
    );
  });
});

describe('the real proposal cards', () => {
  const plan: Plan = {
    kind: 'direct',
    title: 'stop web-1',
    steps: [{ id: 's1', kind: 'stop', target: { provider: 'aws', account: '1', region: 'eu-west-1', id: 'i-1' }, targetName: 'web-1', expect: { state: 'running' }, reason: 'idle for 14 days' }],
    totals: { beforeMonthlyMicros: 70_000_000, afterMonthlyMicros: 0, savingsMonthlyMicros: 70_000_000 },
    priceSnapshots: {},
  };
  const at = new Date('2025-06-01T12:00:00Z');
  const base: Proposal = {
    id: 'k3x9qa',
    status: 'proposed',
    plan,
    risk: 'critical',
    required: { count: 2, role: 'approver' },
    requester: { id: 'teams:dana', name: 'Dana', surface: 'teams' },
    permissions: ['ec2:StopInstances'],
    createdAt: at,
    expiresAt: new Date(at.getTime() + 3600_000),
    messages: [],
    approvals: 0,
    decisions: [],
  };
  const execution = (status: Execution['status'], step: Execution['steps'][number]['status']): Execution => ({
    id: 'e1',
    proposalId: 'k3x9qa',
    status,
    owner: 'test',
    heartbeatAt: at,
    startedAt: at,
    steps: [{ index: 0, stepId: 's1', kind: 'stop', status: step, attempts: 1, ...(step === 'undone' ? { undo: 'started again', error: 'StopInstances failed' } : {}) }],
  });
  it.each([
    ['proposed', () => proposalCard(base, { awaiting: 'waiting for 2 approvals' })],
    ['one approval recorded', () => proposalCard({ ...base, approvals: 1, decisions: [{ by: { id: 'teams:sam', name: 'Sam', surface: 'teams' }, decision: 'approve', role: 'approver', at }] }, { awaiting: 'waiting for 1 more approval' })],
    ['executing', () => proposalCard({ ...base, status: 'executing', approvals: 2 }, { execution: execution('running', 'running'), phase: 'Step 1 of 1' })],
    ['rolled back', () => proposalCard({ ...base, status: 'rolled_back', approvals: 2, outcome: 'step s1 failed; rolled back' }, { execution: execution('rolled_back', 'undone') })],
  ])('%s: valid for the parser', (_name, make) => {
    expectValid(renderAdaptiveCard(make()));
  });
});
