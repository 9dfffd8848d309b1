import type { Actor, Surface } from '../domain/model/actor.js';
import type { Clock } from '../domain/ports/clock.port.js';
import type { Logger } from '../lib/logger.js';
import type { FlagsSpec, Parsed, PositionalSpec } from './args.js';
import type { ChannelTarget } from './notifier.js';
import type { Reply } from './reply.js';
import type { Services } from './services.js';

/** What an actor needs to be allowed to run something. Roles are bound to these by the approvals policy. */
export type Permission = 'read' | 'propose' | 'approve' | 'admin';

/** Where a reply with buttons was posted, so later progress can replace it in place. */
export interface MessageRef {
  surface: Surface;
  /** Surface-specific address (Slack channel + ts, Teams conversation + activity id, console message id). */
  address: Record<string, string>;
}

export interface CommandContext {
  actor: Actor;
  surface: Surface;
  services: Services;
  clock: Clock;
  log: Logger;
  correlationId: string;
  /** Shows an interim status on surfaces that can ("Querying 3 providers…"). */
  progress(text: string): Promise<void>;
  /** The message a button was clicked on (actions only). */
  message?: MessageRef;
  /** Replaces a posted message in place (progress on long work); false when its surface cannot. */
  updateMessage(ref: MessageRef, reply: Reply): Promise<boolean>;
  registry: RegistryView;
  /** Where the command was typed (Slack channel, Teams conversation, the console), when the surface knows it. */
  conversation?: ChannelTarget;
  /** Throws a ForbiddenError unless the actor holds `permission` (sub-commands that need more than the command). */
  authorize(permission: Permission): Promise<void>;
}

/** A command answers with a Reply; `data` is its machine-readable result (`--json` on the CLI). */
export interface CommandOutput {
  reply: Reply;
  data?: unknown;
  /** For actions: the reply replaces the message that holds the button (an approval card updated in place). */
  replace?: boolean;
  /** A reply that is not a success although nothing threw: an execution that failed (`failed`), or a request
   * that changed nothing (`unchanged`, e.g. a second approval). Absent means `ok`. */
  outcome?: 'failed' | 'unchanged';
}

export interface CommandDef<S extends FlagsSpec = FlagsSpec> {
  name: string;
  aliases?: string[];
  summary: string;
  /** One line: `inventory [--provider aws|azure|gcp] …` */
  usage: string;
  description?: string;
  examples?: string[];
  permission: Permission;
  /** Who may really do it, in words, when the door's `permission` is not the whole story (an approval depends on
   * the proposal's risk; a cancel on who asked). `help` shows it instead of the permission. */
  needs?: string;
  flags: S;
  positionals?: PositionalSpec[];
  /** When set, extra positional words are allowed and collected (`help <command>`). */
  rest?: string;
  run(ctx: CommandContext, input: Parsed<S>): Promise<CommandOutput>;
}

/** A button handler. `value` is the button's value (an id, never state). */
export interface ActionDef {
  id: string;
  permission: Permission;
  run(ctx: CommandContext, value: string): Promise<CommandOutput>;
}

export function defineCommand<const S extends FlagsSpec>(def: CommandDef<S>): CommandDef<S> {
  return def;
}

export function defineAction(def: ActionDef): ActionDef {
  return def;
}

// The registry holds commands of many flag shapes; erase the spec type at the boundary.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCommand = CommandDef<any>;

export interface RegistryView {
  commands(): AnyCommand[];
  find(name: string): AnyCommand | undefined;
  action(id: string): ActionDef | undefined;
  /** Closest command names to a mistyped one, best first. */
  suggest(name: string): string[];
}
