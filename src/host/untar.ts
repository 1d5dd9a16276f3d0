/**
 * Extracting a tar stream into a directory with GNU tar (Debian's `tar`,
 * always installed). Node has no mknod(2) or setxattr(2), which layers need
 * (overlay whiteouts are character devices, opaque directories an xattr), so
 * the writing is done by tar, as root: numeric owners, exact modes (setuid
 * included), mtimes, xattrs of every namespace, device nodes, hard links.
 *
 * The stream must already be checked: this port does no path validation of
 * its own beyond GNU tar's (see core/snapshots/layer.ts).
 */
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BerthError } from '../lib/errors.ts';

const TAR_ARGS = [
  '--extract',
  '--file=-',
  '--numeric-owner',
  '--same-owner',
  '--same-permissions',
  '--xattrs',
  '--xattrs-include=*',
  '--no-acls',
  '--no-selinux',
  '--warning=no-unknown-keyword',
  '--warning=no-timestamp',
];

export interface UntarOptions {
  signal?: AbortSignal;
}

/** Extracts `source` into existing directory `dir`. Rejects with the source's error, or tar's stderr. */
export async function untar(source: AsyncIterable<Uint8Array>, dir: string, opts: UntarOptions = {}): Promise<void> {
  const child = spawn('tar', [...TAR_ARGS, `--directory=${dir}`], {
    stdio: ['pipe', 'ignore', 'pipe'],
    signal: opts.signal,
  });
  const stderr: Buffer[] = [];
  child.stderr.on('data', (b: Buffer) => stderr.push(b));
  const exited = new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.on('error', (error) => resolve({ code: null, error }));
    child.on('close', (code) => resolve({ code }));
  });
  let feedError: unknown;
  try {
    await pipeline(Readable.from(source, { objectMode: false }), child.stdin);
  } catch (err) {
    feedError = err;
    child.kill('SIGKILL');
  }
  const { code, error } = await exited;
  const sourceFailed = feedError !== undefined && !isPipeError(feedError);
  if (sourceFailed) throw feedError;
  if (error) throw error;
  if (code !== 0) {
    const msg = Buffer.concat(stderr).toString().trim();
    // GNU tar's words for ENOSPC/EDQUOT: a short write, or the errno text.
    if (/No space left on device|Disk quota exceeded|Wrote only \d+ of \d+ bytes/.test(msg))
      throw new BerthError('internal', `no space left on device: cannot unpack into ${dir}`);
    throw new Error(`tar: ${msg || `exit status ${code}`}`);
  }
  if (feedError !== undefined) throw feedError;
}

function isPipeError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ERR_STREAM_DESTROYED';
}
