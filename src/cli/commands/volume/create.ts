/** `berth volume create`: make a volume (local driver; `-o type=… -o device=… -o o=…`, berth's `-o size=`). */
import { type ParsedArgs, UsageError } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS] [VOLUME]',
  summary: 'Create a volume',
  flags: [
    { long: 'driver', short: 'd', type: 'string', description: 'Specify volume driver name', default: 'local' },
    { long: 'label', type: 'list', description: 'Set metadata for a volume' },
    { long: 'name', type: 'string', description: 'Specify volume name', hidden: true },
    { long: 'opt', short: 'o', type: 'list', description: 'Set driver specific options' },
  ],
  maxArgs: 1,
};

/** `key=value` list → map (a bare key maps to ''). */
function keyValues(values: readonly string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of values) {
    const eq = kv.indexOf('=');
    if (eq === 0) throw new UsageError(`invalid argument "${kv}" for "${flag}" flag: invalid key`);
    if (eq < 0) out[kv] = '';
    else out[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return out;
}

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const flagName = p.string('name');
  const arg = p.args[0];
  if (flagName && arg && flagName !== arg) {
    throw new UsageError(
      `conflicting options: cannot specify a volume-name through both --name and as a positional arg`,
    );
  }
  const engine = await ctx.engine();
  const v = await engine.volumes.create({
    Name: arg ?? flagName ?? '',
    Driver: p.string('driver') ?? 'local',
    DriverOpts: keyValues(p.list('opt'), '-o, --opt'),
    Labels: keyValues(p.list('label'), '--label'),
  });
  ctx.stdout.write(`${v.Name}\n`);
  return 0;
}
