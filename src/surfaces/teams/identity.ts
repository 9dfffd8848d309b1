/**
 * Who wrote or clicked, from a Teams activity: the actor is `teams:<AAD object id>` (stable across chats, teams
 * and display-name changes), which is what the approvals policy binds to roles, as it binds Slack ids. An activity
 * from a tenant other than the configured ones is refused before anything runs.
 */
import type { Invocation } from '../../core/dispatch.js';

export type Actor = Invocation['actor'];

/** The parts of a Bot Framework activity identity needs (the SDK's Activity has them all). */
export interface ActivityIdentity {
  from?: { id?: string; name?: string; aadObjectId?: string } | undefined;
  conversation?: { tenantId?: string } | undefined;
  channelData?: unknown;
}

/** The tenant an activity comes from: `conversation.tenantId`, else `channelData.tenant.id`. */
export function tenantOf(a: ActivityIdentity): string | undefined {
  const fromData = (a.channelData as { tenant?: { id?: unknown } } | undefined)?.tenant?.id;
  const t = a.conversation?.tenantId ?? (typeof fromData === 'string' ? fromData : undefined);
  return t ? t.toLowerCase() : undefined;
}

export type IdentityVerdict = { ok: true; actor: Actor; tenantId: string } | { ok: false; reason: 'tenant' | 'no-user'; tenantId: string | undefined };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The actor of an activity, or why there is none (another tenant, or no AAD user behind it). */
export function identify(a: ActivityIdentity, allowedTenants: ReadonlySet<string>): IdentityVerdict {
  const tenantId = tenantOf(a);
  if (!tenantId || !allowedTenants.has(tenantId)) return { ok: false, reason: 'tenant', tenantId };
  const aad = a.from?.aadObjectId;
  if (!aad || !GUID.test(aad)) return { ok: false, reason: 'no-user', tenantId };
  const name = (a.from?.name ?? '').trim();
  return { ok: true, tenantId, actor: { id: `teams:${aad.toLowerCase()}`, displayName: name || aad, surface: 'teams' } };
}
