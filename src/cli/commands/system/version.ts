/** `berth version`: the client's and the daemon's versions, as `docker version` lays them out. */
import { API_VERSION } from '../../../engine/version.ts';
import type { VersionInfo } from '../../../engine/types.ts';
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { renderTemplate } from '../../format.ts';
import { CLI_VERSION } from '../../version.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS]',
  summary: 'Show the berth version information',
  flags: [{ long: 'format', short: 'f', type: 'string', description: 'Format output using a custom template' }],
  maxArgs: 0,
};

/** The client half of `version`. */
export interface ClientVersion {
  Version: string;
  ApiVersion: string;
  NodeVersion: string;
  Os: string;
  Arch: string;
}

export function clientVersion(): ClientVersion {
  return {
    Version: CLI_VERSION,
    ApiVersion: API_VERSION,
    NodeVersion: process.version,
    Os: process.platform,
    Arch: goArch(process.arch),
  };
}

function goArch(arch: string): string {
  return arch === 'x64' ? 'amd64' : arch === 'ia32' ? '386' : arch;
}

/** `docker version`'s text: "Client:" then "Server:", values aligned at column 20. */
export function versionText(client: ClientVersion, server: VersionInfo | undefined): string {
  const row = (indent: string, k: string, v: string) => `${indent}${`${k}:`.padEnd(19 - indent.length + 1)}${v}`;
  const lines = [
    'Client:',
    row(' ', 'Version', client.Version),
    row(' ', 'API version', client.ApiVersion),
    row(' ', 'Node.js version', client.NodeVersion),
    row(' ', 'OS/Arch', `${client.Os}/${client.Arch}`),
  ];
  if (server !== undefined) {
    lines.push('', `Server: ${server.Platform?.Name ?? ''}`.trimEnd());
    for (const c of server.Components ?? []) {
      lines.push(` ${c.Name}:`);
      lines.push(row('  ', 'Version', c.Version));
      if (c.Name === 'Engine') {
        lines.push(row('  ', 'API version', `${server.ApiVersion} (minimum version ${server.MinAPIVersion})`));
      }
      for (const [k, v] of Object.entries(c.Details ?? {})) {
        if (c.Name === 'Engine' && (k === 'ApiVersion' || k === 'MinAPIVersion')) continue;
        lines.push(row('  ', detailLabel(k), v));
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

const LABELS: Record<string, string> = {
  GitCommit: 'Git commit',
  GoVersion: 'Go version',
  KernelVersion: 'Kernel version',
  BuildTime: 'Built',
  Os: 'OS',
  Arch: 'Arch',
  Experimental: 'Experimental',
};

function detailLabel(key: string): string {
  return LABELS[key] ?? key;
}

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const client = clientVersion();
  const format = p.string('format');
  const engine = await ctx.engine();
  let server: VersionInfo | undefined;
  let failure: unknown;
  try {
    server = await engine.system.version();
  } catch (err) {
    failure = err;
  }
  if (format !== undefined && format !== '') {
    ctx.stdout.write(
      renderTemplate(format === 'json' ? '{{json .}}' : format, { Client: client, Server: server ?? null }),
    );
  } else {
    ctx.stdout.write(versionText(client, server));
  }
  if (failure !== undefined) throw failure;
  return 0;
}
