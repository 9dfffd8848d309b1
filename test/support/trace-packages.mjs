// Preloaded (`node --import`) by tests that check what a child process loads: every package the child imports
// (ESM or CommonJS through the ESM loader) is appended, one name a line, to the file in STEWARD_TRACE_PACKAGES.
// Test-only: production never loads it.
import { register } from 'node:module';

const file = process.env.STEWARD_TRACE_PACKAGES;
if (file) register(new URL('./trace-packages-hooks.mjs', import.meta.url), { data: { file } });
