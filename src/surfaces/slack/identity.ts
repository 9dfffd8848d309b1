/**
 * Who clicked or typed: the actor the command layer sees. Ids are surface-qualified and carry the workspace
 * (`slack:T123:U123`); user-group memberships come from `usergroups.list` (one call for the whole workspace,
 * cached), as `slack:T123:S0123` and `slack:T123:@handle`: complete subjects, which the approvals policy matches
 * as they are (and as `slack:U123` / `slack:S0123`, the older form without the workspace). `groups` is left out
 * when memberships are unknown (lookup off or refused), and empty when the user is in no group, so a refusal can
 * tell "not a member" from "could not check".
 */
import type { webApi } from '@slack/bolt';
import type { Invocation } from '../../core/dispatch.js';
import type { Logger } from '../../lib/logger.js';

export type Actor = Invocation['actor'];

export interface IdentityResolver {
  /** `team`: the workspace the request came from (`team_id`), which the actor id carries. */
  actor(user: { id: string; name?: string | undefined; team?: string | undefined }): Promise<Actor>;
}

interface Membership {
  at: number;
  /** user id → [group id, handle] of each group they belong to */
  byUser: Map<string, string[]>;
  /** false when Slack refused the lookup: memberships are unknown, not empty */
  known: boolean;
}

export function createIdentityResolver(deps: {
  client: webApi.WebClient;
  log: Logger;
  /** Look up user groups (needs the `usergroups:read` scope). */
  groups: boolean;
  ttlMs?: number;
  /** Longest a lookup may delay a command before it runs without groups. */
  timeoutMs?: number;
  now?: () => number;
}): IdentityResolver {
  const ttlMs = deps.ttlMs ?? 5 * 60 * 1000;
  const timeoutMs = deps.timeoutMs ?? 2000;
  const now = deps.now ?? Date.now;
  let cache: Membership | undefined;
  let inflight: Promise<Membership> | undefined;
  let warned = false;

  async function load(): Promise<Membership> {
    const byUser = new Map<string, string[]>();
    try {
      const res = await deps.client.usergroups.list({ include_users: true, include_disabled: false });
      for (const g of res.usergroups ?? []) {
        if (!g.id) continue;
        const names = [g.id, ...(g.handle ? [`@${g.handle}`] : [])];
        for (const u of g.users ?? []) byUser.set(u, [...(byUser.get(u) ?? []), ...names]);
      }
    } catch (err) {
      // A free workspace or a missing scope: run without groups (cached like a success, so we do not hammer Slack).
      if (!warned) deps.log.warn({ err: { message: (err as Error).message } }, 'slack user groups unavailable; actors carry no groups');
      warned = true;
      return { at: now(), byUser, known: false };
    }
    return { at: now(), byUser, known: true };
  }

  async function memberships(): Promise<Membership> {
    if (cache && now() - cache.at < ttlMs) return cache;
    inflight ??= load().finally(() => {
      inflight = undefined;
    });
    const stale = cache;
    const fresh = await Promise.race([inflight, new Promise<undefined>((r) => setTimeout(() => r(undefined), timeoutMs).unref())]);
    if (fresh) cache = fresh;
    else void inflight?.then((m) => (cache = m));
    return fresh ?? stale ?? { at: 0, byUser: new Map(), known: false };
  }

  return {
    async actor(user) {
      const prefix = user.team ? `slack:${user.team}:` : 'slack:';
      const base: Actor = { id: `${prefix}${user.id}`, displayName: user.name || user.id, surface: 'slack' };
      if (!deps.groups) return base;
      const m = await memberships();
      if (!m.known) return base;
      return { ...base, groups: [...new Set(m.byUser.get(user.id) ?? [])].map((g) => `${prefix}${g}`) };
    },
  };
}
