/**
 * The command registry, as an explicit list: adding a command is one file here plus one line below.
 * Button actions are listed in `actions`.
 */
import type { ActionDef, AnyCommand } from '../src/core/command.js';
import { costCommand } from './cost.command.js';
import { demoCommand } from './demo.command.js';
import { failoverCommand } from './failover.command.js';
import { helpCommand } from './help.command.js';
import { inventoryCommand } from './inventory.command.js';
import { optimizeCommand } from './optimize.command.js';

export const commands: AnyCommand[] = [helpCommand, inventoryCommand, costCommand, demoCommand, optimizeCommand, failoverCommand];

export const actions: ActionDef[] = [];
