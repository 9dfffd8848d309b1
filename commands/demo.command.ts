import { defineCommand, type CommandContext, type CommandOutput } from '../src/core/command.js';
import { UsageError } from '../src/core/errors.js';
import { code, context, fields, reply, text } from '../src/core/reply.js';
import { isCloud } from '../src/domain/model/cloud.js';
import type { DemoHealthControl } from '../src/domain/ports/demo-health.port.js';

const ACTIONS = ['reset', 'fault', 'outage', 'recover'] as const;

function healthControl(ctx: CommandContext): DemoHealthControl {
  const h = ctx.services.demo?.health;
  if (!h) throw new UsageError('Fault injection needs the demo provider (STEWARD_PROVIDERS=demo).');
  return h;
}

function regionTarget(ctx: CommandContext, raw: string | undefined): { cloud: 'aws' | 'azure' | 'gcp'; region: string } {
  const [cloud, region, extra] = (raw ?? '').trim().toLowerCase().split('/');
  if (!cloud || !region || extra !== undefined || !isCloud(cloud)) throw new UsageError(`Which region? ${code('demo outage <provider>/<region>')}, e.g. ${code('demo outage aws/eu-west-1')}.`);
  const known = new Set(ctx.services.catalog.regions());
  if (!known.has(region)) throw new UsageError(`${code(region)} is not a region Steward knows; one of ${[...known].sort().join(', ')}.`);
  return { cloud, region };
}

/** `demo fault|outage|recover`: what the health watch will see on its next poll. */
async function inject(ctx: CommandContext, action: 'fault' | 'outage' | 'recover', target: string | undefined): Promise<CommandOutput> {
  const h = healthControl(ctx);
  const now = ctx.clock.now();
  const watchNote = context(`The health watch sees it on its next poll; ${code('health')} shows what it sees, ${code('approvals')} what it proposed.`);
  if (action === 'outage') {
    const { cloud, region } = regionTarget(ctx, target);
    const r = await h.outage(cloud, region, now);
    return {
      reply: reply({
        title: r.created ? `Demo outage: ${cloud}/${region}` : `Demo outage ${cloud}/${region} is already on`,
        blocks: [text(`${r.instances} instance(s) in ${cloud} ${region} now fail their status checks and the ${cloud} service-health feed reports an incident there (outage #${r.outage.seq}, since ${r.outage.started}).`), watchNote, context(`${code(`demo recover ${cloud}/${region}`)} ends it.`)],
        visibility: 'channel',
      }),
      data: { outage: r.outage, instances: r.instances, created: r.created },
    };
  }
  if (!target) throw new UsageError(action === 'fault' ? `Which instance? ${code('demo fault <instance name or id>')}.` : `Recover what? ${code('demo recover <provider>/<region>')} or ${code('demo recover <instance>')}.`);
  if (action === 'fault') {
    let inst;
    try {
      inst = await h.fault(target, now);
    } catch (err) {
      throw new UsageError(`${(err as Error).message}; ${code('inventory')} lists the instances.`);
    }
    return {
      reply: reply({ title: `Demo fault: ${inst.name}`, blocks: [text(`${inst.name} (${inst.provider} ${inst.region}) now fails its status checks: ${inst.impaired ?? 'impaired'}.`), watchNote, context(`${code(`demo recover ${inst.name}`)} clears it.`)], visibility: 'channel' }),
      data: { instance: inst },
    };
  }
  const isRegion = target.includes('/');
  if (isRegion) regionTarget(ctx, target);
  let r;
  try {
    r = await h.recover(isRegion ? target.toLowerCase() : target, now);
  } catch (err) {
    throw new UsageError(`${(err as Error).message}.`);
  }
  if (!r) throw new UsageError(isRegion ? `There is no demo outage in ${code(target)}.` : `There is no demo instance ${code(target)}.`);
  const what = r.kind === 'region' ? `the ${r.outage.cloud}/${r.outage.region} outage #${r.outage.seq} is resolved (the feed reports it closed; instances pass their checks)` : `${r.instance.name} passes its status checks again`;
  return {
    reply: reply({ title: 'Demo recovery', blocks: [text(`Recovered: ${what}.`), context(`The watch closes the incident on its next poll: unapproved proposals are withdrawn with a note, and an executed failover gets a failback proposal (never automatic).`)], visibility: 'channel' }),
    data: r.kind === 'region' ? { outage: r.outage } : { instance: r.instance },
  };
}

export const demoCommand = defineCommand({
  name: 'demo',
  summary: 'Show or regenerate the simulated demo estate; inject faults and outages for the health watch',
  usage: 'demo [reset [--seed N] [--instances N] | fault <instance> | outage <provider>/<region> | recover <provider>/<region>|<instance>]',
  description:
    'The demo estate stands in for real clouds on a fresh machine. `demo reset` regenerates it from a seed, discarding changes made to it. ' +
    '`demo fault <instance>` makes one instance fail its status checks; `demo outage aws/eu-west-1` makes a region’s instances fail theirs and its service-health feed report an incident; ' +
    '`demo recover …` ends either. The health watch notices and proposes the restart, failover or failback by itself.',
  examples: ['demo', 'demo reset --seed 7 --instances 120', 'demo outage aws/eu-west-1', 'demo fault web-1', 'demo recover aws/eu-west-1'],
  permission: 'admin',
  flags: {
    seed: { kind: 'int', min: 0, max: 2 ** 31 - 1, placeholder: 'N', description: 'generator seed' },
    instances: { kind: 'int', min: 1, max: 20000, placeholder: 'N', description: 'how many instances to generate' },
  },
  positionals: [
    { name: 'action', description: ACTIONS.join(', ') },
    { name: 'target', description: 'fault: an instance; outage: provider/region; recover: either' },
  ],
  async run(ctx, { flags, args }) {
    const demo = ctx.services.demo;
    if (!demo) throw new UsageError('The demo provider is not enabled here (STEWARD_PROVIDERS does not include demo).');
    const action = args[0];
    if (action !== undefined && !(ACTIONS as readonly string[]).includes(action)) throw new UsageError(`Unknown demo action ${code(action)}; one of ${ACTIONS.map((a) => code(a)).join(', ')}.`);
    if (action !== 'reset' && (flags.seed !== undefined || flags.instances !== undefined)) {
      throw new UsageError(`--seed and --instances go with ${code('demo reset')}.`);
    }
    if (action === 'fault' || action === 'outage' || action === 'recover') return inject(ctx, action, args[1]);
    if (args[1] !== undefined) throw new UsageError(`${code(`demo ${action ?? ''}`.trim())} takes no ${code(args[1])}.`);
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
