import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { actions, commands } from '../../commands/index.js';
import { checkFile, checkTree, importsOf } from './rules.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('architecture: the import rules of DESIGN §2', () => {
  it('holds across src/ and commands/', () => {
    const violations = checkTree(root).map((v) => `${v.file} → ${v.target}: ${v.rule} (${v.why})`);
    expect(violations).toEqual([]);
  });

  it.each([
    ['src/domain/optimizer/model.ts', "import { drizzle } from 'drizzle-orm/pglite';", 'domain-is-pure'],
    ['src/domain/plans/execute.ts', "import { App } from '@slack/bolt';", 'domain-is-pure'],
    ['src/domain/plans/execute.ts', "import { createEstateStore } from '../../persistence/estate-store.js';", 'domain-is-pure'],
    ['commands/inventory.command.ts', "import { createDemoProvider } from '../src/providers/demo/index.js';", 'commands-no-adapters'],
    ['src/core/dispatch.ts', "export { toHtml } from '../surfaces/console/render.js';", 'core-no-adapters'],
    ['src/surfaces/slack/render.ts', "import { toHtml } from '../console/render.js';", 'surfaces-independent'],
    ['src/surfaces/console/router.ts', "import type { Instance } from '../../domain/model/instance.js';", 'surfaces-via-core'],
    ['src/providers/aws/index.ts', "import { ComputeManagementClient } from '@azure/arm-compute';", 'cloud-sdk-in-its-adapter'],
    ['src/providers/gcp/index.ts', "import { x } from '../aws/errors.js';", 'providers-independent'],
    ['src/providers/demo/index.ts', "const m = await import('../../persistence/db.js');", 'providers-no-chat-no-db'],
    ['src/lib/money.ts', "import type { Offer } from '../domain/model/price.js';", 'lib-imports-nothing-in-app'],
    ['commands/digest-build.ts', "import * as echarts from 'echarts';", 'chart-libraries-in-charts'],
    ['src/charts/trend-chart.ts', "import { createDigestStore } from '../persistence/digest-store.js';", 'charts-implement-ports'],
    ['src/workers/planning.worker.ts', "import { openDatabase } from '../persistence/db.js';", 'workers-run-the-domain'],
    ['src/domain/optimizer/optimize.ts', "import { createPlanningPool } from '../../workers/planning-pool.js';", 'domain-is-pure'],
    ['commands/optimize.command.ts', "import { createPlanningPool } from '../src/workers/planning-pool.js';", 'commands-no-adapters'],
  ])('refuses %s importing %s', (file, source, rule) => {
    expect(checkFile(file, source).map((v) => v.rule)).toContain(rule);
  });

  it('allows what the rooms may import', () => {
    expect(checkFile('src/providers/aws/index.ts', "import { EC2Client } from '@aws-sdk/client-ec2';\nimport type { Instance } from '../../domain/model/instance.js';")).toEqual([]);
    expect(checkFile('commands/cost.command.ts', "import { defineCommand } from '../src/core/command.js';\nimport { formatUsd } from '../src/lib/money.js';")).toEqual([]);
    expect(checkFile('src/main.ts', "import { App } from '@slack/bolt';\nimport pg from 'pg';")).toEqual([]);
  });

  it('reads import forms: static, type-only, re-export, dynamic, and ignores comments', () => {
    expect(importsOf("import a from 'a';\nimport type { B } from './b.js';\nexport * from './c.js';\nconst d = await import('d');\n// import x from 'nope'\n/* import y from 'nope2' */")).toEqual(['a', './b.js', './c.js', 'd']);
  });

  it('registers every command and action under a unique name', () => {
    const names = commands.flatMap((c) => [c.name, ...(c.aliases ?? [])]);
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(actions.map((a) => a.id)).size).toBe(actions.length);
  });
});

describe('the production image (Dockerfile) has what the code needs', () => {
  it('every package imported by src/ and commands/ is a production dependency', async () => {
    const { readFileSync } = await import('node:fs');
    const { sourceFiles } = await import('./rules.js');
    const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { dependencies: Record<string, string> };
    const missing = new Set<string>();
    for (const f of sourceFiles(root, ['src', 'commands'])) {
      for (const spec of importsOf(readFileSync(`${root}/${f}`, 'utf8'))) {
        if (spec.startsWith('.') || spec.startsWith('node:')) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string);
        if (!pkg.dependencies[name]) missing.add(`${f} → ${name}`);
      }
    }
    expect([...missing]).toEqual([]);
  });

  it('copies every folder the running code reads', async () => {
    const { readFileSync } = await import('node:fs');
    const dockerfile = readFileSync(`${root}/Dockerfile`, 'utf8');
    for (const needed of ['COPY migrations ./migrations', 'COPY src/pricing/data ./src/pricing/data', 'COPY --from=build /app/dist ./dist', 'npm ci --omit=dev', 'USER node', 'CMD ["node", "dist/src/main.js"]']) {
      expect(dockerfile).toContain(needed);
    }
  });
});
