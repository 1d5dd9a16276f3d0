/** `berth port CONTAINER [PRIVATE_PORT[/PROTO]]`: the container's published ports, as `docker port` prints them. */
import { notFound } from '../../../lib/errors.ts';
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';

export const spec: CommandSpec = {
  usage: 'CONTAINER [PRIVATE_PORT[/PROTO]]',
  summary: 'List port mappings or a specific mapping for the container',
  flags: [],
  minArgs: 1,
  maxArgs: 2,
};

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const engine = await ctx.engine();
  const c = await engine.containers.inspect(p.args[0] ?? '');
  const ports = c.NetworkSettings.Ports ?? {};
  const want = p.args[1];
  if (want !== undefined) {
    const key = want.includes('/') ? want : `${want}/tcp`;
    const bindings = ports[key];
    if (!bindings || bindings.length === 0) {
      throw notFound(`No public port '${key}' published for ${p.args[0]}`);
    }
    for (const b of bindings) ctx.stdout.write(`${b.HostIp}:${b.HostPort}\n`);
    return 0;
  }
  const keys = Object.keys(ports).sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));
  for (const key of keys) for (const b of ports[key] ?? []) ctx.stdout.write(`${key} -> ${b.HostIp}:${b.HostPort}\n`);
  return 0;
}
