/** `berth ps` (`berth container ls`): list containers in Docker's table, JSON or a template. */
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { containerRow, DEFAULT_PS_FORMAT, PS_HEADER, PS_JSON_FIELDS, truncateId } from '../../container-format.ts';
import { parseFilters } from '../../filters.ts';
import { renderRows } from '../../format.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS]',
  summary: 'List containers',
  flags: [
    { long: 'all', short: 'a', type: 'bool', description: 'Show all containers (default shows just running)' },
    {
      long: 'filter',
      short: 'f',
      type: 'list',
      valueName: 'filter',
      description: 'Filter output based on conditions provided',
    },
    {
      long: 'format',
      type: 'string',
      description: "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or 'TEMPLATE'",
    },
    {
      long: 'last',
      short: 'n',
      type: 'int',
      description: 'Show n last created containers (includes all states)',
      default: -1,
    },
    {
      long: 'latest',
      short: 'l',
      type: 'bool',
      description: 'Show the latest created container (includes all states)',
    },
    { long: 'no-trunc', type: 'bool', description: "Don't truncate output" },
    { long: 'quiet', short: 'q', type: 'bool', description: 'Only display container IDs' },
    { long: 'size', short: 's', type: 'bool', description: 'Display total file sizes' },
  ],
  maxArgs: 0,
};

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const last = p.int('last') ?? -1;
  const latest = p.bool('latest');
  const format = p.string('format');
  const size = p.bool('size') || format?.includes('.Size') === true;
  const filters = parseFilters(p.list('filter'));
  const engine = await ctx.engine();
  const list = await engine.containers.list({
    all: p.bool('all') || last > 0 || latest,
    limit: latest ? 1 : last > 0 ? last : undefined,
    size: size || undefined,
    filters,
  });
  const trunc = !p.bool('no-trunc');
  if (p.bool('quiet')) {
    for (const c of list) ctx.stdout.write(`${trunc ? truncateId(c.Id) : c.Id}\n`);
    return 0;
  }
  const nowMs = ctx.now();
  ctx.stdout.write(
    renderRows({
      format,
      defaultFormat: p.bool('size') ? `${DEFAULT_PS_FORMAT}\t{{.Size}}` : DEFAULT_PS_FORMAT,
      rows: list.map((c) => containerRow(c, { trunc, nowMs })),
      header: PS_HEADER,
      jsonFields: PS_JSON_FIELDS,
    }),
  );
  return 0;
}
