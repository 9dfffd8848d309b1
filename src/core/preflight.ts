/**
 * What the command layer can answer from the registry alone: `help`, `--help` of any command, an unknown command
 * and a usage error. The CLI uses it to answer those at once, before it opens the database or loads a cloud SDK
 * (issue 12); every other command line needs the services and goes through the full dispatcher.
 */
import { parseArgs } from './args.js';
import { createDispatcher, type Dispatcher } from './dispatch.js';
import { UsageError } from './errors.js';
import type { Registry } from './registry.js';
import type { Services } from './services.js';
import type { Clock } from '../domain/ports/clock.port.js';
import type { Logger } from '../lib/logger.js';

/** `local`: the registry answers it (help, usage errors); `services`: the command needs the estate/database. */
export function answerableLocally(registry: Registry, words: readonly string[]): boolean {
  const [name, ...rest] = words;
  if (name === undefined || name === '--help' || name === '-h') return true;
  const cmd = registry.find(name);
  if (!cmd || cmd.name === 'help') return true;
  try {
    const parsed = parseArgs(rest, cmd.flags, cmd.positionals ?? [], cmd.rest ? { restName: cmd.rest } : {});
    return parsed.help;
  } catch (err) {
    return err instanceof UsageError;
  }
}

/**
 * A dispatcher with no services, for the command lines `answerableLocally` accepts. Any command that reached
 * for a service here would be a bug in `answerableLocally`; it fails loudly instead of answering wrong.
 */
export function createLocalDispatcher(deps: { registry: Registry; clock: Clock; log: Logger }): Dispatcher {
  const services = new Proxy({} as Services, {
    get(_t, prop) {
      if (typeof prop === 'symbol' || prop === 'then') return undefined;
      throw new Error(`the local dispatcher has no services (asked for ${String(prop)})`);
    },
  });
  return createDispatcher({ registry: deps.registry, services, clock: deps.clock, log: deps.log });
}
