/** DESIGN §2: the Slack surface imports only src/core, src/lib, its own chat SDK and Node built-ins. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = new URL('../../../src/surfaces/slack/', import.meta.url).pathname;

describe('src/surfaces/slack imports', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
  it.each(files)('%s stays in its room', (f) => {
    const src = readFileSync(join(dir, f), 'utf8');
    const specs = [...src.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1] ?? '');
    for (const s of specs) {
      const ok = s.startsWith('./') || s.startsWith('../../core/') || s.startsWith('../../lib/') || s.startsWith('node:') || s === '@slack/bolt';
      expect(ok, `${f} imports ${s}`).toBe(true);
    }
  });
});
