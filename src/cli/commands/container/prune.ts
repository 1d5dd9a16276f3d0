/** `berth container prune`: remove all stopped containers. */
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { parseFilters } from '../../filters.ts';
import { humanSize } from '../../units.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS]',
  summary: 'Remove all stopped containers',
  flags: [
    { long: 'filter', type: 'list', description: 'Provide filter values (e.g. "until=<timestamp>")' },
    { long: 'force', short: 'f', type: 'bool', description: 'Do not prompt for confirmation' },
  ],
  maxArgs: 0,
};

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  if (!p.bool('force')) {
    ctx.stdout.write('WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ');
    const answer = await readLine(ctx.stdin);
    if (!/^y(es)?$/i.test(answer.trim())) return 0;
  }
  const engine = await ctx.engine();
  const filters = parseFilters(p.list('filter'));
  const report = await engine.containers.prune(filters ? { filters } : {});
  if (report.ContainersDeleted.length) {
    ctx.stdout.write(`Deleted Containers:\n${report.ContainersDeleted.map((id) => `${id}\n`).join('')}\n`);
  }
  ctx.stdout.write(`Total reclaimed space: ${humanSize(report.SpaceReclaimed)}\n`);
  return 0;
}

function readLine(stdin: NodeJS.ReadStream): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (b: Buffer) => {
      text += b.toString();
      if (text.includes('\n')) done();
    };
    const done = () => {
      stdin.off('data', onData).off('end', done);
      stdin.pause();
      resolve(text.split('\n')[0] ?? '');
    };
    stdin.on('data', onData).on('end', done);
  });
}
