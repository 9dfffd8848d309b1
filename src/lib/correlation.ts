/**
 * One correlation id per invocation (a Slack command, a click, a Teams activity, a CLI run, a sweep), carried
 * through everything that invocation causes: the dispatcher's log lines, the provider calls it makes, the plan
 * execution it starts (setImmediate and promises keep the context) and the audit rows it writes. Node's
 * AsyncLocalStorage holds it, so nothing in between has to pass it along by hand.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

const store = new AsyncLocalStorage<{ id: string }>();

/** A new id: 8 hex characters, short enough to read out from a reply's "ref …" line. */
export function newCorrelationId(): string {
  return randomUUID().replace(/-/g, '').slice(0, 8);
}

/** The id of the invocation this code runs for, if any. */
export function currentCorrelationId(): string | undefined {
  return store.getStore()?.id;
}

/** Runs `fn` (and everything it starts) under `id`. */
export function withCorrelation<T>(id: string, fn: () => T): T {
  return store.run({ id }, fn);
}

/** Runs `fn` under the current id, or a new one when there is none (the start of an invocation). */
export function ensureCorrelation<T>(fn: (id: string) => T): T {
  const cur = currentCorrelationId();
  if (cur) return fn(cur);
  const id = newCorrelationId();
  return store.run({ id }, () => fn(id));
}
