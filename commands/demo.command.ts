import { defineCommand } from '../src/core/command.js';
import { UsageError } from '../src/core/errors.js';
import { code, context, fields, reply } from '../src/core/reply.js';

export const demoCommand = defineCommand({
  name: 'demo',
  summary: 'Show or regenerate the simulated demo estate',
  usage: 'demo [reset] [--seed N] [--instances N]',
  description: 'The demo estate stands in for real clouds on a fresh machine. `demo reset` regenerates it from a seed, discarding changes made to it.',
  examples: ['demo', 'demo reset --seed 7 --instances 120'],
  permission: 'admin',
  flags: {
    seed: { kind: 'int', min: 0, max: 2 ** 31 - 1, placeholder: 'N', description: 'generator seed' },
    instances: { kind: 'int', min: 1, max: 20000, placeholder: 'N', description: 'how many instances to generate' },
  },
  positionals: [{ name: 'action', description: 'reset' }],
  async run(ctx, { flags, args }) {
    const demo = ctx.services.demo;
    if (!demo) throw new UsageError('The demo provider is not enabled here (STEWARD_PROVIDERS does not include demo).');
    const action = args[0];
    if (action !== undefined && action !== 'reset') throw new UsageError(`Unknown demo action ${code(action)}; the only one is ${code('reset')}.`);
    if (action !== 'reset' && (flags.seed !== undefined || flags.instances !== undefined)) {
      throw new UsageError(`--seed and --instances go with ${code('demo reset')}.`);
    }
    const info = action === 'reset' ? await demo.reset({ ...(flags.seed !== undefined ? { seed: flags.seed } : {}), ...(flags.instances !== undefined ? { instances: flags.instances } : {}) }) : await demo.describe();
    if (action === 'reset') ctx.services.inventory.invalidate();
    return {
      reply: reply({
        title: action === 'reset' ? 'Demo estate regenerated' : 'Demo estate',
        blocks: [
          fields({ Instances: String(info.instances), Source: info.source, Seed: info.seed === null ? '—' : String(info.seed) }),
          context('Changes made through Steward (stop, resize, …) persist in the database until the next reset.'),
        ],
      }),
      data: info,
    };
  },
});
