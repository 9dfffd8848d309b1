/**
 * The command registry, as an explicit list: adding a command is one file here plus one line below.
 * Button actions are listed in `actions`.
 */
import type { ActionDef, AnyCommand } from '../src/core/command.js';
import { approvalsCommand } from './approvals.command.js';
import { cancelCommand } from './cancel.command.js';
import { costCommand } from './cost.command.js';
import { demoCommand } from './demo.command.js';
import { failoverCommand } from './failover.command.js';
import { helpCommand } from './help.command.js';
import { resizeCommand, startCommand, stopCommand } from './instance-change.command.js';
import { inventoryCommand } from './inventory.command.js';
import { optimizeCommand } from './optimize.command.js';
import { approveAction, approveCommand, rejectAction, rejectCommand } from './proposal-decision.action.js';
import { proposalCommand, proposalStepsAction } from './proposal.command.js';
import { securityCommand } from './security.command.js';
import { digestCommand, digestMoreAction, digestOptimizeAction } from './digest.command.js';
import { healthCommand } from './health.command.js';
import { watchCommand } from './watch.command.js';

export const commands: AnyCommand[] = [
  helpCommand,
  // Reading the estate
  inventoryCommand,
  costCommand,
  securityCommand,
  digestCommand,
  healthCommand,
  watchCommand,
  // Proposing changes
  optimizeCommand,
  failoverCommand,
  stopCommand,
  startCommand,
  resizeCommand,
  // Deciding and following proposals
  approvalsCommand,
  proposalCommand,
  approveCommand,
  rejectCommand,
  cancelCommand,
  demoCommand,
];

export const actions: ActionDef[] = [approveAction, rejectAction, proposalStepsAction, digestOptimizeAction, digestMoreAction];
