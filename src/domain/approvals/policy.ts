/**
 * The approvals policy: who holds which role, how risky each step is, how many approvals each risk needs and
 * how long a proposal stays open. Read from the policy file (docs/approvals.md) or the built-in defaults.
 */
import { z } from 'zod';
import { WATCH_ACTOR, type Actor } from '../model/actor.js';
import type { Plan, PlanStep, Risk, StepKind } from '../model/plan.js';
import { RISK_ORDER } from '../model/plan.js';
import { STEP_KIND_NAMES, STEP_KINDS } from '../model/step-kinds.js';
import { ROLE_RANK, ROLES, type Role } from '../model/proposal.js';

/** The command runtime's permissions (same strings as core's `Permission`). */
export type Permission = 'read' | 'propose' | 'approve' | 'admin';

/** The least role that holds each permission. Operators may approve low-risk proposals, so `approve` starts there. */
export const PERMISSION_ROLE: Record<Permission, Role> = { read: 'viewer', propose: 'operator', approve: 'operator', admin: 'admin' };

export interface Requirement {
  count: number;
  role: Role;
}

export interface Binding {
  role: Role;
  /**
   * `slack:T123:U123` or `slack:U123` (a user), `slack:T123:S0GROUP` or `slack:S0GROUP` (a user group),
   * `teams:<aad object id>`, `console:alice`, `cli:bob`, `person:dana` (every identity of a person), or `<surface>:*`.
   */
  subject: string;
}

/** One human with identities on several surfaces: self-approval and "distinct approvers" are judged per person. */
export interface Person {
  name: string;
  /** Concrete surface identities (`slack:T…:U…` or `slack:U…`, `teams:<aad id>`, `cli:<os user>`, `console:<name>`). */
  identities: string[];
}

export interface Policy {
  /** Where it came from (a file path or "built-in …"), for messages. */
  source: string;
  /** Role of anyone not bound; undefined means no access at all. */
  defaultRole: Role | undefined;
  bindings: Binding[];
  people: Person[];
  risk: Record<StepKind, Risk> & { crossProviderMove: Risk; failover: Risk };
  approvals: Record<Risk, Requirement>;
  expiryMs: number;
}

/** Each step kind's declared risk (src/domain/model/step-kinds.ts), plus the two plan-level risks. */
export const DEFAULT_RISK: Policy['risk'] = {
  ...(Object.fromEntries(STEP_KIND_NAMES.map((k) => [k, STEP_KINDS[k].risk])) as Record<StepKind, Risk>),
  crossProviderMove: 'critical',
  failover: 'critical',
};

export const DEFAULT_APPROVALS: Policy['approvals'] = {
  low: { count: 1, role: 'operator' },
  medium: { count: 1, role: 'approver' },
  critical: { count: 2, role: 'approver' },
};

export const DEFAULT_EXPIRY_MS = 60 * 60 * 1000;

/**
 * Built-in defaults when no policy file is configured. Everyone unknown is a viewer. In the embedded first run
 * (PGlite, console and CLI on one machine) console and CLI users are admins, so a newcomer can propose as `alice`,
 * approve as `bob` and `demo reset`, and see the whole flow; the approval rules still hold (nobody approves their
 * own, critical needs two people). With a shared PostgreSQL (production) nobody may change anything until a policy
 * file binds real people.
 */
export function defaultPolicy(opts: { embedded: boolean }): Policy {
  return {
    source: opts.embedded ? 'built-in embedded defaults (console and CLI users are admins)' : 'built-in defaults (everyone is a viewer)',
    defaultRole: 'viewer',
    bindings: opts.embedded
      ? [
          { role: 'admin', subject: 'console:*' },
          { role: 'admin', subject: 'cli:*' },
        ]
      : [],
    people: [],
    risk: { ...DEFAULT_RISK },
    approvals: structuredClone(DEFAULT_APPROVALS),
    expiryMs: DEFAULT_EXPIRY_MS,
  };
}

const riskSchema = z.enum(['low', 'medium', 'critical']);
const roleSchema = z.enum(ROLES);
const subjectSchema = z
  .string()
  .trim()
  .regex(
    /^(slack|teams|console|cli|system|person):[^\s:][^\s]*$/,
    'expected <surface>:<id>, e.g. slack:T024BE7LH:U024BE7LH, slack:S04SREGRP1, teams:<aad object id>, console:alice, person:dana or console:*',
  );
const personNameSchema = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'expected a person name in lower case: letters, digits, . _ -');
/** A person's identity names one user on one surface: no wildcards, no groups. */
const identitySchema = z
  .string()
  .trim()
  .regex(
    /^(slack:(T[A-Z0-9]+:)?[UW][A-Z0-9]+|teams:[0-9a-fA-F-]{36}|console:[^\s:*]+|cli:[^\s:*]+)$/,
    'expected one user: slack:T…:U… (or slack:U…), teams:<aad object id>, cli:<os user> or console:<name> (no wildcards or groups)',
  );
const requirementSchema = z.object({ count: z.number().int().min(1).max(10), role: roleSchema }).strict();

const durationSchema = z.union([
  z.number().positive().describe('minutes'),
  z.string().regex(/^(\d+h)?(\d+m)?(\d+s)?$/, 'expected a duration like 1h, 30m, 2h30m or a number of minutes').refine((s) => s.length > 0, 'empty duration'),
]);

export const policyFileSchema = z
  .object({
    version: z.literal(1),
    defaultRole: z.union([roleSchema, z.literal('none')]).default('viewer'),
    expiry: durationSchema.default('1h'),
    /** `name: [identity, …]`: the identities one person uses on each surface. */
    people: z.record(personNameSchema, z.array(identitySchema).min(1)).default({}),
    roles: z.partialRecord(roleSchema, z.array(subjectSchema)).default({}),
    risk: z
      .object({
        start: riskSchema,
        stop: riskSchema,
        reboot: riskSchema,
        resize: riskSchema,
        snapshot: riskSchema,
        create: riskSchema,
        delete: riskSchema,
        tag: riskSchema,
        crossProviderMove: riskSchema,
        failover: riskSchema,
      })
      .partial()
      .strict()
      .default({}),
    approvals: z.object({ low: requirementSchema, medium: requirementSchema, critical: requirementSchema }).partial().strict().default({}),
  })
  .strict();

export function parseDuration(v: number | string): number {
  if (typeof v === 'number') return Math.round(v * 60_000);
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(v);
  const [h, min, s] = [m?.[1], m?.[2], m?.[3]].map((x) => Number(x ?? 0));
  return ((h ?? 0) * 3600 + (min ?? 0) * 60 + (s ?? 0)) * 1000;
}

export class PolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyError';
  }
}

/** Validates a parsed policy document; the error names the file and each bad path. */
export function parsePolicy(doc: unknown, source: string): Policy {
  const parsed = policyFileSchema.safeParse(doc);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 8).map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new PolicyError(`The approvals policy ${source} is not valid (see docs/approvals.md):\n${problems.join('\n')}`);
  }
  const p = parsed.data;
  const expiryMs = parseDuration(p.expiry);
  if (expiryMs < 60_000 || expiryMs > 7 * 24 * 3600_000) throw new PolicyError(`The approvals policy ${source}: expiry must be between 1m and 7 days`);
  const people: Person[] = Object.entries(p.people).map(([name, ids]) => ({ name, identities: [...new Set(ids.map(canonicalIdentity))] }));
  // One identity is one person: bound twice, self-approval could not be judged.
  const owner = new Map<string, string>();
  for (const person of people) {
    for (const id of person.identities) {
      const key = identityKey(id);
      const other = owner.get(key);
      if (other && other !== person.name) throw new PolicyError(`The approvals policy ${source}: ${id} is listed under both people ${other} and ${person.name}; an identity belongs to one person`);
      owner.set(key, person.name);
    }
  }
  const bindings: Binding[] = [];
  for (const role of ROLES) {
    for (const subject of p.roles[role] ?? []) {
      if (subject.startsWith('person:') && !people.some((x) => x.name === subject.slice(7))) {
        throw new PolicyError(`The approvals policy ${source}: roles.${role} names ${subject}, but no person ${subject.slice(7)} is listed under people`);
      }
      bindings.push({ role, subject });
    }
  }
  return {
    source,
    defaultRole: p.defaultRole === 'none' ? undefined : p.defaultRole,
    bindings,
    people,
    risk: { ...DEFAULT_RISK, ...p.risk },
    approvals: { ...structuredClone(DEFAULT_APPROVALS), ...p.approvals },
    expiryMs,
  };
}

// ─── People and identities ──────────────────────────────────────────────────────────────────────────────────

/** Slack ids carry their workspace (`slack:T…:U…`); the older form without it (`slack:U…`) names the same user. */
const SLACK_TEAM_QUALIFIED = /^slack:(T[A-Z0-9]+):(.+)$/;

/** Policy entries as written, with Teams object ids in lower case (as identity gives them). */
function canonicalIdentity(id: string): string {
  return id.startsWith('teams:') ? id.toLowerCase() : id;
}

/**
 * The key that says "the same user": a Slack user id without its workspace (Slack user ids are unique across
 * workspaces; an Enterprise Grid user keeps one id in all of them), every other id as it is.
 */
export function identityKey(id: string): string {
  const m = SLACK_TEAM_QUALIFIED.exec(id);
  return m ? `slack:${m[2]}` : canonicalIdentity(id);
}

/** The person an identity belongs to, if the policy lists one. */
export function personOf(policy: Pick<Policy, 'people'>, id: string): Person | undefined {
  const key = identityKey(id);
  return policy.people.find((p) => p.identities.some((i) => identityKey(i) === key));
}

/**
 * Who is behind an identity, for self-approval and distinct approvers: `person:<name>` when the policy lists the
 * identity under a person, else the identity itself (an identity bound to nobody is its own person).
 */
export function personKey(policy: Pick<Policy, 'people'>, id: string): string {
  const person = personOf(policy, id);
  return person ? `person:${person.name}` : identityKey(id);
}

export function samePerson(policy: Pick<Policy, 'people'>, a: string, b: string): boolean {
  return personKey(policy, a) === personKey(policy, b);
}

/** "dana (slack:T1:U1)" for audit rows and messages: the person and the surface identity they used. */
export function describeActor(policy: Pick<Policy, 'people'>, id: string): string {
  const person = personOf(policy, id);
  return person ? `${person.name} (${id})` : id;
}

// ─── Roles ───────────────────────────────────────────────────────────────────────────────────────────────────

/** A group as a subject: identity gives them qualified (`slack:T1:S0SRE`, `slack:@sre`), older callers bare (`S0SRE`). */
function groupSubject(surface: string, group: string): string {
  return group.startsWith(`${surface}:`) ? group : `${surface}:${group}`;
}

function subjectsOf(policy: Pick<Policy, 'people'>, actor: Pick<Actor, 'id' | 'surface' | 'groups'>): Set<string> {
  const s = new Set([actor.id, identityKey(actor.id), `${actor.surface}:*`]);
  for (const g of actor.groups ?? []) {
    const subject = groupSubject(actor.surface, g);
    s.add(subject);
    s.add(identityKey(subject));
  }
  // A person holds what any of their identities is bound to, on whichever surface they ask from.
  const person = personOf(policy, actor.id);
  if (person) {
    s.add(`person:${person.name}`);
    for (const id of person.identities) {
      s.add(id);
      s.add(identityKey(id));
    }
  }
  return s;
}

/**
 * A binding written with the workspace (`slack:T1:S0DEV`) matches that workspace only; one written without it
 * (`slack:S0DEV`, `slack:U0OLD`) matches in any workspace, because the actor's subjects carry both forms.
 */
function bindingMatches(subjects: Set<string>, subject: string): boolean {
  return subjects.has(canonicalIdentity(subject));
}

/** The highest role the actor holds through any binding (user, group, person or surface wildcard), else the default. */
export function roleOf(policy: Policy, actor: Pick<Actor, 'id' | 'surface' | 'groups'>): Role | undefined {
  const subjects = subjectsOf(policy, actor);
  let best: Role | undefined;
  for (const b of policy.bindings) {
    if (bindingMatches(subjects, b.subject) && (!best || ROLE_RANK[b.role] > ROLE_RANK[best])) best = b.role;
  }
  // The scheduler and other system actors read (digests) unless the policy says more.
  // The health watch proposes (never approves: the requester never approves their own proposal).
  const fallback = actor.surface === 'system' && actor.id === WATCH_ACTOR.id ? 'operator' : actor.surface === 'system' ? 'viewer' : policy.defaultRole;
  if (fallback && (!best || ROLE_RANK[fallback] > ROLE_RANK[best])) best = fallback;
  return best;
}

export function atLeast(role: Role | undefined, min: Role): boolean {
  return role !== undefined && ROLE_RANK[role] >= ROLE_RANK[min];
}

/** "slack:U1", "any console user", … for people reading a refusal. */
export function describeSubject(subject: string): string {
  const [surface, id] = [subject.slice(0, subject.indexOf(':')), subject.slice(subject.indexOf(':') + 1)];
  if (id === '*') return `any ${surface === 'cli' ? 'CLI' : surface} user`;
  if (surface === 'person') return id;
  const bare = identityKey(subject).slice(surface.length + 1);
  if (surface === 'slack' && /^(S|@)/.test(bare)) return `Slack user group ${bare}`;
  return subject;
}

/** Whether a binding names one of the excluded people (by identity, by any of their identities, or as `person:`). */
function excludedBy(policy: Pick<Policy, 'people'>, subject: string, exclude: readonly string[]): boolean {
  if (subject.endsWith(':*')) return false;
  if (subject.startsWith('person:')) return exclude.some((x) => personKey(policy, x) === subject);
  return exclude.some((x) => x === subject || samePerson(policy, x, subject));
}

/** Who holds at least `min`, in words: the bound subjects minus `exclude`, or "anyone" through the default. */
export function holders(policy: Policy, min: Role, exclude: readonly string[] = []): string[] {
  if (atLeast(policy.defaultRole, min)) return ['anyone (the default role is ' + policy.defaultRole + ')'];
  const out = policy.bindings
    .filter((b) => atLeast(b.role, min) && !excludedBy(policy, b.subject, exclude))
    .map((b) => {
      if (!b.subject.endsWith(':*')) return describeSubject(b.subject);
      // "any console user other than alice": a wildcard still leaves out the requester and who already decided.
      const prefix = b.subject.slice(0, -1);
      const excluded = exclude.flatMap((x) => [x, ...(personOf(policy, x)?.identities ?? [])]);
      const others = [...new Set(excluded.filter((x) => x.startsWith(prefix)).map((x) => x.slice(prefix.length)))];
      return describeSubject(b.subject) + (others.length ? ` other than ${others.join(', ')}` : '');
    });
  return [...new Set(out)];
}

/**
 * How a reply names the policy: a built-in one by what it is, a file never by its path (a refusal reaches any chat
 * user, and the server's paths are not theirs to know).
 */
export function policyName(policy: Policy): string {
  return policy.source.startsWith('built-in') ? `the ${policy.source}` : 'the approvals policy (STEWARD_POLICY_FILE)';
}

export function holdersText(policy: Policy, min: Role, exclude: readonly string[] = []): string {
  const list = holders(policy, min, exclude);
  if (list.length === 0) return `nobody else holds ${article(min)} ${min} role; an admin must bind someone in ${policyName(policy)}`;
  const shown = list.slice(0, 8).join(', ') + (list.length > 8 ? ` and ${list.length - 8} more` : '');
  return shown;
}

export function article(role: Role): string {
  return role === 'admin' || role === 'approver' || role === 'operator' ? 'an' : 'a';
}

/**
 * When a Slack actor is refused and their user groups are unknown (SLACK_USER_GROUPS off, or Slack refused the
 * lookup), a group binding that would have given the role cannot apply: say so, since "ask an admin to bind you"
 * is the wrong remedy for someone who is bound through a group.
 */
export function groupRemedy(policy: Policy, actor: Pick<Actor, 'surface' | 'groups'>, need: Role): string {
  if (actor.surface !== 'slack' || actor.groups !== undefined) return '';
  const groups = policy.bindings.filter((b) => atLeast(b.role, need) && b.subject.startsWith('slack:') && /^(S|@)/.test(identityKey(b.subject).slice(6)));
  if (groups.length === 0) return '';
  const names = [...new Set(groups.map((b) => describeSubject(b.subject)))].join(', ');
  return ` Steward could not read your Slack user groups, so ${names} could not count: an admin should set SLACK_USER_GROUPS=true and give the Slack app the usergroups:read scope.`;
}

/** The command runtime's authorizer, built on the policy: every refusal says why and who holds the role. */
export function createPolicyAuthorizer(policy: Policy) {
  return {
    async check(actor: Actor, permission: Permission): Promise<{ ok: true } | { ok: false; reason: string }> {
      const need = PERMISSION_ROLE[permission];
      const has = roleOf(policy, actor);
      if (atLeast(has, need)) return { ok: true };
      const what = { read: 'reading', propose: 'proposing changes', approve: 'deciding on proposals', admin: 'this' }[permission];
      return {
        ok: false,
        reason:
          `${what} needs the ${need} role; ${actor.id} ${has ? `is only ${article(has)} ${has}` : 'has no role'}. ` +
          `Ask someone who holds it (${holdersText(policy, need, [actor.id])}), or an admin to bind you in ${policyName(policy)}.` +
          groupRemedy(policy, actor, need),
      };
    },
  };
}

// ─── Risk ────────────────────────────────────────────────────────────────────────────────────────────────────

export function riskOfStep(policy: Policy, step: PlanStep): Risk {
  if (step.kind === 'create' && step.placement.provider !== step.target.provider) return policy.risk.crossProviderMove;
  return policy.risk[step.kind];
}

/** A plan is as risky as its riskiest step; a failover plan is at least the failover risk. */
export function riskOfPlan(policy: Policy, plan: Plan): Risk {
  let risk: Risk = 'low';
  const raise = (r: Risk) => {
    if (RISK_ORDER[r] > RISK_ORDER[risk]) risk = r;
  };
  for (const s of plan.steps) raise(riskOfStep(policy, s));
  if (plan.kind === 'failover') raise(policy.risk.failover);
  return risk;
}

export function requirementFor(policy: Policy, risk: Risk): Requirement {
  return policy.approvals[risk];
}

export function requirementText(r: Requirement): string {
  return r.count === 1 ? `1 approval from ${article(r.role)} ${r.role} (or higher)` : `${r.count} approvals from distinct ${r.role}s (or higher)`;
}
