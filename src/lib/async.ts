/** Yields each task's items as soon as that task settles (rejections are the caller's to avoid). */
export async function* inCompletionOrder<T>(tasks: readonly Promise<readonly T[]>[]): AsyncGenerator<T> {
  const pending = new Map(tasks.map((t, i) => [i, t.then((items) => ({ i, items }))]));
  while (pending.size) {
    const { i, items } = await Promise.race(pending.values());
    pending.delete(i);
    yield* items;
  }
}

/** Polls `read` every `intervalMs` until `done` holds or `timeoutMs` passes (then throws). */
export async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, opts: { intervalMs: number; timeoutMs: number; what: string }): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() - started > opts.timeoutMs) throw new Error(`timed out after ${Math.round(opts.timeoutMs / 1000)} s waiting for ${opts.what}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs));
  }
}

/**
 * One load per key, shared by concurrent and later callers; a load that fails is forgotten so the next call tries
 * again (a cached rejection would make one throttled request fail every later lookup).
 */
export function loadOnce<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let p = cache.get(key);
  if (!p) {
    p = load().catch((err: unknown) => {
      cache.delete(key);
      throw err;
    });
    cache.set(key, p);
  }
  return p;
}
