/** `berth info` (`berth system info`): the daemon's system-wide information. */
import type { SystemInfo } from '../../../engine/types.ts';
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { renderTemplate } from '../../format.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS]',
  summary: 'Display system-wide information',
  flags: [{ long: 'format', short: 'f', type: 'string', description: 'Format output using a custom template' }],
  maxArgs: 0,
};

/** The server part of `docker info`, in its layout. */
export function infoText(i: SystemInfo): string {
  const lines = [
    'Server:',
    ` Containers: ${i.Containers}`,
    `  Running: ${i.ContainersRunning}`,
    `  Paused: ${i.ContainersPaused}`,
    `  Stopped: ${i.ContainersStopped}`,
    ` Images: ${i.Images}`,
    ` Server Version: ${i.ServerVersion}`,
    ` Storage Driver: ${i.Driver}`,
    ...(i.DriverStatus ?? []).map(([k, v]) => `  ${k}: ${v}`),
    ` Logging Driver: ${i.LoggingDriver}`,
    ` Cgroup Driver: ${i.CgroupDriver}`,
    ` Cgroup Version: ${i.CgroupVersion}`,
    ` Runtimes: ${Object.keys(i.Runtimes ?? {}).join(' ')}`,
    ` Default Runtime: ${i.DefaultRuntime}`,
  ];
  if ((i.SecurityOptions ?? []).length > 0) {
    lines.push(' Security Options:', ...i.SecurityOptions.map((o) => `  ${o.replace(/^name=/, '')}`));
  }
  lines.push(
    ` Kernel Version: ${i.KernelVersion}`,
    ` Operating System: ${i.OperatingSystem}`,
    ` OSType: ${i.OSType}`,
    ` Architecture: ${i.Architecture}`,
    ` CPUs: ${i.NCPU}`,
    ` Total Memory: ${humanBinary(i.MemTotal)}`,
    ` Name: ${i.Name}`,
    ` ID: ${i.ID}`,
    ` Berth Root Dir: ${i.DockerRootDir}`,
    ` Debug Mode: ${i.Debug}`,
  );
  if ((i.Labels ?? []).length > 0) lines.push(' Labels:', ...i.Labels.map((l) => `  ${l}`));
  for (const w of i.Warnings ?? []) lines.push(w);
  return `${lines.join('\n')}\n`;
}

/** go-units BytesSize: binary units ("7.764GiB"). */
function humanBinary(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let size = bytes;
  let u = 0;
  while (size >= 1024 && u < units.length - 1) {
    size /= 1024;
    u++;
  }
  return `${Number(size.toPrecision(4))}${units[u]}`;
}

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const engine = await ctx.engine();
  const info = await engine.system.info();
  const format = p.string('format');
  if (format !== undefined && format !== '') {
    ctx.stdout.write(renderTemplate(format === 'json' ? '{{json .}}' : format, info));
    return 0;
  }
  ctx.stdout.write(infoText(info));
  return 0;
}
