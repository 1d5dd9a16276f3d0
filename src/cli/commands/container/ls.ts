/** `berth ps` (`berth container ls`): list containers in Docker's table, JSON or a template. */
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { containerRow, DEFAULT_PS_FORMAT, PS_HEADER, PS_JSON_FIELDS, truncateId } from '../../container-format.ts';
import { parseFilters } from '../../filters.ts';
import { renderRows, tabwrite } from '../../format.ts';

/** The fields of DEFAULT_PS_FORMAT, in order. */
const DEFAULT_COLUMNS = ['ID', 'Image', 'Command', 'RunningFor', 'Status', 'Ports', 'Names'] as const;

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
  if ((format === undefined || format === '' || format === 'table') && !p.bool('size')) {
    // The default table without the template engine: the same cells, a fraction of the time for hundreds of rows.
    const rows = list.map((c) => containerRow(c, { trunc, nowMs }) as Record<string, () => string>);
    const header = PS_HEADER as Record<string, unknown>;
    const lines = [DEFAULT_COLUMNS.map((k) => header[k]).join('\t')];
    for (const r of rows) lines.push(DEFAULT_COLUMNS.map((k) => r[k]!()).join('\t'));
    ctx.stdout.write(tabwrite(`${lines.join('\n')}\n`));
    return 0;
  }
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
