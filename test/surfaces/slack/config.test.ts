/** SLACK_* settings: HTTP mode, Socket Mode, and errors that name the variable without echoing a secret. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { configErrorOf } from '../../support/config.js';

const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const base = { STEWARD_DATA_DIR: 'memory://' };

const problemsOf = (env: Record<string, string>): string => configErrorOf({ ...base, ...env }).message;

describe('Slack configuration', () => {
  it('is off without SLACK_* variables', () => {
    expect(loadConfig(base).slack).toBeUndefined();
  });

  it('turns HTTP mode on with a bot token and a signing secret; user groups on by default', () => {
    expect(loadConfig({ ...base, SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_SIGNING_SECRET: SECRET }).slack).toEqual({
      botToken: 'xoxb-1-2-abc',
      signingSecret: SECRET,
      appToken: undefined,
      userGroups: true,
      // The installation is not checked unless SLACK_TEAM_ID / SLACK_APP_ID say which.
      teamIds: [],
      appId: undefined,
    });
  });

  it('turns Socket Mode on with an app-level token (no signing secret needed)', () => {
    const slack = loadConfig({ ...base, SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1-A1-abc', SLACK_USER_GROUPS: 'off' }).slack;
    expect(slack).toMatchObject({ appToken: 'xapp-1-A1-abc', signingSecret: undefined, userGroups: false });
  });

  it('asks for the signing secret when only a bot token is set', () => {
    expect(problemsOf({ SLACK_BOT_TOKEN: 'xoxb-1' })).toMatch(/SLACK_SIGNING_SECRET: required with SLACK_BOT_TOKEN/);
  });

  it('asks for the bot token when only a signing secret or app token is set', () => {
    expect(problemsOf({ SLACK_SIGNING_SECRET: SECRET })).toMatch(/SLACK_BOT_TOKEN: required/);
    expect(problemsOf({ SLACK_APP_TOKEN: 'xapp-1' })).toMatch(/SLACK_BOT_TOKEN: required/);
  });

  it('names a malformed token without printing it', () => {
    const msg = problemsOf({ SLACK_BOT_TOKEN: 'xoxp-user-token-oops', SLACK_SIGNING_SECRET: SECRET });
    expect(msg).toMatch(/SLACK_BOT_TOKEN: expected the Bot User OAuth Token, starting with xoxb-/);
    expect(msg).not.toContain('xoxp-user-token-oops');
    const short = problemsOf({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'tooshort' });
    expect(short).toMatch(/SLACK_SIGNING_SECRET/);
    expect(short).not.toContain('tooshort');
    expect(problemsOf({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xoxb-wrong' })).toMatch(/SLACK_APP_TOKEN: expected an app-level token/);
  });
});
