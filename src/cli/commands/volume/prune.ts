/** `berth volume prune`: remove unused anonymous volumes (all unused ones with `-a`), as Docker 23+. */
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { parseFilters } from '../../filters.ts';
import { humanSize } from '../../units.ts';
import { confirm } from '../../confirm.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS]',
  summary: 'Remove unused local volumes',
  flags: [
    { long: 'all', short: 'a', type: 'bool', description: 'Remove all unused volumes, not just anonymous ones' },
    { long: 'filter', type: 'list', valueName: 'filter', description: "Provide filter values (e.g. 'label=<label>')" },
    { long: 'force', short: 'f', type: 'bool', description: 'Do not prompt for confirmation' },
  ],
  maxArgs: 0,
};

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const filters = parseFilters(p.list('filter')) ?? {};
  if (p.bool('all')) filters.all = ['true'];
  const what = p.bool('all')
    ? 'all volumes not used by at least one container'
    : 'all anonymous local volumes not used by at least one container';
  if (
    !p.bool('force') &&
    !(await confirm(ctx, `WARNING! This will remove ${what}.\nAre you sure you want to continue? [y/N] `))
  ) {
    return 0;
  }
  const engine = await ctx.engine();
  const r = await engine.volumes.prune({ filters });
  if (r.VolumesDeleted.length > 0) {
    ctx.stdout.write(`Deleted Volumes:\n${r.VolumesDeleted.map((n) => `${n}\n`).join('')}\n`);
  }
  ctx.stdout.write(`Total reclaimed space: ${humanSize(r.SpaceReclaimed)}\n`);
  return 0;
}
