/**
 * The Microsoft Teams app package: manifest.json (schema v1.22) with the bot id from the configuration and the
 * command list taken from the command registry, plus the two icons, zipped for upload to Teams.
 *
 *   npm run teams:package                      # zip at dist/teams/steward-teams.zip (TEAMS_APP_ID, PUBLIC_URL)
 *   npm run teams:package -- --out x.zip       # elsewhere
 *   npm run teams:package -- --write-source    # regenerate manifests/teams/{manifest.json,color.png,outline.png}
 *
 * The committed manifests/teams/manifest.json is this script's output with placeholder ids (a test keeps it in
 * step with the registry), so the command list is never typed twice.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import JSZip from 'jszip';
import { PNG } from 'pngjs';
import { commands } from '../commands/index.js';
import type { AnyCommand } from '../src/core/command.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SOURCE_DIR = join(ROOT, 'manifests', 'teams');
export const PLACEHOLDER_APP_ID = '00000000-0000-0000-0000-000000000000';
export const PLACEHOLDER_URL = 'https://steward.example.com';
export const MANIFEST_VERSION = '1.22';
/** Teams shows at most 10 commands per command list. */
export const MAX_COMMANDS = 10;
/**
 * What a Teams user most needs in the compose-box menu, in this order: reading, proposing, then following proposals
 * (approve/reject are buttons on the card, so they give way). Names not registered are skipped; free places are
 * filled from the registry's order.
 */
const MENU_FIRST = ['help', 'inventory', 'cost', 'optimize', 'failover', 'approvals', 'proposal', 'security', 'digest', 'health'];

export function menuCommands(all: readonly AnyCommand[]): AnyCommand[] {
  const byName = new Map(all.map((c) => [c.name, c]));
  const first = MENU_FIRST.flatMap((name) => byName.get(name) ?? []);
  const rest = all.filter((c) => !MENU_FIRST.includes(c.name));
  return [...first, ...rest].slice(0, MAX_COMMANDS);
}
const ACCENT = { r: 0x2e, g: 0x6d, b: 0xb4 };

const clip = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

export interface ManifestInput {
  appId: string;
  publicUrl: string;
  version: string;
  commands: readonly AnyCommand[];
}

export function buildManifest(input: ManifestInput): Record<string, unknown> {
  const url = new URL(input.publicUrl);
  if (url.protocol !== 'https:') throw new Error(`PUBLIC_URL must be https for Teams (got ${url.protocol}//…)`);
  const site = url.origin;
  const scopes = ['personal', 'team', 'groupChat'];
  return {
    $schema: `https://developer.microsoft.com/json-schemas/teams/v${MANIFEST_VERSION}/MicrosoftTeams.schema.json`,
    manifestVersion: MANIFEST_VERSION,
    version: input.version,
    id: input.appId,
    developer: { name: 'Steward', websiteUrl: site, privacyUrl: `${site}/`, termsOfUseUrl: `${site}/` },
    name: { short: 'Steward', full: 'Steward: multi-cloud ChatOps' },
    description: {
      short: 'Inventory, cost and approved changes across AWS, Azure and Google Cloud.',
      full: 'Steward reads your AWS, Azure and Google Cloud estate, shows what it costs, and proposes rightsizing, placement and failover changes that run only after the right people press Approve, step by step, with dry-runs, rollback and an audit trail. Mention @Steward with a command, e.g. "@Steward inventory" or "@Steward help".',
    },
    icons: { color: 'color.png', outline: 'outline.png' },
    accentColor: `#${[ACCENT.r, ACCENT.g, ACCENT.b].map((v) => v.toString(16).padStart(2, '0')).join('').toUpperCase()}`,
    bots: [
      {
        botId: input.appId,
        scopes,
        isNotificationOnly: false,
        supportsFiles: false,
        commandLists: [
          {
            scopes,
            commands: menuCommands(input.commands).map((c) => ({ title: clip(c.name, 32), description: clip(c.summary, 128) })),
          },
        ],
      },
    ],
    permissions: ['identity', 'messageTeamMembers'],
    validDomains: [url.host],
  };
}

// ─── Icons ─────────────────────────────────────────────────────────────────────────────────────────────────────

/** The mark: a ring with a check mark in it, as coverage (0..1) at a point of the unit square. */
function mark(x: number, y: number): number {
  const cx = 0.5;
  const cy = 0.5;
  const r = Math.hypot(x - cx, y - cy);
  const ring = Math.max(0, Math.min(1, (0.06 - Math.abs(r - 0.36)) * 40));
  // The check: two strokes, (0.32,0.52)→(0.45,0.65)→(0.69,0.38).
  const seg = (ax: number, ay: number, bx: number, by: number) => {
    const t = Math.max(0, Math.min(1, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)));
    return Math.hypot(x - (ax + t * (bx - ax)), y - (ay + t * (by - ay)));
  };
  const d = Math.min(seg(0.32, 0.52, 0.45, 0.65), seg(0.45, 0.65, 0.69, 0.38));
  const check = Math.max(0, Math.min(1, (0.055 - d) * 40));
  return Math.max(ring, check);
}

/** Renders an icon: `background` fills the square (or stays transparent), the mark is white. */
export function renderIcon(size: number, background: { r: number; g: number; b: number } | undefined): Buffer {
  const png = new PNG({ width: size, height: size });
  const samples = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let cover = 0;
      for (let sy = 0; sy < samples; sy++) for (let sx = 0; sx < samples; sx++) cover += mark((px + (sx + 0.5) / samples) / size, (py + (sy + 0.5) / samples) / size);
      cover /= samples * samples;
      const i = (py * size + px) * 4;
      if (background) {
        png.data[i] = Math.round(background.r + (255 - background.r) * cover);
        png.data[i + 1] = Math.round(background.g + (255 - background.g) * cover);
        png.data[i + 2] = Math.round(background.b + (255 - background.b) * cover);
        png.data[i + 3] = 255;
      } else {
        // Outline icon: white on transparent, as Teams requires.
        png.data[i] = 255;
        png.data[i + 1] = 255;
        png.data[i + 2] = 255;
        png.data[i + 3] = Math.round(255 * cover);
      }
    }
  }
  return PNG.sync.write(png);
}

export const colorIcon = () => renderIcon(192, ACCENT);
export const outlineIcon = () => renderIcon(32, undefined);

/** The zip Teams takes: manifest.json and both icons at the top level. */
export async function buildPackage(input: ManifestInput): Promise<Buffer> {
  const zip = new JSZip();
  zip.file('manifest.json', JSON.stringify(buildManifest(input), null, 2) + '\n');
  zip.file('color.png', readFileSync(join(SOURCE_DIR, 'color.png')));
  zip.file('outline.png', readFileSync(join(SOURCE_DIR, 'outline.png')));
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

async function main(argv: string[]): Promise<void> {
  const version = packageVersion();
  if (argv.includes('--write-source')) {
    mkdirSync(SOURCE_DIR, { recursive: true });
    writeFileSync(join(SOURCE_DIR, 'manifest.json'), JSON.stringify(buildManifest({ appId: PLACEHOLDER_APP_ID, publicUrl: PLACEHOLDER_URL, version, commands }), null, 2) + '\n');
    writeFileSync(join(SOURCE_DIR, 'color.png'), colorIcon());
    writeFileSync(join(SOURCE_DIR, 'outline.png'), outlineIcon());
    process.stdout.write(`wrote ${SOURCE_DIR}/{manifest.json,color.png,outline.png}\n`);
    return;
  }
  const appId = process.env.TEAMS_APP_ID || PLACEHOLDER_APP_ID;
  const publicUrl = process.env.PUBLIC_URL || PLACEHOLDER_URL;
  if (appId === PLACEHOLDER_APP_ID) process.stderr.write('TEAMS_APP_ID is not set: the package carries a placeholder bot id; set it to the Azure Bot\'s Microsoft App ID before uploading.\n');
  if (publicUrl === PLACEHOLDER_URL) process.stderr.write(`PUBLIC_URL is not set: validDomains lists ${new URL(PLACEHOLDER_URL).host}.\n`);
  const i = argv.indexOf('--out');
  const out = resolve(i >= 0 && argv[i + 1] ? (argv[i + 1] as string) : join(ROOT, 'dist', 'teams', 'steward-teams.zip'));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, await buildPackage({ appId, publicUrl, version, commands }));
  process.stdout.write(`wrote ${out}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`teams:package: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
