/** `berth network connect`: connect a container (running or not) to a network. */
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS] NETWORK CONTAINER',
  summary: 'Connect a container to a network',
  flags: [
    { long: 'alias', type: 'list', description: 'Add network-scoped alias for the container' },
    { long: 'ip', type: 'string', description: 'IPv4 address (e.g., "172.30.100.104")' },
    { long: 'link', type: 'list', description: 'Add link to another container' },
    { long: 'mac-address', type: 'string', description: 'MAC address' },
  ],
  minArgs: 2,
  maxArgs: 2,
};

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const engine = await ctx.engine();
  const ip = p.string('ip');
  const mac = p.string('mac-address');
  await engine.networks.connect(p.args[0] ?? '', {
    Container: p.args[1] ?? '',
    EndpointConfig: {
      ...(ip ? { IPAMConfig: { IPv4Address: ip } } : {}),
      Aliases: p.list('alias'),
      Links: p.list('link'),
      ...(mac ? { MacAddress: mac } : {}),
    },
  });
  return 0;
}
