/** `berth system df`: disk use by images, containers, local volumes and build cache. */
import type { DiskUsage } from '../../../engine/types.ts';
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { containerRow } from '../../container-format.ts';
import { goJson, renderTemplate, tabwrite } from '../../format.ts';
import { imageRow, imageRows } from '../../image-format.ts';
import { humanSize } from '../../units.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS]',
  summary: 'Show berth disk usage',
  flags: [
    { long: 'format', type: 'string', description: "Format output using 'json'" },
    { long: 'verbose', short: 'v', type: 'bool', description: 'Show detailed information on space usage' },
  ],
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
  const vols = df.Volumes;
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

/** `system df -v`: Docker's four sections (images, containers, local volumes, build cache), one table each. */
export function verboseText(df: DiskUsage, nowMs: number): string {
  const table = (header: string, rows: string[]) => tabwrite(`${[header, ...rows].join('\n')}\n`);
  const images = imageRows(df.Images, { digests: false }).map((r) =>
    renderTemplate(
      '{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}',
      imageRow(r, { trunc: true, nowMs }),
    ).trimEnd(),
  );
  const containers = df.Containers.map((c) =>
    renderTemplate(
      '{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}',
      containerRow({ ...c, SizeRootFs: 0 }, { trunc: true, nowMs }),
    ).trimEnd(),
  );
  const volumes = [...df.Volumes]
    .sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0))
    .map((v) => `${v.Name}\t${v.UsageData?.RefCount ?? 0}\t${humanSize(Math.max(0, v.UsageData?.Size ?? 0))}`);
  const cache = df.BuildCache as { Size?: number }[];
  return [
    'Images space usage:\n',
    table('REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE\tSHARED SIZE\tUNIQUE SIZE\tCONTAINERS', images),
    'Containers space usage:\n',
    table('CONTAINER ID\tIMAGE\tCOMMAND\tLOCAL VOLUMES\tSIZE\tCREATED\tSTATUS\tNAMES', containers),
    'Local Volumes space usage:\n',
    table('VOLUME NAME\tLINKS\tSIZE', volumes),
    `Build cache usage: ${humanSize(cache.reduce((n, b) => n + (b.Size ?? 0), 0))}\n`,
  ].join('\n');
}

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const engine = await ctx.engine();
  const df = await engine.system.df();
  if (p.bool('verbose') && p.string('format') !== 'json') {
    ctx.stdout.write(verboseText(df, ctx.now()));
    return 0;
  }
  const rows = summaryRows(df);
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
