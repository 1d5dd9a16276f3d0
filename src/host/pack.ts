/**
 * Packing a directory tree into a tar stream with GNU tar (the counterpart of
 * untar.ts): numeric owners, exact modes, device nodes, hard links and xattrs
 * of every namespace (overlay metadata such as `trusted.overlay.opaque`
 * included, so layer diffs can translate it). Symlinks are archived as links,
 * never followed. Output is POSIX pax; `sort` makes it deterministic.
 *
 * The caller chooses what is read: `dir` must already be resolved safely
 * (see engine/local/container-archive.ts for container paths).
 */
import { spawn } from 'node:child_process';

export interface PackOptions {
  /** The directory names are relative to (tar's --directory). */
  dir: string;
  /** Entries to pack, relative to `dir` (default `.`, the whole tree). */
  paths?: string[];
  /** GNU tar --transform expressions (e.g. renaming the top entry). */
  transforms?: string[];
  /** Sort entries by name (deterministic output; default true). */
  sort?: boolean;
  /** Pack the contents of the directories, not recursing below the given `paths` (default false). */
  noRecursion?: boolean;
  signal?: AbortSignal;
}

/**
 * Streams a tar of `opts.paths` under `opts.dir`. Rejects (while iterating)
 * with tar's stderr if tar fails; stopping early kills tar.
 */
export async function* packTree(opts: PackOptions): AsyncGenerator<Uint8Array> {
  const args = [
    '--create',
    '--file=-',
    '--format=pax',
    '--numeric-owner',
    '--xattrs',
    '--xattrs-include=*',
    '--no-acls',
    '--no-selinux',
    '--warning=no-file-ignored',
    '--pax-option=delete=atime,delete=ctime',
    `--directory=${opts.dir}`,
  ];
  if (opts.sort !== false) args.push('--sort=name');
  if (opts.noRecursion) args.push('--no-recursion');
  for (const t of opts.transforms ?? []) args.push(`--transform=${t}`);
  args.push('--', ...(opts.paths ?? ['.']));
  const child = spawn('tar', args, { stdio: ['ignore', 'pipe', 'pipe'], signal: opts.signal });
  const stderr: Buffer[] = [];
  child.stderr.on('data', (b: Buffer) => stderr.push(b));
  const exited = new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.on('error', (error) => resolve({ code: null, error }));
    child.on('close', (code) => resolve({ code }));
  });
  let finished = false;
  try {
    for await (const chunk of child.stdout) yield chunk as Uint8Array;
    const { code, error } = await exited;
    if (error) throw error;
    // 1: "some files differ/changed as we read them" — a live container's files may; the archive is still whole.
    if (code !== 0 && code !== 1) {
      throw new Error(`tar: ${Buffer.concat(stderr).toString().trim() || `exit status ${code}`}`);
    }
    finished = true;
  } finally {
    if (!finished) child.kill('SIGKILL');
  }
}
