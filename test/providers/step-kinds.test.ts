/**
 * The step kinds are declared once (src/domain/model/step-kinds.ts); each adapter declares, per kind, the cloud
 * permissions it needs. These tests hold the declarations together: every kind everywhere, the IAM manifests grant
 * what the adapters declare, and the policy's default risks come from the declarations.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RISK, parsePolicy } from '../../src/domain/approvals/policy.js';
import { INSTANCE_STATES } from '../../src/domain/model/instance.js';
import { VALID_FROM } from '../../src/domain/model/plan.js';
import { STEP_KIND_NAMES, STEP_KINDS } from '../../src/domain/model/step-kinds.js';
import { inverseOf, observe } from '../../src/domain/plans/step-effects.js';
import { AWS_PERMISSIONS } from '../../src/providers/aws/actions.js';
import { AZURE_PERMISSIONS } from '../../src/providers/azure/actions.js';
import { GCP_PERMISSIONS } from '../../src/providers/gcp/actions.js';

const manifest = (name: string) => readFileSync(new URL(`../../manifests/iam/${name}`, import.meta.url), 'utf8');

function awsGranted(): Set<string> {
  const out = new Set<string>();
  for (const doc of ['aws-change-policy.json', 'aws-read-policy.json']) {
    for (const st of JSON.parse(manifest(doc)).Statement) for (const a of [st.Action].flat()) out.add(a);
  }
  return out;
}

function azureGranted(): string[] {
  return ['azure-steward-operator.role.json', 'azure-steward-reader.role.json'].flatMap((doc) => JSON.parse(manifest(doc)).properties.permissions.flatMap((p: { actions: string[] }) => p.actions));
}

function gcpGranted(): Set<string> {
  const out = new Set<string>();
  for (const doc of ['gcp-steward-operator.role.yaml', 'gcp-steward-reader.role.yaml']) {
    for (const m of manifest(doc).matchAll(/^\s*-\s*(compute\.[\w.]+)\s*$/gm)) out.add(m[1] as string);
  }
  return out;
}

/** Azure role actions may use `*` wildcards (`Microsoft.Compute/*​/read`). */
const azureAllows = (granted: string[], action: string) =>
  granted.some((g) => new RegExp(`^${g.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`, 'i').test(action));

const step = { id: 's1', target: { provider: 'aws' as const, account: '1', region: 'us-east-1', id: 'i-1' }, targetName: 'web-1', expect: {}, reason: 'test' };

describe('step kinds: one declaration each', () => {
  it('declares every kind once, with the states it may start from (real instance states) and a risk', () => {
    expect(STEP_KIND_NAMES.sort()).toEqual(['create', 'delete', 'reboot', 'resize', 'snapshot', 'start', 'stop', 'tag']);
    for (const k of STEP_KIND_NAMES) {
      expect(STEP_KINDS[k].kind).toBe(k);
      expect(STEP_KINDS[k].validFrom.length).toBeGreaterThan(0);
      for (const s of STEP_KINDS[k].validFrom) expect(INSTANCE_STATES).toContain(s);
      expect(VALID_FROM[k]).toEqual(STEP_KINDS[k].validFrom);
    }
  });

  it('declares reboot: only from running, medium risk, not undoable and not observable, described for people', () => {
    expect(STEP_KINDS.reboot.validFrom).toEqual(['running']);
    expect(STEP_KINDS.reboot.risk).toBe('medium');
    const reboot = { ...step, kind: 'reboot' as const };
    expect(inverseOf(reboot, undefined, undefined)).toEqual({ reason: expect.stringMatching(/cannot be taken back/) });
    expect(observe(reboot, undefined)).toBe('unknown');
    expect(STEP_KINDS.reboot.describe(reboot)).toBe('reboot web-1');
  });

  it('takes the policy default risks from the declarations, and lets a policy file set the reboot risk', () => {
    for (const k of STEP_KIND_NAMES) expect(DEFAULT_RISK[k]).toBe(STEP_KINDS[k].risk);
    expect(parsePolicy({ version: 1, risk: { reboot: 'low' } }, 'test').risk.reboot).toBe('low');
  });

  it('undoes a create by deleting the instance and what was made for it', () => {
    const create = { ...step, kind: 'create' as const, name: 'web-1-b', placement: { provider: 'aws' as const, account: '1', region: 'us-west-2', type: 't3.large' }, tags: {} };
    const created = { provider: 'aws' as const, account: '1', region: 'us-west-2', id: 'i-new' };
    const resources = [{ kind: 'image' as const, id: 'ami-1', region: 'us-west-2' }];
    expect(inverseOf(create, { ok: true, mode: 'applied', message: '', created, resources }, undefined)).toMatchObject({ step: { kind: 'delete', target: created, alsoRemove: resources } });
  });
});

describe('step kinds: each adapter declares its permissions for every kind, and the IAM manifests grant them', () => {
  it('AWS: every declared IAM action is in the change or read policy', () => {
    const granted = awsGranted();
    for (const k of STEP_KIND_NAMES) {
      expect(AWS_PERMISSIONS[k].length, k).toBeGreaterThan(0);
      for (const a of AWS_PERMISSIONS[k]) expect(granted.has(a), `${k}: ${a}`).toBe(true);
    }
    expect(AWS_PERMISSIONS.reboot).toContain('ec2:RebootInstances');
  });

  it('Azure: every declared RBAC action is in the operator or reader role', () => {
    const granted = azureGranted();
    for (const k of STEP_KIND_NAMES) {
      expect(AZURE_PERMISSIONS[k].length, k).toBeGreaterThan(0);
      for (const a of AZURE_PERMISSIONS[k]) expect(azureAllows(granted, a), `${k}: ${a}`).toBe(true);
    }
    expect(AZURE_PERMISSIONS.reboot).toContain('Microsoft.Compute/virtualMachines/restart/action');
  });

  it('Google Cloud: every declared permission is in the operator or reader role', () => {
    const granted = gcpGranted();
    for (const k of STEP_KIND_NAMES) {
      expect(GCP_PERMISSIONS[k].length, k).toBeGreaterThan(0);
      for (const a of GCP_PERMISSIONS[k]) expect(granted.has(a), `${k}: ${a}`).toBe(true);
    }
    expect(GCP_PERMISSIONS.reboot).toContain('compute.instances.reset');
  });
});
