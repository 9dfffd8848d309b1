/**
 * Reply → Adaptive Card 1.5 (the highest version Teams renders for bot-sent cards), always with a plain-text
 * fallback, always within Teams' 28 KB per message: a table too long for the message is cut with a
 * "showing N of M rows" note (and a button to the console when it is reachable), a picture that does not fit
 * falls back to its description, and text goes before the buttons ever would, so a post is never rejected.
 *
 * Buttons are Universal Actions (`Action.Execute`, verb = the action id, data = `{ actionId, value }`) with an
 * `Action.Submit` fallback carrying the same data for clients without Universal Actions. A button that asks for
 * confirmation (critical proposals) opens an `Action.ShowCard` that says what it will do, with the real button in it.
 */
import { stripMarkdown, toPlainText } from '../../core/render-text.js';
import { splitReply, type Block, type Button, type ChartBlock, type FieldsBlock, type ImageBlock, type Reply, type TableBlock } from '../../core/reply.js';
import { assertNever } from '../../lib/assert.js';
import { chunk } from '../../lib/collections.js';

/** Teams' limits for a bot message, and the shares of it this renderer gives the card and the text. */
export const TEAMS_LIMITS = {
  /** "When the size exceeds 28 KB, you receive an error" (the whole activity). */
  messageBytes: 28 * 1024,
  /** The card's JSON; the rest of the 28 KB is left to the activity envelope and the summary. */
  cardBytes: 24 * 1024,
  /** The card's `fallbackText` and the activity's `summary`. */
  fallbackChars: 1500,
  summaryChars: 200,
  /** Buttons per ActionSet row (Teams shows at most 6 actions side by side). */
  actionsPerSet: 5,
  /** The version Teams renders for bot-sent cards. */
  version: '1.5',
} as const;

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

/** A card element or action as JSON (the Adaptive Card schema, v1.5). */
export type CardElement = Record<string, unknown> & { type: string };

export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: string;
  version: string;
  body: CardElement[];
  fallbackText: string;
  msteams: { width: 'Full' };
}

export interface TeamsMessage {
  card: AdaptiveCard;
  /** Plain text: the notification summary, the card's fallback, and the whole message when a card is refused. */
  text: string;
  summary: string;
}

/** The data every button carries: the registered action id and its value (an id, never state). */
export interface ButtonData {
  actionId: string;
  value: string;
}

export interface RenderOptions {
  /** Where the rest of a cut table can be seen (the console's URL), for an "Open the console" button. */
  consoleUrl?: string | undefined;
  /** A context line at the bottom (who asked). Plain text. */
  footer?: string | undefined;
}

/** Clips to `max` characters (code points), ending with an ellipsis when it had to cut. */
export function clip(s: string, max: number): string {
  const chars = Array.from(s);
  return chars.length <= max ? s : chars.slice(0, Math.max(0, max - 1)).join('') + '…';
}

const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v), 'utf8');

/**
 * The reply model's markdown subset → Teams' card markdown. Both share **bold**, [label](https://url) and "- "
 * bullets; a link to anything but http(s) is shown as text, so data can never become a script link.
 */
export function toCardMarkdown(t: string): string {
  return t.replace(/\[([^\]]*)\]\(([^)\s]*)\)/g, (m, label: string, url: string) => (/^https?:\/\//i.test(url) ? m : `${label} (${url})`));
}

/** Text from data (table cells, facts): no markdown at all, so a tag value can never become a link or bold text. */
export function cardLiteral(s: string): string {
  // stripMarkdown turns links into "label (url)" and drops **bold**; what is left of link syntax is broken with a
  // zero-width space so the card's markdown cannot read it as a link.
  return stripMarkdown(s)
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\]\(/g, ']\u200b(')
    .replace(/\*\*/g, '*\u200b*');
}

const textBlock = (t: string, extra: Record<string, unknown> = {}): CardElement => ({ type: 'TextBlock', text: t, wrap: true, ...extra });

/** Longest cell text; longer cells are clipped. */
const MAX_CELL = 80;
/**
 * A table cell costs at least ~70 bytes of card JSON, so no table of 3+ columns fits more than this many rows in
 * 24 KB: longer tables start here instead of being serialized whole and cut down.
 */
const MAX_TABLE_ROWS = 200;
const BAR_WIDTH = 20;

function fieldsElement(b: FieldsBlock): CardElement {
  return { type: 'FactSet', facts: b.fields.map((f) => ({ title: clip(cardLiteral(f.label), 100), value: clip(toCardMarkdown(stripMarkdown(f.value)), 500) })) };
}

function tableElements(b: TableBlock, shownRows: number, opts: RenderOptions): CardElement[] {
  const header: CardElement = {
    type: 'TableRow',
    style: 'accent',
    cells: b.columns.map((c) => ({ type: 'TableCell', items: [textBlock(clip(cardLiteral(c.label), MAX_CELL), { weight: 'Bolder' })] })),
  };
  const rows = b.rows.slice(0, shownRows).map(
    (r): CardElement => ({
      type: 'TableRow',
      cells: b.columns.map((_, i) => ({ type: 'TableCell', items: [textBlock(clip(cardLiteral(r[i] ?? ''), MAX_CELL) || ' ')] })),
    }),
  );
  const out: CardElement[] = [
    {
      type: 'Table',
      gridStyle: 'default',
      firstRowAsHeader: true,
      showGridLines: true,
      columns: b.columns.map((c) => ({ type: 'TableColumnDefinition', width: 1, ...(c.align === 'right' ? { horizontalCellContentAlignment: 'Right' } : {}) })),
      rows: [header, ...rows],
    },
  ];
  const notes: string[] = [];
  if (shownRows < b.rows.length) notes.push(`Showing ${shownRows} of ${b.rows.length} rows; the message had no room for more.`);
  if (b.note) notes.push(toCardMarkdown(b.note));
  if (b.rows.length === 0 && !b.note) notes.push('No rows.');
  if (notes.length) out.push(textBlock(notes.join(' '), { isSubtle: true, size: 'Small' }));
  if (shownRows < b.rows.length && opts.consoleUrl) {
    out.push({ type: 'ActionSet', actions: [{ type: 'Action.OpenUrl', title: 'See every row in the console', url: opts.consoleUrl }] });
  }
  return out;
}

/** Text bars, when no picture of the chart was rendered. */
function chartElements(b: ChartBlock): CardElement[] {
  const max = Math.max(1, ...b.bars.map((x) => x.value));
  const lw = Math.min(40, Math.max(1, ...b.bars.map((x) => clip(stripMarkdown(x.label), 40).length)));
  const lines = b.bars.map((x) => {
    const n = Math.max(x.value > 0 ? 1 : 0, Math.round((Math.max(0, x.value) / max) * BAR_WIDTH));
    return `${clip(stripMarkdown(x.label), 40).padEnd(lw)}  ${'█'.repeat(n).padEnd(BAR_WIDTH)}  ${clip(stripMarkdown(x.display), 30)}`;
  });
  return [
    textBlock(clip(cardLiteral(b.title), 200), { weight: 'Bolder' }),
    // Monospace so the bars line up; escaped so labels stay literal.
    lines.length ? textBlock(lines.map(cardLiteral).join('\n\n'), { fontType: 'Monospace', spacing: 'Small' }) : textBlock('_no data_', { isSubtle: true }),
  ];
}

function imageElements(b: ImageBlock): CardElement[] {
  return [
    textBlock(clip(cardLiteral(b.title), 200), { weight: 'Bolder' }),
    { type: 'Image', url: `data:image/png;base64,${b.pngBase64}`, altText: clip(stripMarkdown(b.alt), 1000), size: 'Stretch' },
  ];
}

function imageFallback(b: ImageBlock): CardElement[] {
  return [textBlock(`**${clip(cardLiteral(b.title), 200)}**: ${clip(cardLiteral(b.alt), 2000)}`)];
}

function executeAction(b: Button, title = b.label): CardElement {
  const data: ButtonData = { actionId: b.actionId, value: b.value };
  return {
    type: 'Action.Execute',
    title: clip(title, 60),
    verb: b.actionId,
    data,
    ...(b.style === 'primary' ? { style: 'positive' } : b.style === 'danger' ? { style: 'destructive' } : {}),
    // Clients without Universal Actions send the same data as a message (handled like the click).
    fallback: { type: 'Action.Submit', title: clip(title, 60), data },
  };
}

function toAction(b: Button): CardElement {
  if (!b.confirm) return executeAction(b);
  // Cards have no confirm dialog: the first press shows what will happen, the button inside does it.
  return {
    type: 'Action.ShowCard',
    title: clip(`${b.label}…`, 60),
    card: {
      type: 'AdaptiveCard',
      body: [textBlock(clip(cardLiteral(b.confirm.title), 200), { weight: 'Bolder' }), textBlock(clip(cardLiteral(b.confirm.text), 1000))],
      actions: [executeAction(b, b.confirm.confirm)],
    },
  };
}

function actionElements(buttons: Button[]): CardElement[] {
  // Values carry ids only; a button whose value is missing or huge is dropped, not the message.
  const usable = buttons.filter((b) => b.value.length > 0 && b.value.length <= 2000 && b.actionId.length <= 255);
  const dropped = buttons.length - usable.length;
  const sets: CardElement[] = chunk(usable, TEAMS_LIMITS.actionsPerSet).map((bs) => ({ type: 'ActionSet', actions: bs.map(toAction) }));
  if (dropped) sets.push(textBlock(`${dropped} button${dropped === 1 ? '' : 's'} could not be shown in Teams.`, { isSubtle: true, size: 'Small' }));
  return sets;
}

/** One reply block and its card elements, before the message-wide budget is applied. */
interface Unit {
  source: Block;
  elements: CardElement[];
  /** Buttons are kept; everything else may shrink or go. */
  keep: boolean;
  separator: boolean;
  /** For tables: rows currently shown. */
  rows?: number;
}

function renderUnit(b: Block, opts: RenderOptions, separator: boolean, imageTitles: Set<string>): Unit {
  const u = (elements: CardElement[], keep = false): Unit => ({ source: b, elements, keep, separator });
  switch (b.type) {
    case 'text':
      return u(b.text.trim() ? [textBlock(toCardMarkdown(b.text))] : []);
    case 'context':
      return u(b.text.trim() ? [textBlock(toCardMarkdown(b.text), { isSubtle: true, size: 'Small' })] : []);
    case 'divider':
      return u([]);
    case 'fields':
      return u(b.fields.length ? [fieldsElement(b)] : []);
    case 'table': {
      const rows = Math.min(b.rows.length, MAX_TABLE_ROWS);
      return { ...u(tableElements(b, rows, opts)), rows };
    }
    case 'chart':
      // The digest renders the same chart as a picture next to it: the picture stands for it.
      return u(imageTitles.has(b.title) ? [] : chartElements(b));
    case 'image':
      return u(imageElements(b));
    case 'actions':
      return u(actionElements(b.buttons), true);
    default:
      return assertNever(b, 'block');
  }
}

function assemble(title: string | undefined, units: Unit[], footer: string | undefined, fallbackText: string, extra: CardElement[]): AdaptiveCard {
  const body: CardElement[] = [];
  if (title) body.push(textBlock(clip(cardLiteral(title), 200), { size: 'Large', weight: 'Bolder', style: 'heading' }));
  for (const u of units) {
    u.elements.forEach((e, i) => body.push(i === 0 && u.separator ? { ...e, separator: true, spacing: 'Medium' } : e));
  }
  body.push(...extra);
  if (footer) body.push(textBlock(clip(cardLiteral(footer), 300), { isSubtle: true, size: 'Small' }));
  if (body.length === 0) body.push(textBlock(' '));
  return { type: 'AdaptiveCard', $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', version: TEAMS_LIMITS.version, body, fallbackText, msteams: { width: 'Full' } };
}

/** The reply's card elements before the 24 KB budget is applied, and how to assemble them into a card. */
function layout(r: Reply, opts: RenderOptions) {
  const text = toPlainText(r) || ' ';
  const fallbackText = clip(text, TEAMS_LIMITS.fallbackChars);
  const summary = clip((r.title ?? text.split('\n')[0] ?? '').trim() || 'Steward', TEAMS_LIMITS.summaryChars);
  const imageTitles = new Set<string>();
  const units: Unit[] = [];
  let separator = false;
  for (const b of r.blocks) {
    if (b.type === 'divider') {
      separator = true;
      continue;
    }
    if (b.type === 'image') imageTitles.add(b.title);
    units.push(renderUnit(b, opts, separator, imageTitles));
    separator = false;
  }
  // A chart before its picture: decide again now that every picture's title is known.
  for (let i = 0; i < units.length; i++) {
    const u = units[i] as Unit;
    if (u.source.type === 'chart' && imageTitles.has(u.source.title)) u.elements = [];
  }
  const build = (extra: CardElement[] = []) => assemble(r.title, units, opts.footer, fallbackText, extra);
  return { text, summary, units, build };
}

/**
 * Reply → `{ card, text, summary }` for a Teams message. Within `TEAMS_LIMITS.cardBytes`: tables lose rows first
 * (the longest table first, with a note), then pictures become their description, then text blocks go from the end
 * (with a note), never the buttons.
 */
export function renderAdaptiveCard(r: Reply, opts: RenderOptions = {}): TeamsMessage {
  const { text, summary, units, build } = layout(r, opts);
  const budget = TEAMS_LIMITS.cardBytes;
  let card = build();

  // 1. Tables give up rows, the longest table first, until the card fits (a table keeps at least its header).
  while (bytes(card) > budget) {
    const tables = units.filter((u) => u.source.type === 'table' && (u.rows ?? 0) > 0);
    if (tables.length === 0) break;
    const t = tables.reduce((a, b) => ((b.rows ?? 0) > (a.rows ?? 0) ? b : a));
    const over = bytes(card) - budget;
    const perRow = Math.max(1, bytes(t.elements[0]) / ((t.rows ?? 0) + 1));
    const drop = Math.max(1, Math.ceil(over / perRow), Math.floor((t.rows ?? 0) / 8));
    t.rows = Math.max(0, (t.rows ?? 0) - drop);
    t.elements = tableElements(t.source as TableBlock, t.rows, opts);
    card = build();
  }
  // 2. Pictures (base64 PNGs are big) become their description, the last first.
  for (let i = units.length - 1; i >= 0 && bytes(card) > budget; i--) {
    const u = units[i] as Unit;
    if (u.source.type !== 'image') continue;
    u.elements = imageFallback(u.source);
    // Its chart, if any, comes back as text bars.
    for (const c of units) if (c.source.type === 'chart' && c.source.title === (u.source as ImageBlock).title) c.elements = chartElements(c.source);
    card = build();
  }
  // 3. Droppable elements go from the end, with a note that says so; buttons stay.
  let dropped = 0;
  const note = () => [textBlock(`${dropped} more part${dropped === 1 ? '' : 's'} did not fit in one Teams message; run the command with narrower filters to see them.`, { isSubtle: true, size: 'Small' })];
  for (let i = units.length - 1; i >= 0 && bytes(card) > budget; i--) {
    const u = units[i] as Unit;
    if (u.keep) continue;
    while (u.elements.length > 0 && bytes(card) > budget) {
      u.elements.pop();
      dropped++;
      card = build(note());
    }
  }
  // 4. Only buttons left and still too big (hundreds of buttons): action rows go from the end.
  for (let i = units.length - 1; i >= 0 && bytes(card) > budget; i--) {
    const u = units[i] as Unit;
    while (u.elements.length > 0 && bytes(card) > budget) {
      u.elements.pop();
      dropped++;
      card = build(note());
    }
  }
  return { card, text, summary };
}

/** Whether a reply fits one card as it is: every table row shown and the card within the 24 KB budget. */
function fitsOneCard(r: Reply, opts: RenderOptions): boolean {
  const { units, build } = layout(r, opts);
  return units.every((u) => u.source.type !== 'table' || u.rows === u.source.rows.length) && bytes(build()) <= TEAMS_LIMITS.cardBytes;
}

/**
 * Reply → the Teams messages that carry it. A `whole` reply (a plan's every step) that one card cannot hold is
 * split between table rows (splitReply in src/core) into cards of under 24 KB each, so no row is cut and the
 * "Showing N of M rows" note never appears; any other reply is the one card renderAdaptiveCard makes.
 */
export function renderAdaptiveCards(r: Reply, opts: RenderOptions = {}): TeamsMessage[] {
  if (!r.whole) return [renderAdaptiveCard(r, opts)];
  return splitReply(r, (part) => fitsOneCard(part, opts)).map((part) => renderAdaptiveCard(part, opts));
}

/** The card as a Bot Framework attachment. */
export function cardAttachment(card: AdaptiveCard) {
  return { contentType: ADAPTIVE_CARD_CONTENT_TYPE, content: card };
}

/** A short text-only card (the working note, refusals). */
export function noteCard(t: string): AdaptiveCard {
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: TEAMS_LIMITS.version,
    body: [textBlock(t, { isSubtle: true })],
    fallbackText: stripMarkdown(t),
    msteams: { width: 'Full' },
  };
}

/** Reads the data a Steward button sent back (Action.Execute or its Action.Submit fallback); undefined if it is not ours. */
export function buttonDataOf(v: unknown): ButtonData | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const d = v as Record<string, unknown>;
  if (typeof d.actionId !== 'string' || typeof d.value !== 'string') return undefined;
  if (d.actionId.length === 0 || d.actionId.length > 255 || d.value.length > 2000) return undefined;
  return { actionId: d.actionId, value: d.value };
}
