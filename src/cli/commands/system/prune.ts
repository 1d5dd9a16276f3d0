/**
 * `berth system prune`: removes stopped containers and, with `--volumes`,
 * unused anonymous volumes (all unused volumes with `-a`, as Docker 23+ does
 * for `volume prune -a`). Images, networks and build cache join as their
 * modules gain prune endpoints.
 */
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { confirm } from '../../confirm.ts';
import { parseFilters } from '../../filters.ts';
import { humanSize } from '../../units.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS]',
  summary: 'Remove unused data',
  flags: [
    {
      long: 'all',
      short: 'a',
      type: 'bool',
      description: 'Remove all unused volumes too, not just anonymous ones (with --volumes)',
    },
    {
      long: 'filter',
      type: 'list',
      valueName: 'filter',
      description: "Provide filter values (e.g. 'label=<key>=<value>')",
    },
    { long: 'force', short: 'f', type: 'bool', description: 'Do not prompt for confirmation' },
    { long: 'volumes', type: 'bool', description: 'Prune volumes' },
  ],
  maxArgs: 0,
};

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const filters = parseFilters(p.list('filter')) ?? {};
  const volumes = p.bool('volumes');
  const what = [
    '  - all stopped containers',
    ...(volumes ? [`  - all ${p.bool('all') ? '' : 'anonymous '}volumes not used by at least one container`] : []),
  ];
  if (
    !p.bool('force') &&
    !(await confirm(ctx, `WARNING! This will remove:\n${what.join('\n')}\n\nAre you sure you want to continue? [y/N] `))
  ) {
    return 0;
  }
  const engine = await ctx.engine();
  let reclaimed = 0;
  const c = await engine.containers.prune({ filters });
  if (c.ContainersDeleted.length > 0) ctx.stdout.write(`Deleted Containers:\n${c.ContainersDeleted.join('\n')}\n\n`);
  reclaimed += c.SpaceReclaimed;
  if (volumes) {
    const { until: _until, ...volumeFilters } = filters; // volume prune has no `until`
    const v = await engine.volumes.prune({
      filters: { ...volumeFilters, ...(p.bool('all') ? { all: ['true'] } : {}) },
    });
    if (v.VolumesDeleted.length > 0) ctx.stdout.write(`Deleted Volumes:\n${v.VolumesDeleted.join('\n')}\n\n`);
    reclaimed += v.SpaceReclaimed;
  }
  ctx.stdout.write(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
  return 0;
}
