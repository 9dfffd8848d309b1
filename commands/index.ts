/**
 * The command registry, as an explicit list: adding a command is one file here plus one line below.
 * Button actions are listed in `actions`.
 */
import type { ActionDef, AnyCommand } from '../src/core/command.js';
import { approvalsCommand } from './approvals.command.js';
import { cancelCommand } from './cancel.command.js';
import { costCommand } from './cost.command.js';
import { demoCommand } from './demo.command.js';
import { helpCommand } from './help.command.js';
import { resizeCommand, startCommand, stopCommand } from './instance-change.command.js';
import { inventoryCommand } from './inventory.command.js';
import { approveAction, approveCommand, rejectAction, rejectCommand } from './proposal-decision.action.js';
import { proposalCommand } from './proposal.command.js';

export const commands: AnyCommand[] = [helpCommand, inventoryCommand, costCommand, demoCommand];

// Approvals: proposals, decisions, direct changes.
commands.push(approvalsCommand, proposalCommand, approveCommand, rejectCommand, cancelCommand, stopCommand, startCommand, resizeCommand);

export const actions: ActionDef[] = [approveAction, rejectAction];
