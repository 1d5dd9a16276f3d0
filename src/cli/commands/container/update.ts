/** `berth update` (`berth container update`): change resource limits and the restart policy of containers, live. */
import type { ContainerUpdateRequest } from '../../../engine/types.ts';
import { type FlagSpec, type ParsedArgs, UsageError } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { forEachTarget } from '../../each.ts';
import { PROCESS_FLAGS, resourcesFrom } from '../../process-options.ts';
import { parseRestartPolicy } from '../../run-options.ts';

const UPDATE_FLAGS = [
  'blkio-weight',
  'cpu-period',
  'cpu-quota',
  'cpu-rt-period',
  'cpu-rt-runtime',
  'cpu-shares',
  'cpus',
  'cpuset-cpus',
  'cpuset-mems',
  'memory',
  'memory-reservation',
  'memory-swap',
  'kernel-memory',
  'pids-limit',
];

const flags: FlagSpec[] = [
  ...PROCESS_FLAGS.filter((f) => UPDATE_FLAGS.includes(f.long)),
  { long: 'restart', type: 'string', description: 'Restart policy to apply when a container exits' },
  {
    long: 'publish-add',
    type: 'list',
    description: 'berth: publish a port of the running container ([ip:]hostPort:containerPort[/proto])',
  },
  {
    long: 'publish-rm',
    type: 'list',
    description: 'berth: stop publishing a host port of the running container ([ip:]hostPort[/proto])',
  },
];

export const spec: CommandSpec = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Update configuration of one or more containers',
  flags,
  minArgs: 1,
};

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const publish = { Add: p.list('publish-add'), Remove: p.list('publish-rm') };
  const ports = publish.Add.length > 0 || publish.Remove.length > 0;
  const resources = [...UPDATE_FLAGS, 'restart'].some((f) => p.changed(f));
  if (!resources && !ports) {
    throw new UsageError('you must provide one or more flags when using this command');
  }
  const body: ContainerUpdateRequest = { ...resourcesFrom(p) };
  const restart = p.string('restart');
  if (restart !== undefined) body.RestartPolicy = parseRestartPolicy(restart);
  const engine = await ctx.engine();
  const failed = await forEachTarget(ctx, p.args, async (id) => {
    if (resources) {
      const r = await engine.containers.update(id, body);
      for (const w of r.Warnings) ctx.stderr.write(`WARNING: ${w}\n`);
    }
    if (ports) await engine.containers.ports(id, publish);
  });
  return failed.length > 0 ? 1 : 0;
}
