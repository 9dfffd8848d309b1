import { describe, expect, it } from 'vitest';
import {
  createPolicyAuthorizer,
  defaultPolicy,
  parseDuration,
  parsePolicy,
  PolicyError,
  requirementFor,
  riskOfPlan,
  riskOfStep,
  roleOf,
} from '../../src/domain/approvals/policy.js';
import type { PlanStep } from '../../src/domain/model/plan.js';
import { SYSTEM_ACTOR } from '../../src/domain/model/actor.js';
import { readStructuredFile } from '../../src/lib/structured-file.js';
import { fromRoot } from '../../src/lib/paths.js';
import { actor, fakeStep, planOf } from '../support/approvals.js';

const example = parsePolicy(readStructuredFile(fromRoot('docs/examples/policy.yaml')), 'docs/examples/policy.yaml');

function create(to: 'aws' | 'gcp'): PlanStep {
  return { ...fakeStep('c1'), kind: 'create', placement: { provider: to, account: '1', region: 'eu-west-1', type: 't3.small' }, name: 'new', tags: {} } as PlanStep;
}

describe('risk', () => {
  it('follows the table: start low; stop, resize, snapshot medium; delete, cross-provider move, failover critical', () => {
    const p = defaultPolicy({ embedded: false });
    const s = fakeStep('s1');
    expect(riskOfStep(p, { ...s, kind: 'start' })).toBe('low');
    expect(riskOfStep(p, { ...s, kind: 'stop' })).toBe('medium');
    expect(riskOfStep(p, { ...s, kind: 'resize', toType: 'x' })).toBe('medium');
    expect(riskOfStep(p, { ...s, kind: 'snapshot' })).toBe('medium');
    expect(riskOfStep(p, { ...s, kind: 'delete' })).toBe('critical');
    expect(riskOfStep(p, create('aws'))).toBe('medium');
    expect(riskOfStep(p, create('gcp'))).toBe('critical');
    expect(riskOfPlan(p, planOf([{ ...s, kind: 'start' }]))).toBe('low');
    expect(riskOfPlan(p, planOf([{ ...s, kind: 'start' }, { ...s, kind: 'delete' }, { ...s, kind: 'stop' }]))).toBe('critical');
    expect(riskOfPlan(p, planOf([{ ...s, kind: 'start' }], 'failover'))).toBe('critical');
  });

  it('requires 1 operator for low, 1 approver for medium, 2 approvers for critical', () => {
    const p = defaultPolicy({ embedded: false });
    expect(requirementFor(p, 'low')).toEqual({ count: 1, role: 'operator' });
    expect(requirementFor(p, 'medium')).toEqual({ count: 1, role: 'approver' });
    expect(requirementFor(p, 'critical')).toEqual({ count: 2, role: 'approver' });
  });
});

describe('roles', () => {
  it('binds users, Slack user groups, Teams object ids and console users; the highest role wins', () => {
    expect(roleOf(example, actor('slack:U024BE7LH'))).toBe('approver');
    expect(roleOf(example, actor('slack:U999', ['S04SREGRP1']))).toBe('approver');
    expect(roleOf(example, actor('slack:U999', ['S05DEVGRP2']))).toBe('operator');
    expect(roleOf(example, actor('slack:U02ADMIN01', ['S05DEVGRP2']))).toBe('admin');
    expect(roleOf(example, actor('teams:4f6c1e0a-7c3b-4c1e-9a53-2f8d6f0b1a11'))).toBe('admin');
    expect(roleOf(example, actor('teams:someone', ['9b2d7a55-0c1e-4f7a-8d43-6a1c0e9f2b22']))).toBe('approver');
    expect(roleOf(example, actor('console:alice'))).toBe('operator');
    expect(roleOf(example, actor('slack:UNKNOWN'))).toBe('viewer');
  });

  it('defaultRole none leaves strangers without access; system actors still read', () => {
    const p = parsePolicy({ version: 1, defaultRole: 'none' }, 'x');
    expect(roleOf(p, actor('slack:U1'))).toBeUndefined();
    expect(roleOf(p, SYSTEM_ACTOR)).toBe('viewer');
  });

  it('embedded defaults make console and CLI users admins; server defaults make everyone a viewer', () => {
    expect(roleOf(defaultPolicy({ embedded: true }), actor('console:anyone'))).toBe('admin');
    expect(roleOf(defaultPolicy({ embedded: true }), actor('cli:me'))).toBe('admin');
    expect(roleOf(defaultPolicy({ embedded: true }), actor('slack:U1'))).toBe('viewer');
    expect(roleOf(defaultPolicy({ embedded: false }), actor('console:anyone'))).toBe('viewer');
  });

  it('the authorizer says why and who holds the role', async () => {
    const auth = createPolicyAuthorizer(example);
    expect(await auth.check(actor('console:alice'), 'propose')).toEqual({ ok: true });
    expect(await auth.check(actor('slack:U05READER1'), 'read')).toEqual({ ok: true });
    const refused = await auth.check(actor('slack:U05READER1'), 'propose');
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.reason).toMatch(/proposing changes needs the operator role; slack:U05READER1 is only a viewer\. Ask someone who holds it \(Slack user group S05DEVGRP2, console:alice, Slack user group S04SREGRP1, .* and 1 more\), or an admin to bind you in the approvals policy \(STEWARD_POLICY_FILE\)\. /);
    // The actor's Slack groups were not read, so the group bindings could not count: the remedy says how to turn that on.
    expect(!refused.ok && refused.reason).toMatch(/could not read your Slack user groups.*SLACK_USER_GROUPS=true.*usergroups:read/);
    expect(!refused.ok && refused.reason).not.toContain('docs/examples');
    const none = await createPolicyAuthorizer(parsePolicy({ version: 1, defaultRole: 'none' }, 'p.yaml')).check(actor('slack:U1'), 'read');
    expect(!none.ok && none.reason).toMatch(/reading needs the viewer role; slack:U1 has no role\. Ask someone who holds it \(nobody else holds a viewer role; an admin must bind someone in the approvals policy \(STEWARD_POLICY_FILE\)\)/);
    expect(!none.ok && none.reason).not.toContain('p.yaml');
  });
});

describe('policy file', () => {
  it('the documented example parses', () => {
    expect(example.expiryMs).toBe(3600_000);
    expect(example.bindings.length).toBeGreaterThan(5);
  });

  it('rejects mistakes with the path of each problem', () => {
    const bad = () => parsePolicy({ version: 1, roles: { approvers: ['slack:U1'] }, approvals: { medium: { count: 0, role: 'approver' } }, expiry: 'soon' }, 'policy.yaml');
    expect(bad).toThrow(PolicyError);
    expect(bad).toThrow(/policy\.yaml/);
    expect(bad).toThrow(/roles: Unrecognized key: "approvers"/);
    expect(bad).toThrow(/approvals\.medium\.count/);
    expect(bad).toThrow(/expiry/);
    expect(() => parsePolicy({ version: 1, roles: { admin: ['U123'] } }, 'p')).toThrow(/expected <surface>:<id>/);
  });

  it('reads durations', () => {
    expect(parseDuration('1h')).toBe(3600_000);
    expect(parseDuration('2h30m')).toBe(9000_000);
    expect(parseDuration(45)).toBe(2700_000);
  });
});

describe('who could approve instead', () => {
  it('leaves the requester and earlier deciders out, also from surface wildcards', async () => {
    const { holdersText } = await import('../../src/domain/approvals/policy.js');
    const p = defaultPolicy({ embedded: true });
    expect(holdersText(p, 'approver', ['console:alice', 'console:bob'])).toBe('any console user other than alice, bob, any CLI user');
  });
});

describe('Slack identities as identity gives them', () => {
  const policy = parsePolicy({ version: 1, roles: { approver: ['slack:S0SREGRP'], operator: ['slack:T1:S0DEVGRP', 'slack:@ops'], admin: ['slack:U0OLD'] } }, 'p.yaml');

  it('matches group subjects already qualified by identity (slack:T1:S0SREGRP), not slack:slack:…', () => {
    expect(roleOf(policy, actor('slack:T1:U1', ['slack:T1:S0SREGRP']))).toBe('approver');
    expect(roleOf(policy, actor('slack:T1:U2', ['slack:T1:S0DEVGRP', 'slack:T1:@dev']))).toBe('operator');
    expect(roleOf(policy, actor('slack:T1:U3', ['slack:T1:S0OTHER', 'slack:T1:@ops']))).toBe('operator');
    expect(roleOf(policy, actor('slack:T1:U4', ['slack:T2:S0DEVGRP']))).toBe('viewer');
  });

  it('keeps entries without the team (slack:U…) working for team-qualified ids', () => {
    expect(roleOf(policy, actor('slack:T1:U0OLD'))).toBe('admin');
    expect(roleOf(policy, actor('slack:T9:U0OLD'))).toBe('admin');
  });

  it('tells a Slack user whose groups could not be read that group lookups must be on, not only to be bound', async () => {
    const auth = createPolicyAuthorizer(policy);
    const unknown = await auth.check(actor('slack:T1:U5'), 'propose');
    expect(!unknown.ok && unknown.reason).toMatch(/could not read your Slack user groups, so Slack user group S0DEVGRP, Slack user group @ops, Slack user group S0SREGRP could not count: an admin should set SLACK_USER_GROUPS=true and give the Slack app the usergroups:read scope/);
    const member = await auth.check(actor('slack:T1:U5', []), 'propose');
    expect(!member.ok && member.reason).not.toMatch(/SLACK_USER_GROUPS/);
  });
});

describe('people with identities on several surfaces', () => {
  const doc = {
    version: 1,
    people: { dana: ['slack:T1:U0DANA', 'teams:0E3C6A1B-1111-4222-8333-444455556666', 'cli:dana', 'console:dana'], sam: ['slack:U0SAM', 'cli:sam'] },
    roles: { approver: ['person:dana', 'slack:U0SAM'], operator: ['console:*'] },
  };
  const policy = parsePolicy(doc, 'people.yaml');

  it('gives a person the role bound to the person or to any of their identities, on every surface', () => {
    expect(roleOf(policy, actor('cli:dana'))).toBe('approver');
    expect(roleOf(policy, actor('teams:0e3c6a1b-1111-4222-8333-444455556666'))).toBe('approver');
    expect(roleOf(policy, actor('cli:sam'))).toBe('approver');
    expect(roleOf(policy, actor('slack:T1:U0SAM'))).toBe('approver');
    expect(roleOf(policy, actor('cli:zoe'))).toBe('viewer');
  });

  it('says who is the same person; an identity bound to nobody is its own person', async () => {
    const { samePerson, personKey } = await import('../../src/domain/approvals/policy.js');
    expect(samePerson(policy, 'cli:dana', 'slack:T1:U0DANA')).toBe(true);
    expect(samePerson(policy, 'console:dana', 'teams:0e3c6a1b-1111-4222-8333-444455556666')).toBe(true);
    expect(samePerson(policy, 'slack:T7:U0SAM', 'cli:sam')).toBe(true);
    expect(samePerson(policy, 'cli:dana', 'cli:sam')).toBe(false);
    expect(samePerson(policy, 'cli:zoe', 'console:zoe')).toBe(false);
    expect(personKey(policy, 'cli:zoe')).toBe('cli:zoe');
    expect(personKey(policy, 'cli:dana')).toBe('person:dana');
  });

  it('leaves every identity of the requester out of "who could approve instead"', async () => {
    const { holdersText } = await import('../../src/domain/approvals/policy.js');
    expect(holdersText(policy, 'approver', ['cli:dana'])).toBe('slack:U0SAM');
    expect(holdersText(policy, 'operator', ['slack:T1:U0DANA'])).toMatch(/any console user other than dana/);
  });

  it('refuses an identity under two people, a role for an unknown person, and wildcards or groups as identities', () => {
    expect(() => parsePolicy({ version: 1, people: { a: ['cli:x'], b: ['cli:x'] } }, 'p.yaml')).toThrow(/cli:x is listed under both people a and b/);
    expect(() => parsePolicy({ version: 1, people: { a: ['slack:T1:U1'], b: ['slack:U1'] } }, 'p.yaml')).toThrow(/listed under both people a and b/);
    expect(() => parsePolicy({ version: 1, roles: { admin: ['person:ghost'] } }, 'p.yaml')).toThrow(/no person ghost is listed under people/);
    expect(() => parsePolicy({ version: 1, people: { a: ['cli:*'] } }, 'p.yaml')).toThrow(/people\.a\.0: expected one user/);
    expect(() => parsePolicy({ version: 1, people: { a: ['slack:S0GROUP'] } }, 'p.yaml')).toThrow(/expected one user/);
  });
});
