/**
 * manifests/k8s/: every file parses, the kustomization lists them all, and the Deployment has what issue 16 asks:
 * two replicas rolled with no unavailable pod, probes on /readyz and /healthz (plus a startup probe), a non-root
 * read-only container with /tmp as its only writable place, resources sized from measured RSS, a grace period
 * above the HTTP drain, a PDB, a Service, an Ingress for the two webhooks, a NetworkPolicy; and every variable the
 * config schema reads is set in the ConfigMap/Secret or documented there as `#   NAME: why unset`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ENV_SCHEMA, loadConfig } from '../../src/config.js';
import { parsePolicy } from '../../src/domain/approvals/policy.js';
import { fromRoot } from '../../src/lib/paths.js';
import { DRAIN_MS } from '../../src/server/http.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DIR = fromRoot('manifests/k8s');
const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
const text = (f: string) => readFileSync(join(DIR, f), 'utf8');
const docs: { file: string; doc: Obj }[] = files.flatMap((file) =>
  parseAllDocuments(text(file)).map((d) => {
    if (d.errors.length) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
    return { file, doc: d.toJS() as Obj };
  }),
);
const ofKind = (kind: string, name?: string): Obj => {
  const found = docs.filter((d) => d.doc.kind === kind && (name === undefined || d.doc.metadata?.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''} in manifests/k8s, found ${found.length}`);
  return (found[0] as { doc: Obj }).doc;
};
const deployment = () => ofKind('Deployment', 'steward');
const container = () => (deployment().spec.template.spec.containers as Obj[]).find((c) => c.name === 'steward') as Obj;

describe('manifests/k8s parse and are all listed', () => {
  it('every file is valid YAML with apiVersion, kind and a name', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
    for (const { file, doc } of docs) {
      expect(doc.apiVersion, file).toEqual(expect.any(String));
      expect(doc.kind, file).toEqual(expect.any(String));
      if (doc.kind !== 'Kustomization') expect(doc.metadata?.name, file).toEqual(expect.any(String));
    }
  });

  it('kustomization.yaml lists every other manifest, and only existing ones', () => {
    const k = ofKind('Kustomization');
    expect([...(k.resources as string[])].sort()).toEqual(files.filter((f) => f !== 'kustomization.yaml'));
  });

  it('has each object the deployment needs', () => {
    for (const kind of ['ServiceAccount', 'Deployment', 'Service', 'Ingress', 'PodDisruptionBudget', 'NetworkPolicy', 'Secret']) ofKind(kind);
    ofKind('ConfigMap', 'steward-config');
    ofKind('ConfigMap', 'steward-policy');
  });
});

describe('the Deployment', () => {
  it('runs 2 replicas and rolls without an unavailable pod', () => {
    const d = deployment();
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.strategy).toMatchObject({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0 } });
    expect(d.spec.strategy.rollingUpdate.maxSurge).toBeGreaterThanOrEqual(1);
    expect(d.spec.selector.matchLabels).toEqual(d.spec.template.metadata.labels);
  });

  it('probes readiness on /readyz, liveness on /healthz, with a startup probe covering a slow start', () => {
    const c = container();
    const port = (c.ports as Obj[]).find((p) => p.containerPort === 3000);
    expect(port?.name).toBe('http');
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    // Measured: up to 40 s to load every cloud SDK and migrate on a loaded machine; the startup probe allows more.
    expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBeGreaterThanOrEqual(120);
  });

  it('runs as uid 1000, non-root, read-only root, no privilege escalation, no capabilities', () => {
    const pod = deployment().spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(container().securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  });

  it('writes only to an emptyDir at /tmp; the policy file is mounted read-only from its ConfigMap', () => {
    const pod = deployment().spec.template.spec;
    const mounts = container().volumeMounts as Obj[];
    const volumes = pod.volumes as Obj[];
    const writable = mounts.filter((m) => !m.readOnly);
    expect(writable.map((m) => m.mountPath)).toEqual(['/tmp']);
    expect(volumes.find((v) => v.name === writable[0]?.name)?.emptyDir).toBeDefined();
    const config = ofKind('ConfigMap', 'steward-config').data as Record<string, string>;
    const policyMount = mounts.find((m) => config.STEWARD_POLICY_FILE?.startsWith(`${m.mountPath}/`));
    expect(policyMount?.readOnly).toBe(true);
    expect(volumes.find((v) => v.name === policyMount?.name)?.configMap?.name).toBe('steward-policy');
    const key = (config.STEWARD_POLICY_FILE as string).slice((policyMount?.mountPath as string).length + 1);
    const policyYaml = (ofKind('ConfigMap', 'steward-policy').data as Record<string, string>)[key] as string;
    expect(() => parsePolicy(parseAllDocuments(policyYaml)[0]?.toJS(), 'steward-policy')).not.toThrow();
  });

  it('requests at least the measured idle RSS with every adapter (~295 MB) and limits above the measured peak', () => {
    const r = container().resources;
    const mib = (v: string) => {
      const m = /^(\d+)(Mi|Gi)$/.exec(v);
      if (!m) throw new Error(`memory quantity ${v}: expected Mi or Gi`);
      return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
    };
    expect(mib(r.requests.memory)).toBeGreaterThanOrEqual(300);
    expect(mib(r.limits.memory)).toBeGreaterThanOrEqual(2 * 330);
    expect(r.requests.cpu).toEqual(expect.any(String));
    const heap = /--max-old-space-size=(\d+)/.exec(((container().env as Obj[]).find((e) => e.name === 'NODE_OPTIONS')?.value as string) ?? '');
    expect(Number(heap?.[1])).toBeLessThan(mib(r.limits.memory));
  });

  it('gives a stopping pod longer than its preStop sleep plus the HTTP drain (DRAIN_MS)', () => {
    const pod = deployment().spec.template.spec;
    const preStop = container().lifecycle.preStop.exec.command as string[];
    expect(preStop[0]).toBe('sleep');
    const sleepS = Number(preStop[1]);
    expect(sleepS).toBeGreaterThan(0);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(sleepS + DRAIN_MS / 1000);
  });

  it('takes its environment from steward-config and steward-secrets', () => {
    const from = container().envFrom as Obj[];
    expect(from).toEqual(expect.arrayContaining([{ configMapRef: { name: 'steward-config' } }, { secretRef: { name: 'steward-secrets' } }]));
  });
});

describe('metrics on their own port', () => {
  it('STEWARD_METRICS_PORT in the ConfigMap is the container\'s metrics port, annotated for Prometheus and open only to monitoring', () => {
    const config = ofKind('ConfigMap', 'steward-config').data as Record<string, string>;
    const port = Number(config.STEWARD_METRICS_PORT);
    expect(port).toBeGreaterThan(0);
    expect(port).not.toBe(Number(config.PORT));
    const metrics = (container().ports as Obj[]).find((p) => p.name === 'metrics');
    expect(metrics?.containerPort).toBe(port);
    const ann = deployment().spec.template.metadata.annotations as Record<string, string>;
    expect(ann['prometheus.io/scrape']).toBe('true');
    expect(ann['prometheus.io/port']).toBe(String(port));
    expect(ann['prometheus.io/path']).toBe('/metrics');
    // Neither the Service (what the Ingress routes to) nor the Ingress reaches the metrics port.
    expect((ofKind('Service', 'steward').spec.ports as Obj[]).map((p) => p.targetPort)).not.toContain('metrics');
    const rules = (ofKind('NetworkPolicy', 'steward').spec.ingress as Obj[]).filter((r) => (r.ports as Obj[]).some((p) => p.port === 'metrics'));
    expect(rules).toHaveLength(1);
    expect(rules[0]?.from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]);
    const secret = ofKind('Secret', 'steward-secrets').stringData as Record<string, string>;
    expect(loadConfig({ ...config, ...secret }).metrics.port).toBe(port);
  });
});

describe('Service, Ingress, PDB, NetworkPolicy', () => {
  it('the Service selects the pods and targets the http port', () => {
    const s = ofKind('Service', 'steward');
    expect(s.spec.selector).toEqual(deployment().spec.selector.matchLabels);
    expect(s.spec.ports[0].targetPort).toBe('http');
  });

  it('the Ingress exposes /slack/events and /api/messages, and nothing else', () => {
    const i = ofKind('Ingress', 'steward');
    const paths = (i.spec.rules as Obj[]).flatMap((r) => (r.http.paths as Obj[]).map((p) => ({ path: p.path, service: p.backend.service.name })));
    expect(paths.map((p) => p.path).sort()).toEqual(['/api/messages', '/slack/events']);
    for (const p of paths) expect(p.service).toBe('steward');
  });

  it('the PDB keeps one replica up', () => {
    const p = ofKind('PodDisruptionBudget', 'steward');
    expect(p.spec.minAvailable).toBe(1);
    expect(p.spec.selector.matchLabels).toEqual(deployment().spec.selector.matchLabels);
  });

  it('the NetworkPolicy restricts both directions and lets PostgreSQL, DNS and HTTPS out', () => {
    const n = ofKind('NetworkPolicy', 'steward');
    expect(n.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    const egressPorts = (n.spec.egress as Obj[]).flatMap((e) => (e.ports as Obj[]).map((p) => p.port));
    for (const p of [53, 5432, 443]) expect(egressPorts).toContain(p);
  });
});

describe('configuration: every variable the config schema reads is set or documented', () => {
  const config = ofKind('ConfigMap', 'steward-config').data as Record<string, string>;
  const secret = ofKind('Secret', 'steward-secrets').stringData as Record<string, string>;
  const documented = new Map<string, string>();
  for (const f of ['configmap.yaml', 'secret.yaml']) {
    for (const m of text(f).matchAll(/^#\s{3}([A-Z][A-Z0-9_]*): (\S.*)$/gm)) documented.set(m[1] as string, m[2] as string);
  }

  it('each ENV_SCHEMA variable is in steward-config, steward-secrets or a "#   NAME: why unset" comment', () => {
    const missing = Object.keys(ENV_SCHEMA).filter((k) => !(k in config) && !(k in secret) && !documented.has(k));
    expect(missing, 'add each to manifests/k8s/configmap.yaml (or secret.yaml), or document it there as "#   NAME: why unset"').toEqual([]);
  });

  it('nothing is set or documented that the config does not read, and nothing is both set and documented', () => {
    const known = new Set(Object.keys(ENV_SCHEMA));
    const extra = [...Object.keys(config), ...Object.keys(secret), ...documented.keys()].filter((k) => !known.has(k));
    expect(extra).toEqual([]);
    expect([...documented.keys()].filter((k) => k in config || k in secret)).toEqual([]);
  });

  it('secrets live only in the Secret, and the Secret holds placeholders only', () => {
    for (const k of Object.keys(config)) expect(k).not.toMatch(/TOKEN|SECRET|PASSWORD|DATABASE_URL/);
    for (const [k, v] of Object.entries(secret)) expect(v, k).toMatch(/CHANGE-ME/);
  });

  it('the ConfigMap and the Secret together are a valid configuration: PostgreSQL, console off, Slack and Teams on', () => {
    const c = loadConfig({ ...config, ...secret });
    expect(c.database.kind).toBe('postgres');
    expect(c.console).toBe(false);
    expect(c.http.host).toBe('0.0.0.0');
    expect(c.slack).toBeDefined();
    expect(c.teams).toBeDefined();
    expect(c.env).toBe('production');
  });
});
