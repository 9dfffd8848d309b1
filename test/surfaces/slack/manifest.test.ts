/** The Slack app manifest is importable as is and holds what the surface needs. */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { SLACK_EVENTS_PATH } from '../../../src/surfaces/slack/index.js';

interface Manifest {
  _metadata?: { major_version: number };
  display_information: { name: string; description?: string; long_description?: string; background_color?: string };
  features: {
    bot_user: { display_name: string; always_online?: boolean };
    slash_commands: { command: string; url: string; description: string; usage_hint?: string; should_escape?: boolean }[];
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: { interactivity: { is_enabled: boolean; request_url: string }; socket_mode_enabled: boolean; org_deploy_enabled?: boolean };
}

const raw = readFileSync(new URL('../../../manifests/slack/manifest.yaml', import.meta.url), 'utf8');
const manifest = parse(raw) as Manifest;

describe('manifests/slack/manifest.yaml', () => {
  it('declares the one root slash command, pointing at the events endpoint', () => {
    const cmds = manifest.features.slash_commands;
    expect(cmds.map((c) => c.command)).toEqual(['/cloud']);
    const cloud = cmds[0]!;
    expect(new URL(cloud.url).protocol).toBe('https:');
    expect(new URL(cloud.url).pathname).toBe(SLACK_EVENTS_PATH);
    expect(cloud.description.length).toBeGreaterThan(0);
    expect(cloud.description.length).toBeLessThanOrEqual(2000);
    expect(cloud.usage_hint?.length ?? 0).toBeLessThanOrEqual(1000);
  });

  it('turns interactivity on, at the same endpoint (buttons)', () => {
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.interactivity.request_url).toBe(manifest.features.slash_commands[0]!.url);
  });

  it('asks for the bot scopes the surface uses, and no user scopes', () => {
    expect(manifest.oauth_config.scopes.bot).toEqual(expect.arrayContaining(['commands', 'chat:write', 'chat:write.public', 'files:write', 'usergroups:read']));
    expect(new Set(manifest.oauth_config.scopes.bot).size).toBe(manifest.oauth_config.scopes.bot.length);
    expect(Object.keys(manifest.oauth_config.scopes)).toEqual(['bot']);
  });

  it('has a bot user and display information within Slack’s lengths', () => {
    expect(manifest._metadata?.major_version).toBe(1);
    expect(manifest.features.bot_user.display_name).toBe('Steward');
    expect(manifest.display_information.name.length).toBeLessThanOrEqual(35);
    expect(manifest.display_information.description?.length ?? 0).toBeLessThanOrEqual(140);
    const long = manifest.display_information.long_description ?? '';
    expect(long.length).toBeGreaterThanOrEqual(175);
    expect(long.length).toBeLessThanOrEqual(4000);
    expect(manifest.display_information.background_color).toMatch(/^#[0-9a-f]{6}$/i);
  });

  it('offers Socket Mode as an option, off by default', () => {
    expect(manifest.settings.socket_mode_enabled).toBe(false);
    expect(raw).toMatch(/Socket Mode[^\n]*\n[^\n]*SLACK_APP_TOKEN/);
  });

  it('subscribes to no events (nothing for Slack to verify at import)', () => {
    expect(Object.keys(manifest.settings)).not.toContain('event_subscriptions');
  });
});
