/** `berth images` (`berth image ls`): list images in Docker's table, JSON or a template. */
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { truncateId } from '../../container-format.ts';
import { parseFilters } from '../../filters.ts';
import { renderRows } from '../../format.ts';
import {
  DEFAULT_IMAGES_FORMAT,
  DIGESTS_IMAGES_FORMAT,
  IMAGES_HEADER,
  IMAGES_JSON_FIELDS,
  imageRow,
  imageRows,
} from '../../image-format.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS] [REPOSITORY[:TAG]]',
  summary: 'List images',
  flags: [
    { long: 'all', short: 'a', type: 'bool', description: 'Show all images (default hides intermediate images)' },
    { long: 'digests', type: 'bool', description: 'Show digests' },
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
    { long: 'no-trunc', type: 'bool', description: "Don't truncate output" },
    { long: 'quiet', short: 'q', type: 'bool', description: 'Only show image IDs' },
  ],
  maxArgs: 1,
};

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const filters = parseFilters(p.list('filter')) ?? {};
  if (p.args[0] !== undefined) filters.reference = [...(filters.reference ?? []), p.args[0]];
  const engine = await ctx.engine();
  const images = await engine.images.list({
    all: p.bool('all'),
    filters: Object.keys(filters).length === 0 ? undefined : filters,
  });
  const sorted = [...images].sort((a, b) => b.Created - a.Created);
  const digests = p.bool('digests');
  const rows = imageRows(sorted, { digests });
  const trunc = !p.bool('no-trunc');
  const nowMs = ctx.now();
  if (p.bool('quiet')) {
    for (const r of rows) ctx.stdout.write(`${trunc ? truncateId(r.image.Id) : r.image.Id}\n`);
    return 0;
  }
  ctx.stdout.write(
    renderRows({
      format: p.string('format'),
      defaultFormat: digests ? DIGESTS_IMAGES_FORMAT : DEFAULT_IMAGES_FORMAT,
      rows: rows.map((r) => imageRow(r, { trunc, nowMs })),
      header: IMAGES_HEADER,
      jsonFields: IMAGES_JSON_FIELDS,
    }),
  );
  return 0;
}
