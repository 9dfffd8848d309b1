import type { Block, Button, Reply } from '../../core/reply.js';
import { assertNever } from '../../lib/assert.js';

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESC[c] ?? c);
}

/**
 * Status icons as CSS shapes, not emoji: a machine without an emoji font (Debian's chromium on a server, many
 * kiosks) shows a missing glyph for 🟠 or ✅. The words beside each icon carry the meaning; the shape is a hint.
 */
const ICONS: Record<string, string> = {
  '🔴': 'red', '🟠': 'orange', '🟡': 'yellow', '⚪': 'white', '🟢': 'green',
  '✅': 'ok', '❌': 'fail', '⛔': 'no', '🚫': 'no', '🕓': 'wait', '⌛': 'wait', '⚙': 'busy', '↩': 'undo', '⚠': 'warn', '🚨': 'alarm',
};
// Any other pictograph (emoji) is dropped rather than shown as a box; ©, ® and ™ are ordinary text.
const PICTOGRAPH = /(?![\u00a9\u00ae\u2122])\p{Extended_Pictographic}\ufe0f?|\ufe0f/gu;

/** Escaped text → the same with emoji replaced by CSS shapes (only ever applied to element content, never attributes). */
export function iconsToShapes(html: string): string {
  return html.replace(PICTOGRAPH, (m) => {
    const name = ICONS[m.replace('\ufe0f', '')];
    return name ? `<span class="ico ico-${name}" aria-hidden="true"></span>` : '';
  });
}

/** Plain text → HTML element content: escaped, icons as shapes. */
function textHtml(t: string): string {
  return iconsToShapes(escapeHtml(t));
}

/** The markdown subset → HTML, escaping first so nothing a user typed can become markup. */
export function inlineMarkdown(t: string): string {
  let html = escapeHtml(t)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/\[([^\]]+)\]\((https?:\/\/[^)\s"]+)\)/g, '<a href="$2" rel="noopener noreferrer" target="_blank">$1</a>');
  const lines = html.split('\n');
  if (lines.some((l) => l.startsWith('- '))) {
    const out: string[] = [];
    let inList = false;
    for (const l of lines) {
      if (l.startsWith('- ')) {
        if (!inList) out.push('<ul>');
        inList = true;
        out.push(`<li>${l.slice(2)}</li>`);
      } else {
        if (inList) out.push('</ul>');
        inList = false;
        out.push(l + '<br>');
      }
    }
    if (inList) out.push('</ul>');
    html = out.join('');
  } else html = lines.join('<br>');
  return iconsToShapes(html);
}

function button(b: Button): string {
  const confirm = b.confirm ? ` data-confirm="${escapeHtml(`${b.confirm.title}\n\n${b.confirm.text}`)}"` : '';
  const style = b.style ? ` btn-${b.style}` : '';
  return `<button type="button" class="btn${style}" data-action-id="${escapeHtml(b.actionId)}" data-value="${escapeHtml(b.value)}"${confirm}>${textHtml(b.label)}</button>`;
}

function block(b: Block): string {
  switch (b.type) {
    case 'text':
      return `<div class="r-text">${inlineMarkdown(b.text)}</div>`;
    case 'context':
      return `<div class="r-context">${inlineMarkdown(b.text)}</div>`;
    case 'divider':
      return '<hr class="r-divider">';
    case 'fields':
      return `<dl class="r-fields">${b.fields.map((f) => `<div><dt>${textHtml(f.label)}</dt><dd>${inlineMarkdown(f.value)}</dd></div>`).join('')}</dl>`;
    case 'table': {
      const head = b.columns.map((c) => `<th${c.align === 'right' ? ' class="num"' : ''}>${textHtml(c.label)}</th>`).join('');
      const rows = b.rows
        .map((r) => `<tr>${r.map((cell, i) => `<td${b.columns[i]?.align === 'right' ? ' class="num"' : ''}>${inlineMarkdown(cell)}</td>`).join('')}</tr>`)
        .join('');
      const note = b.note ? `<div class="r-note">${inlineMarkdown(b.note)}</div>` : '';
      return `<div class="r-table-wrap"><table class="r-table"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>${note}</div>`;
    }
    case 'chart': {
      const max = Math.max(1, ...b.bars.map((x) => x.value));
      const bars = b.bars
        .map((x) => {
          const pct = Math.max(x.value > 0 ? 1 : 0, Math.round((x.value / max) * 100));
          return `<div class="bar-row"><span class="bar-label">${textHtml(x.label)}</span><span class="bar"><span style="width:${pct}%"></span></span><span class="bar-value">${textHtml(x.display)}</span></div>`;
        })
        .join('');
      return `<figure class="r-chart"><figcaption>${textHtml(b.title)}</figcaption>${bars}</figure>`;
    }
    case 'image': {
      // Only base64 characters reach the data URL, so the attribute cannot be broken out of.
      const data = /^[A-Za-z0-9+/]*={0,2}$/.test(b.pngBase64) ? b.pngBase64 : '';
      return `<figure class="r-image"><figcaption>${textHtml(b.title)}</figcaption><img src="data:image/png;base64,${data}" width="${Math.round(b.width)}" height="${Math.round(b.height)}" alt="${escapeHtml(b.alt)}" style="max-width:100%;height:auto"></figure>`;
    }
    case 'actions':
      return `<div class="r-actions">${b.buttons.map(button).join('')}</div>`;
    default:
      return assertNever(b, 'block');
  }
}

/** Reply → HTML fragment for the console. Every piece of text is escaped. */
export function toHtml(r: Reply): string {
  const title = r.title ? `<h3 class="r-title">${textHtml(r.title)}</h3>` : '';
  return `<div class="reply">${title}${r.blocks.map(block).join('')}</div>`;
}
