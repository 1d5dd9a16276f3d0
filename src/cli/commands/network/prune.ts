/** `berth network prune`: remove user networks no container is connected to. */
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { parseFilters } from '../../filters.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS]',
  summary: 'Remove all unused networks',
  flags: [
    {
      long: 'filter',
      type: 'list',
      valueName: 'filter',
      description: 'Provide filter values (e.g. "until=<timestamp>")',
    },
    { long: 'force', short: 'f', type: 'bool', description: 'Do not prompt for confirmation' },
  ],
  maxArgs: 0,
};

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const engine = await ctx.engine();
  const filters = parseFilters(p.list('filter'));
  const res = await engine.networks.prune(filters ? { filters } : {});
  if (res.NetworksDeleted.length > 0) ctx.stdout.write(`Deleted Networks:\n${res.NetworksDeleted.join('\n')}\n`);
  return 0;
}
