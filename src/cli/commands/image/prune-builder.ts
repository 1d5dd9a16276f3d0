/** `berth builder prune`: remove build cache. */
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { CliError } from '../../errors.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS]',
  summary: 'Remove build cache',
  flags: [
    { long: 'all', short: 'a', type: 'bool', description: 'Remove all unused build cache, not just dangling ones' },
    { long: 'filter', type: 'list', description: 'Provide filter values (e.g. "until=24h")' },
    { long: 'force', short: 'f', type: 'bool', description: 'Do not prompt for confirmation' },
    { long: 'keep-storage', type: 'string', description: 'Amount of disk space to keep for cache (e.g. 10GB)' },
  ],
  maxArgs: 0,
};

/** `10GB`, `512mb`, `1024` → bytes. */
export function parseBytes(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?$/i.exec(v.trim());
  if (!m) throw new CliError(`invalid size: "${v}"`);
  const unit = (m[2] ?? '').toLowerCase().replace(/i?b$/, '');
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[unit] ?? 1;
  return Math.round(Number(m[1]) * mult);
}

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const filters: Record<string, string[]> = {};
  for (const f of p.list('filter')) {
    const i = f.indexOf('=');
    if (i <= 0) throw new CliError(`bad format of filter (expected name=value): ${f}`);
    filters[f.slice(0, i)] = [...(filters[f.slice(0, i)] ?? []), f.slice(i + 1)];
  }
  const keep = p.string('keep-storage');
  const engine = await ctx.engine();
  const r = await engine.build.prune({
    all: p.bool('all'),
    ...(Object.keys(filters).length ? { filters } : {}),
    ...(keep ? { keepStorage: parseBytes(keep) } : {}),
  });
  if (r.CachesDeleted.length > 0) {
    ctx.stdout.write('Deleted build cache objects:\n');
    for (const id of r.CachesDeleted) ctx.stdout.write(`${id.slice(0, 25)}\n`);
    ctx.stdout.write('\n');
  }
  ctx.stdout.write(`Total reclaimed space: ${formatBytes(r.SpaceReclaimed)}\n`);
  return 0;
}

function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(3).replace(/\.?0+$/, '')}${units[i]}`;
}
