/** `stop`, `start` and `resize`: each creates a one-step proposal; nothing changes until it is approved. */
import { defineCommand } from '../src/core/command.js';
import { proposeDirect } from './direct-change.js';

const instanceArg = { name: 'instance', description: 'instance name or id (as `inventory` lists them)', required: true };

export const stopCommand = defineCommand({
  name: 'stop',
  summary: 'Propose stopping an instance (needs approval)',
  usage: 'stop <instance>',
  examples: ['stop web-1', 'stop i-0abc123def4567890'],
  permission: 'propose',
  flags: {},
  positionals: [instanceArg],
  run: (ctx, { args }) => proposeDirect(ctx, 'stop', args[0] as string),
});

export const startCommand = defineCommand({
  name: 'start',
  summary: 'Propose starting a stopped instance (needs approval)',
  usage: 'start <instance>',
  examples: ['start web-1'],
  permission: 'propose',
  flags: {},
  positionals: [instanceArg],
  run: (ctx, { args }) => proposeDirect(ctx, 'start', args[0] as string),
});

export const resizeCommand = defineCommand({
  name: 'resize',
  summary: 'Propose changing an instance type (needs approval)',
  usage: 'resize <instance> <type>',
  examples: ['resize web-1 t3.small', 'resize vm-api-2 Standard_D2s_v5'],
  permission: 'propose',
  flags: {},
  positionals: [instanceArg, { name: 'type', description: 'the new instance type', required: true }],
  run: (ctx, { args }) => proposeDirect(ctx, 'resize', args[0] as string, args[1]),
});
