/**
 * Reply → Block Kit, always with a plain-text fallback, always within Slack's limits: a reply that is too big
 * is paginated, truncated with a note, or loses droppable blocks, but is never sent in a shape Slack rejects.
 */
import type { types as slack } from '@slack/bolt';
import { stripMarkdown, toPlainText } from '../../core/render-text.js';
import { splitReply, type Block, type Button, type ChartBlock, type FieldsBlock, type Reply, type TableBlock } from '../../core/reply.js';
import { assertNever } from '../../lib/assert.js';
import { chunk } from '../../lib/collections.js';

type KnownBlock = slack.KnownBlock;
type SectionBlock = slack.SectionBlock;
type ContextBlock = slack.ContextBlock;
type ActionsBlock = slack.ActionsBlock;
type SlackButton = slack.Button;

/** Slack's documented limits (Block Kit reference), the ones this renderer keeps. */
export const SLACK_LIMITS = {
  blocks: 50,
  sectionText: 3000,
  fieldsPerSection: 10,
  fieldText: 2000,
  contextElements: 10,
  contextText: 3000,
  headerText: 150,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  /** The top-level `text` (notification and accessibility fallback); Slack truncates at 40,000, we keep it short. */
  fallbackText: 3000,
  /**
   * All the text in one message's blocks: Slack refuses more than about 12,000 characters in all with
   * `msg_blocks_too_long` (undocumented; slackapi/bolt-js#2509), so a reply split into messages keeps each below this.
   */
  messageText: 11_000,
} as const;

/** Widest cell in a monospace table; longer cells are clipped with an ellipsis. */
const MAX_CELL = 48;
/** Width of the longest chart bar, in characters. */
const BAR_WIDTH = 24;
const SUFFIX_SEP = '#';

export interface SlackMessage {
  /** Plain text: the notification, screen-reader and old-client fallback. */
  text: string;
  blocks: KnownBlock[];
}

export interface RenderOptions {
  /** A context line at the bottom, e.g. who asked ("<@U123> ran `/cloud optimize`"); already mrkdwn. */
  footer?: string;
}

/** Clips to `max` characters (code points), ending with an ellipsis when it had to cut. */
export function clip(s: string, max: number): string {
  const chars = Array.from(s);
  if (chars.length <= max) return s;
  return chars.slice(0, Math.max(0, max - 1)).join('') + '…';
}

/** Escapes the three characters Slack's mrkdwn treats as control characters (so `<!channel>` in data stays text). */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escaped for mrkdwn and at most `max` characters after escaping, never cutting an `&amp;` in half. */
export function escapedClip(s: string, max: number): string {
  const whole = escapeMrkdwn(s);
  if (whole.length <= max) return whole;
  let out = '';
  for (const ch of Array.from(s)) {
    const e = escapeMrkdwn(ch);
    if (out.length + e.length > max - 1) break;
    out += e;
  }
  return out + '…';
}

/**
 * The reply model's markdown subset → Slack mrkdwn: **bold** → *bold*, [label](url) → <url|label>, "- " bullets → "• ".
 * Everything is escaped first, so nothing a user or a cloud tag holds can become a mention or a link.
 */
export function toMrkdwn(t: string): string {
  // Code spans stay verbatim (escaped only); formatting applies outside them.
  return t
    .split(/(`[^`\n]*`)/)
    .map((part, i) => {
      if (i % 2 === 1) return escapeMrkdwn(part);
      return escapeMrkdwn(part)
        .replace(/\*\*([^*]+)\*\*/g, '*$1*')
        .replace(/\[([^\]]+)\]\((https?:[^)\s]+)\)/g, (_m, label: string, url: string) => `<${url}|${label.replace(/\|/g, '¦')}>`)
        .replace(/(^|\n)- /g, '$1• ');
    })
    .join('');
}

/** Splits text into pieces of at most `max` characters, at line breaks where it can. */
export function splitText(t: string, max: number): string[] {
  if (t.length <= max) return [t];
  const out: string[] = [];
  let rest = t;
  while (rest.length > max) {
    let cut = rest.lastIndexOf('\n', max);
    if (cut < max / 2) cut = rest.lastIndexOf(' ', max);
    if (cut < max / 2) cut = max;
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^[\n ]/, '');
  }
  if (rest) out.push(rest);
  return out;
}

const section = (t: string): SectionBlock => ({ type: 'section', text: { type: 'mrkdwn', text: t } });
const contextBlock = (t: string): ContextBlock => ({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(t, SLACK_LIMITS.contextText) }] });

/** Markdown text → one or more sections; a long text is split at line breaks, each piece ≤ 3,000 characters. */
function textSections(t: string): SectionBlock[] {
  const md = toMrkdwn(t);
  if (md.length <= SLACK_LIMITS.sectionText) return [section(md)];
  // Split the source, not the mrkdwn, so an escape sequence or a link is never cut in half.
  return splitText(t, Math.floor(SLACK_LIMITS.sectionText / 2)).flatMap((piece) => {
    const m = toMrkdwn(piece);
    return m.length <= SLACK_LIMITS.sectionText ? [section(m)] : splitText(m, SLACK_LIMITS.sectionText).map(section);
  });
}

function fieldsSections(b: FieldsBlock): SectionBlock[] {
  return chunk(b.fields, SLACK_LIMITS.fieldsPerSection).map((fs) => ({
    type: 'section',
    fields: fs.map((f) => ({ type: 'mrkdwn' as const, text: clip(`*${escapeMrkdwn(f.label)}*\n${toMrkdwn(f.value)}`, SLACK_LIMITS.fieldText) })),
  }));
}

/** A cell as it appears inside a ``` block: no markdown, no line breaks, no fence-breaking backticks, clipped. */
function cell(s: string): string {
  return clip(stripMarkdown(s).replace(/`/g, "'").replace(/\s*\n\s*/g, ' '), MAX_CELL);
}

function fence(lines: string[]): string {
  return '```' + escapeMrkdwn(lines.join('\n')) + '```';
}

/** Longest table line after escaping; a wider line (very many columns) is clipped so a page always holds a row. */
const MAX_LINE = 800;

function clipLine(l: string): string {
  let out = l;
  for (let keep = Math.min(l.length, MAX_LINE); escapeMrkdwn(out).length > MAX_LINE; keep -= 50) out = clip(l, Math.max(10, keep));
  return out;
}

interface RenderedTable {
  pages: SectionBlock[];
  /** Rows on each page, in order. */
  rowsPerPage: number[];
  totalRows: number;
}

/** A table → monospace pages, each a section of at most 3,000 characters that repeats the header. */
function paginateTable(b: TableBlock): RenderedTable {
  const head = b.columns.map((c) => cell(c.label));
  const rows = b.rows.map((r) => b.columns.map((_, i) => cell(r[i] ?? '')));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    clipLine(
      r
        .map((c, i) => (b.columns[i]?.align === 'right' ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    );
  const header = [line(head), clipLine(widths.map((w) => '-'.repeat(w)).join('  '))];
  const room = SLACK_LIMITS.sectionText - 6; // the two ``` fences
  const pages: SectionBlock[] = [];
  const rowsPerPage: number[] = [];
  let size = escapeMrkdwn(header.join('\n')).length;
  let current: string[] = [...header];
  let n = 0;
  const flush = () => {
    pages.push(section(fence(current)));
    rowsPerPage.push(n);
    current = [...header];
    size = escapeMrkdwn(header.join('\n')).length;
    n = 0;
  };
  for (const r of rows) {
    const l = line(r);
    const add = 1 + escapeMrkdwn(l).length;
    if (n > 0 && size + add > room) flush();
    current.push(l);
    size += add;
    n++;
  }
  if (n > 0 || pages.length === 0) flush();
  return { pages, rowsPerPage, totalRows: rows.length };
}

function tableBlocks(b: TableBlock, maxPages = Number.POSITIVE_INFINITY): KnownBlock[] {
  const t = paginateTable(b);
  const pages = t.pages.slice(0, Math.max(1, maxPages));
  const shownRows = t.rowsPerPage.slice(0, pages.length).reduce((a, n) => a + n, 0);
  const notes: string[] = [];
  if (shownRows < t.totalRows) notes.push(`Showing ${shownRows} of ${t.totalRows} rows; the message had no room for more.`);
  if (b.note) notes.push(toMrkdwn(b.note));
  if (t.totalRows === 0 && !b.note) notes.push('No rows.');
  return [...pages, ...(notes.length ? [contextBlock(notes.join(' '))] : [])];
}

function chartBlocks(b: ChartBlock): KnownBlock[] {
  const max = Math.max(1, ...b.bars.map((x) => x.value));
  const lw = Math.min(MAX_CELL, Math.max(1, ...b.bars.map((x) => cell(x.label).length)));
  const lines = b.bars.map((x) => {
    const n = Math.max(x.value > 0 ? 1 : 0, Math.round((Math.max(0, x.value) / max) * BAR_WIDTH));
    return `${cell(x.label).padEnd(lw)}  ${'█'.repeat(n).padEnd(BAR_WIDTH)}  ${cell(x.display)}`;
  });
  const title = `*${escapeMrkdwn(clip(b.title, 200).replace(/[`*]/g, "'"))}*\n`;
  const kept: string[] = [];
  for (const l of lines) {
    if (title.length + fence([...kept, l]).length > SLACK_LIMITS.sectionText - 80) break;
    kept.push(l);
  }
  const blocks: KnownBlock[] = [section(title + (kept.length ? fence(kept) : '_no data_'))];
  if (kept.length < lines.length) blocks.push(contextBlock(`Showing ${kept.length} of ${lines.length} bars.`));
  return blocks;
}

/** Slack wants action ids unique within a message: the 2nd `proposal.approve` becomes `proposal.approve#2`. */
export function stripActionSuffix(actionId: string): string {
  const i = actionId.lastIndexOf(SUFFIX_SEP);
  return i > 0 && /^\d+$/.test(actionId.slice(i + 1)) ? actionId.slice(0, i) : actionId;
}

function toSlackButton(b: Button, actionId: string): SlackButton {
  const out: SlackButton = {
    type: 'button',
    action_id: actionId,
    text: { type: 'plain_text', text: clip(b.label, SLACK_LIMITS.buttonText), emoji: true },
    value: b.value,
  };
  if (b.style) out.style = b.style;
  if (b.confirm) {
    out.confirm = {
      title: { type: 'plain_text', text: clip(b.confirm.title, SLACK_LIMITS.confirmTitle) },
      text: { type: 'plain_text', text: clip(b.confirm.text, SLACK_LIMITS.confirmText) },
      confirm: { type: 'plain_text', text: clip(b.confirm.confirm, SLACK_LIMITS.confirmButton) },
      deny: { type: 'plain_text', text: clip(b.confirm.deny, SLACK_LIMITS.confirmButton) },
      ...(b.style === 'danger' ? { style: 'danger' as const } : {}),
    };
  }
  return out;
}

function actionsBlocks(buttons: Button[], seen: Map<string, number>): KnownBlock[] {
  const elements: SlackButton[] = [];
  let dropped = 0;
  for (const b of buttons) {
    const n = (seen.get(b.actionId) ?? 0) + 1;
    seen.set(b.actionId, n);
    const id = n === 1 ? b.actionId : `${b.actionId}${SUFFIX_SEP}${n}`;
    // An id or value Slack would refuse drops the button, not the message (commands keep values to an id).
    if (id.length > SLACK_LIMITS.actionId || b.value.length > SLACK_LIMITS.buttonValue || b.value.length === 0) {
      dropped++;
      continue;
    }
    elements.push(toSlackButton(b, id));
  }
  const blocks: KnownBlock[] = chunk(elements, SLACK_LIMITS.actionsElements).map((els): ActionsBlock => ({ type: 'actions', elements: els }));
  if (dropped) blocks.push(contextBlock(`${dropped} button${dropped === 1 ? '' : 's'} could not be shown in Slack.`));
  return blocks;
}

/** One reply block → Slack blocks, before the message-wide budget is applied. */
interface Unit {
  source: Block;
  blocks: KnownBlock[];
  /** Header and buttons are kept; the rest may be dropped when the message is over 50 blocks. */
  keep: boolean;
}

function renderUnit(b: Block, seen: Map<string, number>): Unit {
  switch (b.type) {
    // Slack refuses empty text objects: an empty paragraph is simply left out.
    case 'text':
      return { source: b, blocks: b.text.trim() ? textSections(b.text) : [], keep: false };
    case 'context':
      return { source: b, blocks: b.text.trim() ? [contextBlock(toMrkdwn(b.text))] : [], keep: false };
    case 'divider':
      return { source: b, blocks: [{ type: 'divider' }], keep: false };
    case 'fields':
      return { source: b, blocks: fieldsSections(b), keep: false };
    case 'table':
      return { source: b, blocks: tableBlocks(b), keep: false };
    case 'chart':
      return { source: b, blocks: chartBlocks(b), keep: false };
    case 'image':
      // Slack shows images only from a URL or an uploaded file; until the sender uploads it, the text says what it shows.
      return { source: b, blocks: [contextBlock(toMrkdwn(`${b.title}: ${b.alt}`))], keep: false };
    case 'actions':
      return { source: b, blocks: actionsBlocks(b.buttons, seen), keep: true };
    default:
      return assertNever(b, 'block');
  }
}

const count = (units: Unit[]) => units.reduce((n, u) => n + u.blocks.length, 0);

/**
 * Reply → `{ text, blocks }` for chat.postMessage, chat.update and response_url. At most 50 blocks: tables lose
 * pages first (with a "showing N of M rows" note), then text blocks from the end (with a note), never the buttons.
 */
export function renderBlockKit(r: Reply, opts: RenderOptions = {}): SlackMessage {
  // The top-level text is mrkdwn too (notifications, old clients, screen readers): escaped, so a name like
  // `<!channel>-web` or a reason holding `<https://evil|x>` stays text there as it does in the blocks.
  const text = escapedClip(toPlainText(r), SLACK_LIMITS.fallbackText) || ' ';
  const fixed: KnownBlock[] = [];
  if (r.title) fixed.push({ type: 'header', text: { type: 'plain_text', text: clip(r.title, SLACK_LIMITS.headerText), emoji: true } });
  const tail: KnownBlock[] = opts.footer ? [contextBlock(opts.footer)] : [];
  const seen = new Map<string, number>();
  const units = r.blocks.map((b) => renderUnit(b, seen));
  const budget = SLACK_LIMITS.blocks - fixed.length - tail.length;

  // 1. Tables give up pages, the last table first, down to one page each.
  let over = count(units) - budget;
  for (let i = units.length - 1; i >= 0 && over > 0; i--) {
    const u = units[i];
    if (!u || u.source.type !== 'table') continue;
    const pages = u.blocks.filter((b) => b.type === 'section').length;
    if (pages <= 1) continue;
    const hadNote = u.blocks.some((b) => b.type === 'context');
    // Truncating adds a note block when the table had none.
    const keepPages = Math.max(1, pages - over - (hadNote ? 0 : 1));
    u.blocks = tableBlocks(u.source, keepPages);
    over = count(units) - budget;
  }

  // 2. Droppable blocks go from the end, leaving one slot for a note that says so.
  let droppedBlocks = 0;
  if (over > 0) {
    const room = budget - 1;
    for (let i = units.length - 1; i >= 0 && count(units) > room; i--) {
      const u = units[i];
      if (!u || u.keep) continue;
      while (u.blocks.length > 0 && count(units) > room) {
        u.blocks.pop();
        droppedBlocks++;
      }
    }
    // 3. Only buttons left and still too many (more than ~1,200 buttons): drop action rows from the end.
    for (let i = units.length - 1; i >= 0 && count(units) > room; i--) {
      const u = units[i];
      while (u && u.blocks.length > 0 && count(units) > room) {
        u.blocks.pop();
        droppedBlocks++;
      }
    }
  }
  const body = units.flatMap((u) => u.blocks);
  if (droppedBlocks > 0) body.push(contextBlock(`${droppedBlocks} more block${droppedBlocks === 1 ? '' : 's'} did not fit in one Slack message; run the command with narrower filters to see them.`));
  const blocks = [...fixed, ...body, ...tail];
  return { text, blocks: blocks.length ? blocks : [section(text)] };
}

/** The text a message's blocks hold, as Slack counts it for msg_blocks_too_long: every `text` string in them. */
export function blocksTextLength(blocks: readonly KnownBlock[]): number {
  let n = 0;
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'text' && typeof x === 'string') n += x.length;
        else walk(x);
      }
    }
  };
  walk(blocks);
  return n;
}

/** Whether a reply fits one Slack message as it is: no table page or block dropped, and within the text budget. */
function fitsOneMessage(r: Reply, opts: RenderOptions): boolean {
  const seen = new Map<string, number>();
  const units = r.blocks.map((b) => renderUnit(b, seen));
  const budget = SLACK_LIMITS.blocks - (r.title ? 1 : 0) - (opts.footer ? 1 : 0);
  const textLength = blocksTextLength(units.flatMap((u) => u.blocks)) + Math.min(r.title?.length ?? 0, SLACK_LIMITS.headerText) + (opts.footer?.length ?? 0);
  return count(units) <= budget && textLength <= SLACK_LIMITS.messageText;
}

/**
 * Reply → the Slack messages that carry it. A `whole` reply (a plan's every step) that one message cannot hold is
 * split between table rows (splitReply in src/core) into messages that each fit, so no row is ever cut and the
 * "Showing N of M rows" note never appears; any other reply is the one message renderBlockKit makes.
 */
export function renderBlockKitMessages(r: Reply, opts: RenderOptions = {}): SlackMessage[] {
  if (!r.whole) return [renderBlockKit(r, opts)];
  return splitReply(r, (part) => fitsOneMessage(part, opts)).map((part) => renderBlockKit(part, opts));
}
