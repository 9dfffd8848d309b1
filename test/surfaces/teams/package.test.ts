/**
 * The Teams app package: `npm run teams:package` writes a zip with manifest.json (schema v1.22, the bot id from
 * TEAMS_APP_ID, the command list from the registry, the valid domain from PUBLIC_URL) and both icons at the sizes
 * Teams requires; the committed manifest is the script's output, so the command list is never typed twice.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import JSZip from 'jszip';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { commands } from '../../../commands/index.js';
import { buildManifest, colorIcon, outlineIcon, packageVersion, PLACEHOLDER_APP_ID, PLACEHOLDER_URL } from '../../../scripts/teams-package.js';
import { CHILD_TEST_TIMEOUT_MS, ROOT, runCommand } from '../../support/spawn.js';

const dir = mkdtempSync(join(tmpdir(), 'steward-teams-pkg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `npm run teams:package` as a user runs it, killed (with tsx and all it started) at its deadline and its test's end. */
async function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const r = await runCommand('npm', ['run', '--silent', 'teams:package', '--', ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } });
  return { code: r.code, out: r.stdout + r.stderr };
}

describe('npm run teams:package', () => {
  it('writes a zip holding manifest.json and both icons of the right sizes', { timeout: CHILD_TEST_TIMEOUT_MS }, async () => {
    const out = join(dir, 'steward.zip');
    const appId = '0b6fe6d1-fece-44f7-9a48-56465e2d5ab8';
    const res = await run(['--out', out], { TEAMS_APP_ID: appId, PUBLIC_URL: 'https://steward.acme.example/' });
    expect(res.code, res.out).toBe(0);
    const zip = await JSZip.loadAsync(readFileSync(out));
    expect(Object.keys(zip.files).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const manifest = JSON.parse(await zip.file('manifest.json')!.async('string')) as Record<string, any>;
    expect(manifest.manifestVersion).toBe('1.22');
    expect(manifest.$schema).toBe('https://developer.microsoft.com/json-schemas/teams/v1.22/MicrosoftTeams.schema.json');
    expect(manifest.id).toBe(appId);
    expect(manifest.bots[0].botId).toBe(appId);
    expect(manifest.validDomains).toEqual(['steward.acme.example']);
    const color = PNG.sync.read(await zip.file('color.png')!.async('nodebuffer'));
    const outline = PNG.sync.read(await zip.file('outline.png')!.async('nodebuffer'));
    expect([color.width, color.height]).toEqual([192, 192]);
    expect([outline.width, outline.height]).toEqual([32, 32]);
  });
});

describe('the manifest', () => {
  const manifest = buildManifest({ appId: PLACEHOLDER_APP_ID, publicUrl: PLACEHOLDER_URL, version: packageVersion(), commands }) as Record<string, any>;

  it('puts following proposals in the menu before commands that are buttons on a card', () => {
    const titles = (manifest.bots[0].commandLists[0].commands as { title: string }[]).map((c) => c.title);
    expect(titles.slice(0, 3)).toEqual(['help', 'inventory', 'cost']);
    expect(titles).toEqual(expect.arrayContaining(['optimize', 'failover', 'approvals', 'proposal']));
    expect(titles).not.toContain('approve');
    expect(titles).not.toContain('reject');
    expect(new Set(titles).size).toBe(titles.length);
  });

  it('lists the registry\'s commands with their summaries (at most 10, within Teams\' lengths)', () => {
    const listed = manifest.bots[0].commandLists[0].commands as { title: string; description: string }[];
    expect(listed.length).toBe(Math.min(10, commands.length));
    for (const c of listed) {
      const registered = commands.find((r) => r.name === c.title);
      expect(registered, `${c.title} is a registered command`).toBeDefined();
      expect(c.description).toEqual(registered!.summary.length <= 128 ? registered!.summary : expect.stringMatching(/…$/));
    }
    for (const c of listed) {
      expect(c.title.length).toBeLessThanOrEqual(32);
      expect(c.description.length).toBeLessThanOrEqual(128);
    }
    expect(manifest.bots[0].scopes).toEqual(['personal', 'team', 'groupChat']);
    expect(manifest.name.short.length).toBeLessThanOrEqual(30);
    expect(manifest.description.short.length).toBeLessThanOrEqual(80);
  });

  it('is committed as the script writes it (regenerate with npm run teams:package -- --write-source)', () => {
    const committed = readFileSync(join(ROOT, 'manifests/teams/manifest.json'), 'utf8');
    expect(committed).toBe(JSON.stringify(manifest, null, 2) + '\n');
    expect(readFileSync(join(ROOT, 'manifests/teams/color.png')).equals(colorIcon())).toBe(true);
    expect(readFileSync(join(ROOT, 'manifests/teams/outline.png')).equals(outlineIcon())).toBe(true);
  });

  it('refuses a public URL that is not https', () => {
    expect(() => buildManifest({ appId: PLACEHOLDER_APP_ID, publicUrl: 'http://steward.example.com', version: '1', commands })).toThrow(/https/);
  });
});

describe('the icons', () => {
  it('color is 192×192 and opaque; outline is 32×32, white on transparent', () => {
    const color = PNG.sync.read(colorIcon());
    expect([color.width, color.height]).toEqual([192, 192]);
    for (let i = 3; i < color.data.length; i += 4) expect(color.data[i]).toBe(255);
    const outline = PNG.sync.read(outlineIcon());
    expect([outline.width, outline.height]).toEqual([32, 32]);
    let transparent = 0;
    let drawn = 0;
    for (let i = 0; i < outline.data.length; i += 4) {
      expect([outline.data[i], outline.data[i + 1], outline.data[i + 2]]).toEqual([255, 255, 255]);
      if (outline.data[i + 3] === 0) transparent++;
      else drawn++;
    }
    expect(transparent).toBeGreaterThan(drawn);
    expect(drawn).toBeGreaterThan(50);
  });
});
