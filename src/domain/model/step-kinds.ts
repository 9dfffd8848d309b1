/**
 * Every step kind, declared once: the states it may start from, how risky it is by default, how it is described,
 * undone and verified (Cloud Custodian's actions, which declare their valid origin states and permissions, are the
 * model). Each cloud adapter adds, per kind, the permissions it needs and its calls (`StepActions`), and runs them
 * through `applyDeclared`, which holds the guards every adapter used to repeat: the target exists, it is in a state
 * the kind may start from, dry-run or apply, and what it was before.
 *
 * Adding a step kind = one entry here + one entry in each adapter's table (TypeScript insists on both).
 */
import { ProviderError, type ProviderErrorCode } from './errors.js';
import type { Instance, InstanceState } from './instance.js';
import type { Expectation, MadeResource, PlanStep, Risk, StepKind, StepResult } from './plan.js';

export type StepOf<K extends StepKind> = Extract<PlanStep, { kind: K }>;

/** The step that undoes another, or why there is none. */
export type Inverse = { step: PlanStep } | { step?: undefined; reason: string };

/** Whether a step has taken effect, told from a fresh read of its target. */
export type Observation = 'applied' | 'not-applied' | 'unknown';

export interface StepKindDeclaration<K extends StepKind> {
  kind: K;
  /** What it does, in one line (help texts, cards). */
  summary: string;
  /** The states it may start from, the same on every cloud; adapters refuse any other, in the dry-run as well. */
  validFrom: readonly InstanceState[];
  /** Its risk when the approvals policy does not say otherwise. */
  risk: Risk;
  describe(step: StepOf<K>): string;
  /** The step that undoes it, given what it returned and what the resource was before it. */
  undo(step: StepOf<K>, result: StepResult | undefined, before: Expectation): Inverse;
  /** Whether it has taken effect on `live` (its target re-read, e.g. after a crash left it "running"). */
  observe(step: StepOf<K>, live: Instance | undefined): Observation;
}

type Table = { [K in StepKind]: StepKindDeclaration<K> };

const undoBase = (step: PlanStep) => ({ id: `${step.id}-undo`, target: step.target, targetName: step.targetName, reason: `undo ${step.id} (${step.kind})` });

function matches(live: Instance | undefined, e: Expectation): boolean {
  return !!live && (e.state === undefined || live.state === e.state) && (e.type === undefined || live.type === e.type);
}

export const STEP_KINDS: Table = {
  start: {
    kind: 'start',
    summary: 'start a stopped instance',
    validFrom: ['stopped'],
    risk: 'low',
    describe: (s) => `start ${s.targetName}`,
    undo: (s) => ({ step: { ...undoBase(s), kind: 'stop', expect: { state: 'running' } } }),
    observe: (_s, live) => (live?.state === 'running' || live?.state === 'pending' ? 'applied' : live?.state === 'stopped' ? 'not-applied' : 'unknown'),
  },
  stop: {
    kind: 'stop',
    summary: 'stop (deallocate) a running instance; its disks stay',
    validFrom: ['running', 'pending'],
    risk: 'medium',
    describe: (s) => `stop ${s.targetName}`,
    undo: (s) => ({ step: { ...undoBase(s), kind: 'start', expect: { state: 'stopped' } } }),
    observe: (_s, live) => (live?.state === 'stopped' || live?.state === 'stopping' ? 'applied' : live?.state === 'running' ? 'not-applied' : 'unknown'),
  },
  reboot: {
    kind: 'reboot',
    summary: 'restart a running instance in place (type, disks and addresses stay)',
    validFrom: ['running'],
    risk: 'medium',
    describe: (s) => `reboot ${s.targetName}`,
    undo: () => ({ reason: 'a reboot cannot be taken back; the instance restarted and keeps running' }),
    // A reboot leaves the instance running as before: a fresh read cannot tell whether it happened.
    observe: () => 'unknown',
  },
  resize: {
    kind: 'resize',
    summary: 'change the instance type (stopped and started again when the cloud needs it)',
    validFrom: ['running', 'stopped'],
    risk: 'medium',
    describe: (s) => `resize ${s.targetName} to ${s.toType}`,
    undo: (s, _r, was) => {
      if (!was.type) return { reason: 'the original type was not recorded, so it cannot be resized back' };
      if (was.type === s.toType) return { reason: `it already had type ${s.toType}` };
      return { step: { ...undoBase(s), kind: 'resize', toType: was.type, expect: { type: s.toType } } };
    },
    observe: (s, live) => {
      if (live?.type === s.toType) return 'applied';
      return live && (s.expect.type === undefined || live.type === s.expect.type) ? 'not-applied' : 'unknown';
    },
  },
  snapshot: {
    kind: 'snapshot',
    summary: 'snapshot every disk of an instance',
    validFrom: ['running', 'stopped'],
    risk: 'medium',
    describe: (s) => `snapshot ${s.targetName}`,
    undo: (_s, r) => ({ reason: `snapshots are kept (they only cost storage)${r?.snapshotIds?.length ? `: ${r.snapshotIds.join(', ')}` : ''}; delete them by hand if unwanted` }),
    observe: () => 'unknown',
  },
  create: {
    kind: 'create',
    summary: 'create a replacement instance from a snapshot or an image',
    validFrom: ['running', 'stopped', 'stopping', 'pending', 'unknown'],
    risk: 'medium',
    describe: (s) => `create ${s.name} in ${s.placement.provider} ${s.placement.region}`,
    undo: (s, r) => {
      if (!r?.created) return { reason: 'the cloud did not say which instance it created; check for it by name' };
      const also = r.resources?.length ? { alsoRemove: r.resources } : {};
      return { step: { ...undoBase(s), kind: 'delete', target: r.created, targetName: s.name, expect: {}, ...also } };
    },
    // Leaves no mark on the source that `describe` shows.
    observe: () => 'unknown',
  },
  delete: {
    kind: 'delete',
    summary: 'delete (terminate) an instance',
    validFrom: ['running', 'stopped', 'pending', 'stopping', 'unknown'],
    risk: 'critical',
    describe: (s) => `delete ${s.targetName}`,
    undo: () => ({ reason: 'a deleted instance cannot be brought back; restore it from a snapshot if one was taken' }),
    observe: (_s, live) => (!live || live.state === 'terminated' ? 'applied' : 'not-applied'),
  },
  tag: {
    kind: 'tag',
    summary: 'set tags (labels on Google Cloud) on an instance',
    validFrom: ['running', 'stopped', 'pending', 'stopping'],
    risk: 'low',
    describe: (s) => `tag ${s.targetName}`,
    undo: () => ({ reason: 'tags are left as they are (the earlier values were not recorded)' }),
    observe: (s, live) => {
      if (live && Object.entries(s.tags).every(([k, v]) => live.tags[k] === v)) return 'applied';
      return matches(live, s.expect) ? 'not-applied' : 'unknown';
    },
  },
};

export const STEP_KIND_NAMES = Object.keys(STEP_KINDS) as StepKind[];

export function declarationOf<K extends StepKind>(kind: K): StepKindDeclaration<K> {
  return STEP_KINDS[kind];
}

/** The states each step kind may start from (custodian's "valid origin states"). */
export const VALID_FROM = Object.fromEntries(STEP_KIND_NAMES.map((k) => [k, STEP_KINDS[k].validFrom])) as Record<StepKind, readonly InstanceState[]>;

// ─── What an adapter declares per kind, and the one runner for it ──────────────────────────────────────────────

export interface StepRunOptions {
  dryRun: boolean;
  /** For a create step seeded by a snapshot step: the ids that step produced. */
  snapshotIds?: string[];
}

/** What an adapter knows about the target once it has read it; adapters extend it with their raw records. */
export interface StepTarget {
  instance: Instance;
}

/** What an adapter's apply returns; the runner adds ok/mode/before. */
export type StepOutcome = Omit<StepResult, 'ok' | 'mode' | 'before'>;

export interface StepAction<K extends StepKind, T extends StepTarget> {
  /** The cloud permissions it needs (shown on approval cards; the manifests in manifests/iam grant them). */
  permissions: readonly string[];
  /** Checks without acting (the cloud's own DryRun where it has one); throws a ProviderError when it would be refused. */
  check(step: StepOf<K>, target: T, opts: StepRunOptions): Promise<string>;
  /** Does it; a step of several calls runs them in `compensated`, so a failure restores the resource or says what it left. */
  apply(step: StepOf<K>, target: T, opts: StepRunOptions): Promise<StepOutcome>;
}

export type StepActions<T extends StepTarget> = { [K in StepKind]: StepAction<K, T> };

export function permissionsOf<T extends StepTarget>(actions: StepActions<T>): Record<StepKind, string[]> {
  return Object.fromEntries(STEP_KIND_NAMES.map((k) => [k, [...actions[k].permissions]])) as Record<StepKind, string[]>;
}

function refuse(provider: string, code: ProviderErrorCode, message: string, step: PlanStep): never {
  throw new ProviderError(code, message, { provider, operation: step.kind, region: step.target.region });
}

/**
 * Runs one step through an adapter's table: reads the target, refuses a missing one or one in a state the kind may
 * not start from, then checks (dry-run) or applies.
 */
export async function applyDeclared<T extends StepTarget>(
  provider: string,
  actions: StepActions<T>,
  step: PlanStep,
  opts: StepRunOptions,
  load: () => Promise<T | undefined>,
  dryRunMode: 'dry-run' | 'preflight',
): Promise<StepResult> {
  const target = await load();
  if (!target || target.instance.state === 'terminated') refuse(provider, 'PROVIDER.NOT_FOUND', `${step.targetName} (${step.target.id}) does not exist in ${step.target.region}`, step);
  const inst = target.instance;
  if (!STEP_KINDS[step.kind].validFrom.includes(inst.state)) refuse(provider, 'PROVIDER.INVALID', `cannot ${step.kind} ${inst.name}: it is ${inst.state}`, step);
  const before: Expectation = { state: inst.state, type: inst.type };
  const action = actions[step.kind] as StepAction<StepKind, T>;
  if (opts.dryRun) {
    const message = await action.check(step as never, target, opts);
    return { ok: true, mode: dryRunMode, message, before };
  }
  const out = await action.apply(step as never, target, opts);
  return { ok: true, mode: 'applied', ...out, before };
}

// ─── Several calls, one step: restore on failure or say exactly what was left ──────────────────────────────────

/** One thing to do if a later call of the step fails: start the instance again, delete the image it registered… */
export interface Compensation {
  /** In words: "start web-1 again", "deregister image ami-1". */
  what: string;
  run(): Promise<void>;
  /** The resource this removes, reported as left behind (by id) when removing it fails. */
  resource?: MadeResource;
}

/**
 * A step that failed part-way. `restored` is true only when every earlier change was taken back and the resource is
 * as it was (so the step counts as not applied); otherwise `leftAs` says exactly the state it was left in and
 * `leftBehind` lists, by id, what it created and could not remove.
 */
export class StepLeftError extends ProviderError {
  readonly restored: boolean;
  readonly leftAs: string;
  readonly leftBehind: MadeResource[];
  readonly undone: string[];

  constructor(cause: unknown, provider: string, region: string | undefined, outcome: { restored: boolean; leftAs: string; leftBehind: MadeResource[]; undone: string[] }) {
    const pe = cause instanceof ProviderError ? cause : undefined;
    const base = cause instanceof Error ? cause.message : String(cause);
    const left = outcome.leftBehind.length ? `; left behind: ${outcome.leftBehind.map((r) => `${r.kind} ${r.id} (${r.region})`).join(', ')}` : '';
    const after = outcome.restored
      ? `not applied: ${outcome.undone.length ? `${outcome.undone.join(', ')}, so ` : ''}${outcome.leftAs}`
      : `NOT restored: ${outcome.leftAs}${outcome.undone.length ? ` (done: ${outcome.undone.join(', ')})` : ''}${left}`;
    super((pe?.code ?? 'PROVIDER.UNAVAILABLE') as ProviderErrorCode, base, {
      provider: pe?.provider ?? provider,
      operation: pe?.operation ?? 'step',
      ...(pe?.region ?? region ? { region: (pe?.region ?? region) as string } : {}),
      ...(pe?.nativeCode ? { nativeCode: pe.nativeCode } : {}),
      ...(pe?.requestId ? { requestId: pe.requestId } : {}),
      // Trying again is safe only when nothing was left changed.
      retryable: (pe?.retryable ?? false) && outcome.restored,
      cause,
      after,
    });
    this.name = 'StepLeftError';
    this.restored = outcome.restored;
    this.leftAs = outcome.leftAs;
    this.leftBehind = outcome.leftBehind;
    this.undone = outcome.undone;
  }
}

/**
 * Runs the calls of one step; each call that changed something registers how to take it back. When a later call
 * fails, the registered compensations run last first, `state()` re-reads the resource, and a StepLeftError says
 * whether it is back as it was. A failure before any change is rethrown as it is.
 */
export async function compensated<R>(
  where: { provider: string; region?: string },
  body: (onFailure: (c: Compensation) => void) => Promise<R>,
  state: () => Promise<{ asBefore: boolean; text: string }>,
): Promise<R> {
  const stack: Compensation[] = [];
  try {
    return await body((c) => stack.push(c));
  } catch (err) {
    if (!stack.length) throw err;
    const undone: string[] = [];
    const leftBehind: MadeResource[] = [];
    let allUndone = true;
    for (const c of [...stack].reverse()) {
      try {
        await c.run();
        undone.push(c.what);
      } catch {
        allUndone = false;
        if (c.resource) leftBehind.push(c.resource);
      }
    }
    let now: { asBefore: boolean; text: string };
    try {
      now = await state();
    } catch (readErr) {
      now = { asBefore: false, text: `its state could not be read afterwards (${readErr instanceof Error ? readErr.message : String(readErr)})` };
    }
    throw new StepLeftError(err, where.provider, where.region, { restored: allUndone && now.asBefore, leftAs: now.text, leftBehind, undone });
  }
}

/** `compensated`'s `state` for an instance step: back as it was when its state and type are what they were before. */
export function sameAs(before: Expectation, read: () => Promise<Instance | undefined>, name: string): () => Promise<{ asBefore: boolean; text: string }> {
  return async () => {
    const live = await read();
    if (!live) return { asBefore: false, text: `${name} could not be found afterwards` };
    const asBefore = (before.state === undefined || live.state === before.state) && (before.type === undefined || live.type === before.type);
    return { asBefore, text: `${name} is ${live.state} with type ${live.type}${asBefore ? ' (as before)' : ''}` };
  };
}
