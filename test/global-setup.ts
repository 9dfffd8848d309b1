import { execFileSync } from 'node:child_process';

/** The CLI and server tests run the compiled output, exactly what `npx steward` and `npm start` run
 * (`tsc -b` only rebuilds when a source changed). */
export default function setup() {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-b', 'tsconfig.build.json'], { stdio: 'inherit' });
}
