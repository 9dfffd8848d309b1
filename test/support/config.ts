/** For the configuration tests: what loadConfig refuses, and how it says so. */
import { expect } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

/** The ConfigError loadConfig throws for `env`; fails the test when it throws another error, or nothing. */
export function configErrorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}
