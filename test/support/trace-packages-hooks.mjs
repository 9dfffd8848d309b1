// Loader hooks for trace-packages.mjs: they run on the loader thread and record package names as modules resolve.
import { appendFileSync } from 'node:fs';

let file;
const seen = new Set();
export function initialize(data) {
  file = data.file;
}
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(r.url);
  if (file && m && !seen.has(m[1])) {
    seen.add(m[1]);
    appendFileSync(file, m[1] + '\n');
  }
  return r;
}
