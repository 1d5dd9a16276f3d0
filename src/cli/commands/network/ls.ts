/** `berth network ls`: networks in Docker's table, JSON, or a template. */
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { parseFilters } from '../../filters.ts';
import { renderRows, strict } from '../../format.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS]',
  summary: 'List networks',
  flags: [
    { long: 'filter', short: 'f', type: 'list', valueName: 'filter', description: 'Provide filter values' },
    { long: 'format', type: 'string', description: 'Format output using a custom template' },
    { long: 'no-trunc', type: 'bool', description: 'Do not truncate the output' },
    { long: 'quiet', short: 'q', type: 'bool', description: 'Only display network IDs' },
  ],
  maxArgs: 0,
};

const HEADER = strict({
  ID: 'NETWORK ID',
  Name: 'NAME',
  Driver: 'DRIVER',
  Scope: 'SCOPE',
  IPv6: 'IPV6',
  Internal: 'INTERNAL',
  Labels: 'LABELS',
  CreatedAt: 'CREATED AT',
});

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const engine = await ctx.engine();
  const filters = parseFilters(p.list('filter'));
  const nets = (await engine.networks.list(filters ? { filters } : {})).sort((a, b) => a.Name.localeCompare(b.Name));
  const trunc = !p.bool('no-trunc');
  if (p.bool('quiet')) {
    for (const n of nets) ctx.stdout.write(`${trunc ? n.Id.slice(0, 12) : n.Id}\n`);
    return 0;
  }
  const rows = nets.map((n) =>
    strict({
      ID: trunc ? n.Id.slice(0, 12) : n.Id,
      Name: n.Name,
      Driver: n.Driver,
      Scope: n.Scope,
      IPv6: String(n.EnableIPv6),
      Internal: String(n.Internal),
      Labels: Object.entries(n.Labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
      CreatedAt: n.Created,
    }),
  );
  ctx.stdout.write(
    renderRows({
      format: p.string('format'),
      defaultFormat: 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}',
      rows,
      header: HEADER,
      jsonFields: Object.keys(HEADER),
    }),
  );
  return 0;
}
