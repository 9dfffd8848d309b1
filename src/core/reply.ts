/**
 * The surface-neutral reply model: the only thing surfaces render (Block Kit, Adaptive Card, HTML, text).
 * Text uses a small markdown subset every renderer understands: **bold**, `code`, [label](https://url),
 * and lines starting with "- " as bullets.
 */
export interface Reply {
  title?: string;
  blocks: Block[];
  /** ephemeral: only the requester sees it (Slack); channel: everyone in the conversation. */
  visibility: 'ephemeral' | 'channel';
  /**
   * This reply is the card of this proposal: where a surface posts it is remembered, so every decision (a button
   * or a typed command) and every step of its execution update that message in place.
   */
  cardOf?: string;
  /**
   * Every row of every table must reach the reader (a plan's full list of steps): a surface whose message cannot
   * hold it all sends it as several messages (`splitReply`), never with rows cut. Surfaces that show any length
   * (console, CLI) render it as it is.
   */
  whole?: boolean;
}

export interface TextBlock { type: 'text'; text: string }
export interface FieldsBlock { type: 'fields'; fields: { label: string; value: string }[] }
export interface TableColumn { label: string; align?: 'left' | 'right' }
export interface TableBlock {
  type: 'table';
  columns: TableColumn[];
  rows: string[][];
  /** Shown under the table, e.g. "showing 50 of 212 — narrow with --region". */
  note?: string;
}
export interface ChartBlock {
  type: 'chart';
  title: string;
  /** Horizontal bars; `display` is the formatted value shown next to each bar. */
  bars: { label: string; value: number; display: string }[];
}
export interface Button {
  /** A registered action id (`proposal.approve`); the value carries only an id, never state. */
  actionId: string;
  label: string;
  value: string;
  style?: 'primary' | 'danger';
  /** Ask before acting (critical changes). */
  confirm?: { title: string; text: string; confirm: string; deny: string };
}
export interface ActionsBlock { type: 'actions'; buttons: Button[] }
/**
 * A picture rendered on the server (digest trend charts). `pngBase64` travels through JSON (console API, worker
 * threads); each surface shows it its own way (Slack uploads it, Teams inlines it, the console as a data URL),
 * and text surfaces print `alt`, which must say what the picture shows.
 */
export interface ImageBlock {
  type: 'image';
  title: string;
  alt: string;
  pngBase64: string;
  width: number;
  height: number;
}
export interface ContextBlock { type: 'context'; text: string }
export interface DividerBlock { type: 'divider' }

export type Block = TextBlock | FieldsBlock | TableBlock | ChartBlock | ImageBlock | ActionsBlock | ContextBlock | DividerBlock;

export const text = (t: string): TextBlock => ({ type: 'text', text: t });
export const context = (t: string): ContextBlock => ({ type: 'context', text: t });
export const divider = (): DividerBlock => ({ type: 'divider' });
export const fields = (entries: Record<string, string> | { label: string; value: string }[]): FieldsBlock => ({
  type: 'fields',
  fields: Array.isArray(entries) ? entries : Object.entries(entries).map(([label, value]) => ({ label, value })),
});
export const table = (columns: (string | TableColumn)[], rows: string[][], note?: string): TableBlock => ({
  type: 'table',
  columns: columns.map((c) => (typeof c === 'string' ? { label: c } : c)),
  rows,
  ...(note ? { note } : {}),
});
export const chart = (title: string, bars: ChartBlock['bars']): ChartBlock => ({ type: 'chart', title, bars });
export const actions = (...buttons: Button[]): ActionsBlock => ({ type: 'actions', buttons });

export function reply(opts: { title?: string; blocks: Block[]; visibility?: Reply['visibility']; cardOf?: string; whole?: boolean }): Reply {
  return {
    ...(opts.title ? { title: opts.title } : {}),
    blocks: opts.blocks,
    visibility: opts.visibility ?? 'ephemeral',
    ...(opts.cardOf ? { cardOf: opts.cardOf } : {}),
    ...(opts.whole ? { whole: true } : {}),
  };
}

/**
 * A `whole` reply cut into parts that each fit one message of a surface (`fits` is that surface's test, e.g.
 * "renders within 50 blocks without dropping a row"). Only tables are cut, between rows; the renderers repeat a
 * table's header in every part, its note goes with its last rows, and when there is more than one part each is
 * titled "… (part 2 of 3)". A block (or a single row) too big for a message alone gets a part of its own, where
 * the renderer's own limits apply. Parts keep the reply's visibility; none is a card.
 */
export function splitReply(r: Reply, fits: (part: Reply) => boolean): Reply[] {
  if (fits(r)) return [r];
  const base: Reply = { ...r };
  delete base.cardOf;
  // Measured with the longest label a part can get, so adding it afterwards cannot push a part over.
  const probe = (blocks: Block[]) => fits({ ...base, ...(r.title ? { title: `${r.title} (part 999 of 999)` } : {}), blocks });
  const parts: Block[][] = [];
  let current: Block[] = [];
  const flush = () => {
    if (current.length) parts.push(current);
    current = [];
  };
  for (const b of r.blocks) {
    if (probe([...current, b])) {
      current.push(b);
      continue;
    }
    if (b.type !== 'table' || b.rows.length === 0) {
      flush();
      current = [b];
      continue;
    }
    const { note, ...bare } = b;
    let rest = b.rows;
    while (rest.length) {
      const slice = (n: number): TableBlock => (n === rest.length && note ? { ...bare, rows: rest, note } : { ...bare, rows: rest.slice(0, n) });
      // The most rows that still fit after what this part holds (fitting grows with rows, so a binary search).
      let lo = 0;
      let hi = rest.length;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (probe([...current, slice(mid)])) lo = mid;
        else hi = mid - 1;
      }
      if (lo === 0 && current.length) {
        flush();
        continue;
      }
      const n = Math.max(1, lo);
      current.push(slice(n));
      rest = rest.slice(n);
      if (rest.length) flush();
    }
  }
  flush();
  if (parts.length <= 1) return [{ ...base, blocks: parts[0] ?? [] }];
  return parts.map((blocks, i) => ({ ...base, ...(r.title ? { title: `${r.title} (part ${i + 1} of ${parts.length})` } : {}), blocks }));
}

export function textReply(t: string, visibility: Reply['visibility'] = 'ephemeral'): Reply {
  return { blocks: [text(t)], visibility };
}

/**
 * Text that came from users or clouds (names, tags, reasons), made literal for the markdown subset: it can never
 * become **bold**, a `code` span or a [link](https://…) in any renderer. A zero-width space breaks the syntax;
 * a backtick becomes an apostrophe (as in `code`). Each renderer still escapes its own markup (&, <, >).
 */
export function literal(t: string): string {
  return t
    .replace(/`/g, "'")
    .replace(/\*\*/g, '*\u200b*')
    .replace(/\]\(/g, ']\u200b(')
    .replace(/(^|\n)- /g, '$1-\u200b ');
}

/** Escapes characters that the markdown subset would otherwise interpret in user-provided text. */
export function code(t: string): string {
  return '`' + t.replace(/`/g, "'") + '`';
}

export function buttonsOf(r: Reply): Button[] {
  return r.blocks.flatMap((b) => (b.type === 'actions' ? b.buttons : []));
}
