/**
 * `berth cp` (`berth container cp`): copy files between a container and the
 * local filesystem, either way, or stream a tar with `-`. The local side is
 * read and written with GNU tar; the container side goes through the
 * archive endpoints, which keep every path inside the container root.
 */
import { spawn } from 'node:child_process';
import { lstatSync, statSync } from 'node:fs';
import { basename, dirname, posix } from 'node:path';
import { Readable } from 'node:stream';
import { type ParsedArgs, UsageError } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n       berth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH',
  summary: 'Copy files/folders between a container and the local filesystem',
  flags: [
    { long: 'archive', short: 'a', type: 'bool', description: 'Archive mode (copy all uid/gid information)' },
    { long: 'follow-link', short: 'L', type: 'bool', description: 'Always follow symbol link in SRC_PATH' },
    { long: 'quiet', short: 'q', type: 'bool', description: 'Suppress progress output during copy.' },
  ],
  minArgs: 2,
  maxArgs: 2,
};

/** `name:path` → container and path; a local path (one with `/` before any `:`) → undefined. */
export function splitCpArg(arg: string): { container: string; path: string } | undefined {
  if (arg.startsWith('/') || arg.startsWith('.')) return undefined;
  const colon = arg.indexOf(':');
  if (colon <= 0) return undefined;
  return { container: arg.slice(0, colon), path: arg.slice(colon + 1) };
}

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const [srcArg, destArg] = p.args as [string, string];
  const src = splitCpArg(srcArg);
  const dest = splitCpArg(destArg);
  if (src && dest) throw new UsageError('copying between containers is not supported');
  if (!src && !dest) throw new UsageError('must specify at least one container source');
  const engine = await ctx.engine();
  if (src) {
    let path = src.path;
    if (p.bool('follow-link')) {
      const stat = await engine.containers.statPath(src.container, path);
      if (stat.linkTarget) path = stat.linkTarget;
    }
    const { stat, tar } = await engine.containers.getArchive(src.container, path);
    if (destArg === '-') {
      for await (const chunk of tar) await write(ctx, chunk);
      return 0;
    }
    // Into an existing directory: keep the name; else the destination names the copy.
    const destIsDir = isDir(destArg);
    const dir = destIsDir ? destArg : dirname(destArg);
    const transforms = destIsDir ? [] : [`s,^${sed(stat.name)},${sed(basename(destArg))},S`];
    await runTar(
      [
        '-x',
        '-f',
        '-',
        '-C',
        dir,
        ...(p.bool('archive') ? ['--same-owner'] : ['--no-same-owner']),
        ...transforms.map((t) => `--transform=${t}`),
      ],
      tar,
    );
    return 0;
  }
  const target = dest!;
  if (srcArg === '-') {
    await engine.containers.putArchive(target.container, {
      path: target.path,
      tar: ctx.stdin as AsyncIterable<Uint8Array>,
      noOverwriteDirNonDir: true,
      copyUIDGID: p.bool('archive'),
    });
    return 0;
  }
  lstatSync(srcArg); // a clear ENOENT before anything is sent
  let destDir = target.path;
  let rename: string | undefined;
  try {
    const st = await engine.containers.statPath(target.container, target.path);
    if ((st.mode & (2 ** 31)) === 0) {
      destDir = posix.dirname(target.path);
      rename = posix.basename(target.path);
    }
  } catch {
    destDir = posix.dirname(target.path);
    rename = posix.basename(target.path);
  }
  const name = basename(srcArg.replace(/\/+$/, '')) || '.';
  const args = ['-c', '-f', '-', '-C', dirname(srcArg.replace(/\/+$/, '')) || '/', '--numeric-owner'];
  if (p.bool('follow-link')) args.push('--dereference');
  if (rename && rename !== name) args.push(`--transform=s,^${sed(name)},${sed(rename)},S`);
  args.push('--', name);
  const child = spawn('tar', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  await engine.containers.putArchive(target.container, {
    path: destDir,
    tar: child.stdout as AsyncIterable<Uint8Array>,
    noOverwriteDirNonDir: true,
    copyUIDGID: p.bool('archive'),
  });
  if ((await exited) !== 0) throw new UsageError(`tar failed reading ${srcArg}`);
  return 0;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function sed(s: string): string {
  return s.replace(/[\\,.*[\]^$&]/g, '\\$&');
}

async function runTar(args: string[], input: AsyncIterable<Uint8Array>): Promise<void> {
  const child = spawn('tar', args, { stdio: ['pipe', 'inherit', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  Readable.from(input).pipe(child.stdin);
  if ((await exited) !== 0) throw new UsageError('tar failed writing the copy');
}

function write(ctx: CommandContext, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    if (ctx.stdout.write(chunk)) resolve();
    else (ctx.stdout as unknown as NodeJS.WritableStream).once('drain', () => resolve());
  });
}
