import { distance } from 'fastest-levenshtein';
import type { ActionDef, AnyCommand, RegistryView } from './command.js';

export type Registry = RegistryView;

export function createRegistry(commands: readonly AnyCommand[], actions: readonly ActionDef[]): Registry {
  const byName = new Map<string, AnyCommand>();
  for (const c of commands) {
    for (const n of [c.name, ...(c.aliases ?? [])]) {
      if (!/^[a-z][a-z0-9-]*$/.test(n)) throw new Error(`command name ${JSON.stringify(n)} must be lowercase words joined by -`);
      if (byName.has(n)) throw new Error(`command name ${JSON.stringify(n)} is registered twice`);
      byName.set(n, c);
    }
  }
  const byId = new Map<string, ActionDef>();
  for (const a of actions) {
    if (!/^[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*$/.test(a.id)) throw new Error(`action id ${JSON.stringify(a.id)} must look like noun.verb`);
    if (byId.has(a.id)) throw new Error(`action id ${JSON.stringify(a.id)} is registered twice`);
    byId.set(a.id, a);
  }
  return {
    commands: () => [...commands],
    find: (name) => byName.get(name.toLowerCase()),
    action: (id) => byId.get(id),
    suggest(name) {
      const typed = name.toLowerCase();
      const scored = [...byName.keys()].map((n) => {
        // A prefix ("inv") or a close spelling ("invetnory") both count as close.
        const d = n.startsWith(typed) && typed.length >= 2 ? 0 : distance(typed, n);
        return { n, d };
      });
      const limit = Math.max(2, Math.floor(typed.length / 3));
      const names = scored
        .filter((s) => s.d <= limit)
        .sort((a, b) => a.d - b.d || a.n.localeCompare(b.n))
        .map((s) => byName.get(s.n)?.name ?? s.n);
      return [...new Set(names)];
    },
  };
}
