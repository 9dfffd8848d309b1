#!/usr/bin/env node
// The `steward` CLI. Runs the compiled sources (built by `npm install` / `npm ci` through the prepare script).
import { existsSync } from 'node:fs';

const main = new URL('../dist/src/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('steward: dist/ is missing; run `npm run build` (npm install does it for you).\n');
  process.exit(1);
}
const { mainCli } = await import(main.href);
process.exitCode = await mainCli(process.argv.slice(2));
