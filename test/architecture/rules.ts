/**
 * The import rules of DESIGN §2, as data, and a checker. `architecture.test.ts` runs it over the code base;
 * dependencies point one way: surfaces → core ← commands → domain → ports, and adapters implement ports.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';

const CHAT = /^(@slack\/|botbuilder|botframework-|adaptivecards|@microsoft\/)/;
const CLOUD = /^(@aws-sdk\/|@smithy\/|@azure\/|@azure-rest\/|@google-cloud\/|google-gax|google-auth-library)/;
const DB = /^(drizzle-orm|pg$|pg\/|@electric-sql\/pglite)/;
const HTTP = /^(express)/;
const CHARTS = /^(echarts|@resvg\/|dejavu-fonts-ttf)/;

export interface Rule {
  name: string;
  /** Files (repo-relative, posix) the rule applies to. */
  from: RegExp;
  /** Repo-relative targets (for in-app imports) or package names that are forbidden. */
  forbid: (target: { kind: 'app' | 'package'; path: string }, from: string) => boolean;
  why: string;
}

const app = (re: RegExp) => (t: { kind: string; path: string }) => t.kind === 'app' && re.test(t.path);
const pkg = (re: RegExp) => (t: { kind: string; path: string }) => t.kind === 'package' && re.test(t.path);
const any = (...fs: ((t: { kind: string; path: string }) => boolean)[]) => (t: { kind: 'app' | 'package'; path: string }) => fs.some((f) => f(t));
const ROOMS_OUTSIDE_DOMAIN = /^(src\/(core|surfaces|providers|solvers|persistence|pricing|server|scheduler|charts|workers)\/|src\/(config|main)\.ts$|commands\/)/;

export const RULES: Rule[] = [
  {
    name: 'domain-is-pure',
    from: /^src\/domain\//,
    forbid: any(app(ROOMS_OUTSIDE_DOMAIN), pkg(CHAT), pkg(CLOUD), pkg(DB), pkg(HTTP), pkg(CHARTS)),
    why: 'the domain imports only the domain, src/lib and yalps',
  },
  {
    name: 'commands-no-adapters',
    from: /^commands\//,
    forbid: any(app(/^(src\/(surfaces|providers|solvers|persistence|pricing|server|scheduler|charts|workers)\/|src\/(config|main)\.ts$)/), pkg(CHAT), pkg(CLOUD), pkg(DB), pkg(HTTP), pkg(CHARTS)),
    why: 'commands see src/core, src/domain and src/lib only',
  },
  {
    name: 'core-no-adapters',
    from: /^src\/core\//,
    forbid: any(app(/^(src\/(surfaces|providers|solvers|persistence|pricing|server|scheduler|charts|workers)\/|src\/(config|main)\.ts$|commands\/)/), pkg(CHAT), pkg(CLOUD), pkg(DB), pkg(HTTP), pkg(CHARTS)),
    why: 'the command runtime knows no surface, cloud or database',
  },
  {
    name: 'surfaces-via-core',
    from: /^src\/surfaces\//,
    forbid: any(app(/^(src\/(domain|providers|solvers|persistence|pricing|scheduler|server)\/|src\/(config|main)\.ts$|commands\/)/), pkg(CLOUD), pkg(DB)),
    why: 'surfaces talk to the command layer (src/core) only',
  },
  {
    name: 'surfaces-independent',
    from: /^src\/surfaces\/[^/]+\//,
    forbid: (t, from) => t.kind === 'app' && t.path.startsWith('src/surfaces/') && t.path.split('/')[2] !== from.split('/')[2],
    why: 'one surface never imports another',
  },
  {
    name: 'chat-sdk-in-its-surface',
    from: /^(src|commands)\//,
    forbid: (t, from) =>
      t.kind === 'package' &&
      ((/^@slack\//.test(t.path) && !from.startsWith('src/surfaces/slack/')) ||
        (/^(botbuilder|botframework-|adaptivecards)/.test(t.path) && !from.startsWith('src/surfaces/teams/'))) &&
      from !== 'src/main.ts',
    why: 'a chat SDK stays inside its own surface',
  },
  {
    name: 'providers-no-chat-no-db',
    from: /^src\/providers\//,
    forbid: any(app(/^(src\/(core|surfaces|persistence|solvers|pricing|server|scheduler)\/|src\/(config|main)\.ts$|commands\/|src\/domain\/(?!model\/|ports\/))/), pkg(CHAT), pkg(DB), pkg(HTTP)),
    why: 'adapters implement ports: they see src/domain/{model,ports} and src/lib only',
  },
  {
    name: 'providers-independent',
    from: /^src\/providers\/[^/]+\//,
    forbid: (t, from) => t.kind === 'app' && t.path.startsWith('src/providers/') && t.path.split('/')[2] !== from.split('/')[2],
    why: 'one cloud adapter never imports another',
  },
  {
    name: 'cloud-sdk-in-its-adapter',
    from: /^(src|commands)\//,
    forbid: (t, from) => {
      if (t.kind !== 'package' || from === 'src/main.ts') return false;
      if (/^(@aws-sdk\/|@smithy\/)/.test(t.path)) return !from.startsWith('src/providers/aws/');
      if (/^(@azure\/|@azure-rest\/)/.test(t.path)) return !from.startsWith('src/providers/azure/');
      if (/^(@google-cloud\/|google-gax|google-auth-library)/.test(t.path)) return !from.startsWith('src/providers/gcp/');
      return false;
    },
    why: 'each cloud SDK stays inside its own adapter',
  },
  {
    name: 'persistence-implements-ports',
    from: /^src\/persistence\//,
    forbid: any(app(/^(src\/(core|surfaces|providers|solvers|pricing|server|scheduler)\/|src\/(config|main)\.ts$|commands\/|src\/domain\/(?!model\/|ports\/))/), pkg(CHAT), pkg(CLOUD), pkg(HTTP)),
    why: 'persistence sees src/domain/{model,ports} and src/lib only',
  },
  {
    name: 'db-driver-in-persistence',
    from: /^(src|commands)\//,
    forbid: (t, from) => t.kind === 'package' && DB.test(t.path) && !from.startsWith('src/persistence/') && from !== 'src/main.ts',
    why: 'only src/persistence talks to the database driver',
  },
  {
    name: 'pricing-and-solvers-implement-ports',
    from: /^src\/(pricing|solvers)\//,
    forbid: any(app(/^(src\/(core|surfaces|providers|persistence|server|scheduler)\/|src\/(config|main)\.ts$|commands\/|src\/domain\/(?!model\/|ports\/))/), pkg(CHAT), pkg(CLOUD), pkg(DB), pkg(HTTP)),
    why: 'the catalog and solvers implement ports and see src/domain/{model,ports} and src/lib only',
  },
  {
    name: 'scheduler-via-core',
    from: /^src\/scheduler\//,
    forbid: any(app(/^(src\/(domain|surfaces|providers|persistence|pricing|solvers|server)\/|src\/(config|main)\.ts$|commands\/)/), pkg(CHAT), pkg(CLOUD), pkg(DB)),
    why: 'the scheduler invokes the command layer only',
  },
  {
    name: 'server-via-core',
    from: /^src\/server\//,
    forbid: any(app(/^(src\/(domain|surfaces|providers|persistence|pricing|solvers|scheduler)\/|src\/(config|main)\.ts$|commands\/)/), pkg(CHAT), pkg(CLOUD), pkg(DB)),
    why: 'the shared HTTP server knows no surface, cloud or database',
  },
  {
    name: 'charts-implement-ports',
    from: /^src\/charts\//,
    forbid: any(app(/^(src\/(core|surfaces|providers|persistence|solvers|pricing|server|scheduler)\/|src\/(config|main)\.ts$|commands\/|src\/domain\/(?!model\/|ports\/))/), pkg(CHAT), pkg(CLOUD), pkg(DB), pkg(HTTP)),
    why: 'the chart renderer implements the ChartRenderer port: it sees src/domain/{model,ports} and src/lib only',
  },
  {
    name: 'chart-libraries-in-charts',
    from: /^(src|commands)\//,
    forbid: (t, from) => t.kind === 'package' && CHARTS.test(t.path) && !from.startsWith('src/charts/') && from !== 'src/main.ts',
    why: 'ECharts, resvg and the font stay inside src/charts',
  },
  {
    name: 'workers-run-the-domain',
    from: /^src\/workers\//,
    forbid: any(app(/^(src\/(core|surfaces|providers|persistence|pricing|server|scheduler|charts)\/|src\/(config|main)\.ts$|commands\/)/), pkg(CHAT), pkg(CLOUD), pkg(DB), pkg(HTTP), pkg(CHARTS)),
    why: 'planning workers run pure domain code on plain data (and HiGHS through src/solvers): no database, surface or cloud',
  },
  {
    name: 'lib-imports-nothing-in-app',
    from: /^src\/lib\//,
    forbid: (t) => t.kind === 'app' && !t.path.startsWith('src/lib/'),
    why: 'src/lib holds generic helpers',
  },
  {
    name: 'config-stands-alone',
    from: /^src\/config\.ts$/,
    forbid: (t) => t.kind === 'app',
    why: 'config reads the environment and imports zod only',
  },
];

const IMPORT_RE = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;

export function importsOf(source: string): string[] {
  // Comments can mention imports; drop them first.
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  return [...code.matchAll(IMPORT_RE)].map((m) => (m[1] ?? m[2]) as string);
}

export interface Violation {
  rule: string;
  file: string;
  target: string;
  why: string;
}

/** Checks one file's imports; `file` is repo-relative with forward slashes. */
export function checkFile(file: string, source: string): Violation[] {
  const out: Violation[] = [];
  for (const spec of importsOf(source)) {
    let target: { kind: 'app' | 'package'; path: string };
    if (spec.startsWith('.')) {
      const resolved = normalize(join(dirname(file), spec)).split(sep).join('/').replace(/\.js$/, '.ts');
      target = { kind: 'app', path: resolved };
    } else if (spec.startsWith('node:')) continue;
    else target = { kind: 'package', path: spec };
    for (const rule of RULES) {
      if (rule.from.test(file) && rule.forbid(target, file)) out.push({ rule: rule.name, file, target: target.path, why: rule.why });
    }
  }
  return out;
}

export function sourceFiles(root: string, dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(relative(root, p).split(sep).join('/'));
    }
  };
  for (const d of dirs) walk(join(root, d));
  return out.sort();
}

export function checkTree(root: string): Violation[] {
  return sourceFiles(root, ['src', 'commands']).flatMap((f) => checkFile(f, readFileSync(join(root, f), 'utf8')));
}
