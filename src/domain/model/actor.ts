export type Surface = 'slack' | 'teams' | 'console' | 'cli' | 'system';

/** Who asked. `id` is surface-qualified (`slack:U123`, `teams:<aad-object-id>`, `console:alice`). */
export interface Actor {
  id: string;
  displayName: string;
  surface: Surface;
  /** Slack user-group ids or AAD group ids, for role bindings. */
  groups?: string[];
}

export const SYSTEM_ACTOR: Actor = { id: 'system:scheduler', displayName: 'Steward scheduler', surface: 'system' };
/** The health watch, which proposes restarts, failovers and failbacks by itself (never executes them). */
export const WATCH_ACTOR: Actor = { id: 'steward:watch', displayName: 'Steward health watch', surface: 'system' };
