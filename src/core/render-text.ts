import { assertNever } from '../lib/assert.js';
import type { Block, Reply, TableBlock } from './reply.js';

/**
 * Reply → plain text: the CLI's output and the notification/accessibility fallback of every chat renderer.
 * Markdown emphasis is dropped, links become "label (url)", tables are aligned columns.
 */
export function toPlainText(r: Reply, opts: { width?: number } = {}): string {
  const parts: string[] = [];
  // The title on a line of its own: no "====" underline, which chat clients show literally in notifications.
  if (r.title) parts.push(r.title);
  for (const b of r.blocks) parts.push(blockToText(b, opts.width ?? 100));
  return withoutControls(parts.filter((p) => p !== '').join('\n\n'));
}

// C0 and C1 control characters except tab and newline, and the bidi overrides/isolates that reorder what a
// terminal shows (Trojan Source): a name or a reason holding ESC [2J must not clear the reader's screen.
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Text safe to print to a terminal: control characters removed (tab and newline kept). */
export function withoutControls(t: string): string {
  return t.replace(CONTROLS, '');
}

export function stripMarkdown(t: string): string {
  return t
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/\[([^\]]+)\]\((https?:[^)\s]+)\)/g, '$1 ($2)');
}

function blockToText(b: Block, width: number): string {
  switch (b.type) {
    case 'text':
      return stripMarkdown(b.text);
    case 'context':
      return stripMarkdown(b.text);
    case 'divider':
      return '-'.repeat(Math.min(width, 40));
    case 'fields': {
      const w = Math.max(...b.fields.map((f) => f.label.length));
      return b.fields.map((f) => `${f.label.padEnd(w)}  ${stripMarkdown(f.value)}`).join('\n');
    }
    case 'table':
      return tableToText(b);
    case 'chart': {
      const max = Math.max(1, ...b.bars.map((x) => x.value));
      const lw = Math.max(...b.bars.map((x) => x.label.length), 1);
      const lines = b.bars.map((x) => `${x.label.padEnd(lw)}  ${'█'.repeat(Math.max(x.value > 0 ? 1 : 0, Math.round((x.value / max) * 30)))} ${x.display}`);
      return [b.title, ...lines].join('\n');
    }
    case 'image':
      return `${b.title}: ${stripMarkdown(b.alt)}`;
    case 'actions':
      // Buttons cannot be pressed in text; their internal ids mean nothing to a reader. Replies that have buttons
      // say in words what to type instead (a proposal card: `approve <id>` / `reject <id>`).
      return '';
    default:
      return assertNever(b, 'block');
  }
}

export function tableToText(b: TableBlock): string {
  const cells = [b.columns.map((c) => c.label), ...b.rows.map((r) => r.map(stripMarkdown))];
  const widths = b.columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (b.columns[i]?.align === 'right' ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [line(cells[0] ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)];
  if (b.note) out.push('', stripMarkdown(b.note));
  return out.join('\n');
}
