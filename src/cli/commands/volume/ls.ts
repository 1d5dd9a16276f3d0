/** `berth volume ls`: Docker's DRIVER/VOLUME NAME table, `-q`, `--filter`, `--format`. */
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { parseFilters } from '../../filters.ts';
import { renderRows } from '../../format.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS]',
  summary: 'List volumes',
  flags: [
    {
      long: 'filter',
      short: 'f',
      type: 'list',
      valueName: 'filter',
      description: "Provide filter values (e.g. 'dangling=true')",
    },
    {
      long: 'format',
      type: 'string',
      description: "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or 'TEMPLATE'",
    },
    { long: 'quiet', short: 'q', type: 'bool', description: 'Only display volume names' },
  ],
  maxArgs: 0,
};

const DEFAULT_FORMAT = 'table {{.Driver}}\t{{.Name}}';
const HEADER = {
  Driver: 'DRIVER',
  Name: 'VOLUME NAME',
  Mountpoint: 'MOUNTPOINT',
  Labels: 'LABELS',
  Scope: 'SCOPE',
  Size: 'SIZE',
  Links: 'LINKS',
  CreatedAt: 'CREATED',
};
const JSON_FIELDS = [
  'Availability',
  'Driver',
  'Group',
  'Labels',
  'Links',
  'Mountpoint',
  'Name',
  'Scope',
  'Size',
  'Status',
];

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const engine = await ctx.engine();
  const { Volumes } = await engine.volumes.list({ filters: parseFilters(p.list('filter')) ?? {} });
  const vols = [...Volumes].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
  if (p.bool('quiet')) {
    for (const v of vols) ctx.stdout.write(`${v.Name}\n`);
    return 0;
  }
  const rows = vols.map((v) => ({
    ...v,
    Availability: 'N/A',
    Group: 'N/A',
    Status: 'N/A',
    Labels: Object.entries(v.Labels ?? {})
      .map(([k, val]) => `${k}=${val}`)
      .join(','),
    Links: 'N/A',
    Size: 'N/A',
    Label: (key: string) => v.Labels?.[key] ?? '',
  }));
  ctx.stdout.write(
    renderRows({
      format: p.string('format'),
      defaultFormat: DEFAULT_FORMAT,
      rows,
      header: HEADER,
      jsonFields: JSON_FIELDS,
    }),
  );
  return 0;
}
