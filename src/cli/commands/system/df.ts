/** `berth system df`: disk use by images, containers, local volumes and build cache. */
import type { DiskUsage } from '../../../engine/types.ts';
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { goJson, tabwrite } from '../../format.ts';
import { humanSize } from '../../units.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS]',
  summary: 'Show berth disk usage',
  flags: [{ long: 'format', type: 'string', description: "Format output using 'json'" }],
  maxArgs: 0,
};

interface Row {
  Type: string;
  TotalCount: number;
  Active: number;
  Size: string;
  Reclaimable: string;
}

/** Docker's summary rows: total, active, size and reclaimable (with its share of the size). */
export function summaryRows(df: DiskUsage): Row[] {
  const pct = (part: number, whole: number) => (whole > 0 ? ` (${Math.round((part * 100) / whole)}%)` : '');
  const activeImages = df.Images.filter((i) => i.Containers > 0);
  // Docker's: everything but the unshared part of images in use.
  const imageReclaim = df.LayersSize - activeImages.reduce((n, i) => n + i.Size - i.SharedSize, 0);
  const cSize = df.Containers.reduce((n, c) => n + (c.SizeRw ?? 0), 0);
  const cReclaim = df.Containers.filter((c) => c.State !== 'running').reduce((n, c) => n + (c.SizeRw ?? 0), 0);
  const vols = df.Volumes as { UsageData?: { Size?: number; RefCount?: number } }[];
  const vSize = vols.reduce((n, v) => n + Math.max(0, v.UsageData?.Size ?? 0), 0);
  const vReclaim = vols
    .filter((v) => (v.UsageData?.RefCount ?? 0) === 0)
    .reduce((n, v) => n + Math.max(0, v.UsageData?.Size ?? 0), 0);
  const cache = df.BuildCache as { Size?: number; InUse?: boolean; Shared?: boolean }[];
  const bSize = cache.reduce((n, b) => n + (b.Size ?? 0), 0);
  const bReclaim = cache.filter((b) => !b.InUse && !b.Shared).reduce((n, b) => n + (b.Size ?? 0), 0);
  const reclaim = Math.max(0, imageReclaim);
  return [
    {
      Type: 'Images',
      TotalCount: df.Images.length,
      Active: activeImages.length,
      Size: humanSize(df.LayersSize),
      Reclaimable: `${humanSize(reclaim)}${pct(reclaim, df.LayersSize)}`,
    },
    {
      Type: 'Containers',
      TotalCount: df.Containers.length,
      Active: df.Containers.filter((c) => c.State === 'running').length,
      Size: humanSize(cSize),
      Reclaimable: `${humanSize(cReclaim)}${pct(cReclaim, cSize)}`,
    },
    {
      Type: 'Local Volumes',
      TotalCount: vols.length,
      Active: vols.filter((v) => (v.UsageData?.RefCount ?? 0) > 0).length,
      Size: humanSize(vSize),
      Reclaimable: `${humanSize(vReclaim)}${pct(vReclaim, vSize)}`,
    },
    {
      Type: 'Build Cache',
      TotalCount: cache.length,
      Active: cache.filter((b) => b.InUse).length,
      Size: humanSize(bSize),
      Reclaimable: humanSize(bReclaim),
    },
  ];
}

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const engine = await ctx.engine();
  const rows = summaryRows(await engine.system.df());
  if (p.string('format') === 'json') {
    for (const r of rows)
      ctx.stdout.write(
        `${goJson({ Active: String(r.Active), Reclaimable: r.Reclaimable, Size: r.Size, TotalCount: String(r.TotalCount), Type: r.Type })}\n`,
      );
    return 0;
  }
  const lines = [
    'TYPE\tTOTAL\tACTIVE\tSIZE\tRECLAIMABLE',
    ...rows.map((r) => `${r.Type}\t${r.TotalCount}\t${r.Active}\t${r.Size}\t${r.Reclaimable}`),
  ];
  ctx.stdout.write(tabwrite(`${lines.join('\n')}\n`));
  return 0;
}
