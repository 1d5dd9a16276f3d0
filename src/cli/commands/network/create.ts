/** `berth network create`: a bridge network; prints its ID. */
import type { NetworkCreateRequest } from '../../../engine/types.ts';
import { type ParsedArgs, UsageError } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS] NETWORK',
  summary: 'Create a network',
  flags: [
    { long: 'driver', short: 'd', type: 'string', description: 'Driver to manage the Network', default: 'bridge' },
    { long: 'subnet', type: 'list', description: 'Subnet in CIDR format that represents a network segment' },
    { long: 'gateway', type: 'list', description: 'IPv4 Gateway for the master subnet' },
    { long: 'ip-range', type: 'list', description: 'Allocate container ip from a sub-range' },
    { long: 'internal', type: 'bool', description: 'Restrict external access to the network' },
    { long: 'ipv6', type: 'bool', description: 'Enable or disable IPv6 networking' },
    { long: 'label', type: 'list', description: 'Set metadata on a network' },
    { long: 'opt', short: 'o', type: 'list', description: 'Set driver specific options' },
    { long: 'attachable', type: 'bool', description: 'Enable manual container attachment' },
  ],
  minArgs: 1,
  maxArgs: 1,
};

function keyValues(list: readonly string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list) {
    const eq = kv.indexOf('=');
    if (eq <= 0 && flag === 'opt') throw new UsageError(`invalid key/value pair format in driver options: ${kv}`);
    if (eq < 0) out[kv] = '';
    else out[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return out;
}

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const subnets = p.list('subnet');
  const gateways = p.list('gateway');
  const ranges = p.list('ip-range');
  if (gateways.length > subnets.length || ranges.length > subnets.length) {
    throw new UsageError('every ip-range or gateway must have a corresponding subnet');
  }
  const body: NetworkCreateRequest = {
    Name: p.args[0] ?? '',
    Driver: p.string('driver') ?? 'bridge',
    Internal: p.bool('internal'),
    Attachable: p.bool('attachable'),
    EnableIPv6: p.bool('ipv6'),
    IPAM: {
      Driver: 'default',
      Config: subnets.map((s, i) => ({
        Subnet: s,
        ...(gateways[i] ? { Gateway: gateways[i] } : {}),
        ...(ranges[i] ? { IPRange: ranges[i] } : {}),
      })),
    },
    Options: keyValues(p.list('opt'), 'opt'),
    Labels: keyValues(p.list('label'), 'label'),
  };
  const engine = await ctx.engine();
  const res = await engine.networks.create(body);
  ctx.stdout.write(`${res.Id}\n`);
  return 0;
}
