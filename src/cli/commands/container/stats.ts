/**
 * `berth stats` (`berth container stats`): resource usage of containers,
 * once (`--no-stream`, every sample requested in parallel, no priming wait)
 * or refreshed every second.
 */
import type { Engine } from '../../../engine/engine.ts';
import type { ContainerStats } from '../../../engine/types.ts';
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { errorText } from '../../each.ts';
import { renderRows } from '../../format.ts';
import { STATS_DEFAULT_FORMAT, STATS_HEADER, statsEntry, statsRow } from '../../stats-format.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS] [CONTAINER...]',
  summary: 'Display a live stream of container(s) resource usage statistics',
  flags: [
    { long: 'all', short: 'a', type: 'bool', description: 'Show all containers (default shows just running)' },
    { long: 'format', type: 'string', description: 'Format output using a custom template' },
    { long: 'no-stream', type: 'bool', description: 'Disable streaming stats and only pull the first result' },
    { long: 'no-trunc', type: 'bool', description: 'Do not truncate output' },
  ],
};

async function targets(engine: Engine, p: ParsedArgs): Promise<string[]> {
  if (p.args.length > 0) return p.args;
  const rows = await engine.containers.list({ all: p.bool('all') });
  return rows.map((r) => r.Id);
}

function render(p: ParsedArgs, samples: ContainerStats[]): string {
  return renderRows({
    format: p.string('format'),
    defaultFormat: STATS_DEFAULT_FORMAT,
    rows: samples.map((s) => {
      const row = statsRow(statsEntry(s));
      return p.bool('no-trunc') ? { ...row, ID: s.id, Container: s.id } : row;
    }),
    header: STATS_HEADER,
    jsonFields: Object.keys(STATS_HEADER),
  });
}

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const engine = await ctx.engine();
  const ids = await targets(engine, p);
  const once = async (): Promise<{ samples: ContainerStats[]; failed: number }> => {
    const results = await Promise.allSettled(
      ids.map(async (id) => {
        for await (const s of await engine.containers.stats(id, { stream: false })) return s;
        throw new Error(`no stats for ${id}`);
      }),
    );
    const samples: ContainerStats[] = [];
    let failed = 0;
    for (const r of results) {
      if (r.status === 'fulfilled') samples.push(r.value);
      else {
        failed++;
        ctx.stderr.write(`${errorText(r.reason)}\n`);
      }
    }
    return { samples, failed };
  };
  if (p.bool('no-stream')) {
    const { samples, failed } = await once();
    ctx.stdout.write(render(p, samples));
    return failed > 0 && samples.length === 0 ? 1 : 0;
  }
  for (;;) {
    const { samples } = await once();
    ctx.stdout.write(`\x1b[2J\x1b[H${render(p, samples)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
