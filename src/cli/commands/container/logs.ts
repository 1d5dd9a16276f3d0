/** `berth logs` (`berth container logs`): print (or follow) a container's output. */
import type { LogsOptions } from '../../../engine/types.ts';
import { type ParsedArgs, UsageError } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { parseTimestamp } from '../../time.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS] CONTAINER',
  summary: 'Fetch the logs of a container',
  flags: [
    { long: 'details', type: 'bool', description: 'Show extra details provided to logs' },
    { long: 'follow', short: 'f', type: 'bool', description: 'Follow log output' },
    {
      long: 'since',
      type: 'string',
      description: 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)',
    },
    {
      long: 'tail',
      short: 'n',
      type: 'string',
      description: 'Number of lines to show from the end of the logs',
      default: 'all',
    },
    { long: 'timestamps', short: 't', type: 'bool', description: 'Show timestamps' },
    {
      long: 'until',
      type: 'string',
      description: 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)',
    },
  ],
  minArgs: 1,
  maxArgs: 1,
};

/** `--tail` as the API takes it: a line count, or 'all' (also for negative counts, as Docker). */
export function parseTail(value: string): number | 'all' {
  if (value === 'all' || value === '') return 'all';
  if (!/^-?\d+$/.test(value)) throw new UsageError(`invalid value for "tail": "${value}"`);
  const n = Number(value);
  return n < 0 ? 'all' : n;
}

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const nowMs = ctx.now();
  const since = p.string('since');
  const until = p.string('until');
  const opts: LogsOptions = {
    stdout: true,
    stderr: true,
    follow: p.bool('follow'),
    timestamps: p.bool('timestamps'),
    tail: parseTail(p.string('tail') ?? 'all'),
    since: since === undefined || since === '' ? undefined : parseTimestamp(since, nowMs),
    until: until === undefined || until === '' ? undefined : parseTimestamp(until, nowMs),
  };
  const engine = await ctx.engine();
  const logs = await engine.containers.logs(p.args[0]!, opts);
  for await (const chunk of logs.output) {
    const sink = chunk.stream === 'stderr' ? ctx.stderr : ctx.stdout;
    if (!sink.write(chunk.data)) await new Promise<void>((resolve) => sink.once('drain', resolve));
  }
  return 0;
}
