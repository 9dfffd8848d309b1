import { defineCommand, type AnyCommand } from '../src/core/command.js';
import { UsageError } from '../src/core/errors.js';
import { code, context, fields, reply, text, type Block } from '../src/core/reply.js';
import { echoed, type FlagSpec } from '../src/core/args.js';
import type { Permission } from '../src/core/command.js';

/** Who holds a permission, in words (the roles are in docs/approvals.md). */
const NEEDS: Record<Permission, string> = {
  read: 'anyone (the viewer role)',
  propose: 'the operator role or higher; the change waits for approval',
  approve: 'the operator role or higher',
  admin: 'the admin role',
};

/** "- `name` — what it does" lines: a list, not a table, so no surface clips a description to a column width. */
function listLines(rows: [string, string][]): string {
  return rows.map(([k, v]) => `- ${code(k)} — ${v}`).join('\n');
}

export const helpCommand = defineCommand({
  name: 'help',
  summary: 'List the commands, or explain one',
  usage: 'help [command]',
  permission: 'read',
  flags: {},
  positionals: [{ name: 'command', description: 'the command to explain' }],
  examples: ['help', 'help inventory'],
  async run(ctx, { args }) {
    const name = args[0];
    if (!name) {
      const cmds = ctx.registry.commands();
      return {
        reply: reply({
          title: 'Steward commands',
          blocks: [
            text('Steward reads your AWS, Azure and Google Cloud estate, proposes changes, and runs them once the right people approve.'),
            text(listLines(cmds.map((c) => [c.name, c.summary]))),
            context(`Type ${code('help <command>')} for options and examples. In Slack: ${code('/cloud <command>')}; in Teams: ${code('@Steward <command>')}.`),
          ],
        }),
        data: { commands: cmds.map((c) => ({ name: c.name, summary: c.summary, usage: c.usage })) },
      };
    }
    const cmd = ctx.registry.find(name);
    if (!cmd) {
      const [best] = ctx.registry.suggest(name);
      throw new UsageError(`There is no command ${code(echoed(name))}.${best ? ` Did you mean ${code(best)}?` : ''}`, 'help [command]');
    }
    return { reply: explain(cmd), data: { name: cmd.name, usage: cmd.usage, summary: cmd.summary, flags: Object.keys(cmd.flags) } };
  },
});

function explain(cmd: AnyCommand) {
  const flagRows = Object.entries(cmd.flags as Record<string, FlagSpec>).map(([name, f]): [string, string] => {
    const value = f.kind === 'boolean' ? '' : f.kind === 'enum' ? ` ${f.values.join('|')}` : f.kind === 'pair' ? ` ${f.placeholder ?? 'key=value'}` : ` ${('placeholder' in f && f.placeholder) || 'value'}`;
    // Said once, whether or not the flag's own description already says it.
    const description = f.description.replace(/\s*\(repeatable\)\s*$/, '');
    const repeat = ('multiple' in f && f.multiple) || description !== f.description ? ' (repeatable)' : '';
    return [`--${name}${value}`, `${description}${repeat}`];
  });
  const blocks: Block[] = [text(cmd.summary + '.'), fields({ Usage: code(cmd.usage), Needs: cmd.needs ?? NEEDS[cmd.permission] })];
  if (cmd.description) blocks.push(text(cmd.description));
  if (flagRows.length) blocks.push(text(`**Options**\n${listLines(flagRows)}`));
  if (cmd.examples?.length) blocks.push(context(`Examples: ${cmd.examples.map(code).join(' · ')}`));
  if (cmd.aliases?.length) blocks.push(context(`Also: ${cmd.aliases.map(code).join(', ')}`));
  return reply({ title: `help ${cmd.name}`, blocks });
}
