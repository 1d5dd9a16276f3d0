/**
 * Paths inside a root directory (a container's rootfs) resolved the way the
 * container would see them: symlinks are followed *within* the root — an
 * absolute target starts again at the root, `..` stops at the root — so the
 * result is always the root or below it (Docker's FollowSymlinkInScope).
 *
 * A check, not a lock: the result is safe to use as long as nothing changes
 * the tree meanwhile (callers freeze a running container first).
 */
import { lstat, readlink } from 'node:fs/promises';
import { posix } from 'node:path';
import { invalidArgument } from '../lib/errors.ts';

const MAX_LINKS = 255;

/**
 * Resolves container path `path` under host directory `root`, following
 * every symlink (the last component too, unless `followLast` is false).
 * Components that do not exist are kept as they are. Returns the host path
 * and the container path it stands for.
 */
export async function resolveInRoot(
  root: string,
  path: string,
  opts: { followLast?: boolean } = {},
): Promise<{ host: string; inContainer: string }> {
  const followLast = opts.followLast !== false;
  let pending = posix.normalize(`/${path}`).split('/').filter(Boolean);
  const done: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const candidate = [...done, part];
    const host = posix.join(root, ...candidate);
    const isLast = pending.length === 0;
    let st: Awaited<ReturnType<typeof lstat>> | undefined;
    try {
      st = await lstat(host);
    } catch {
      st = undefined;
    }
    if (st?.isSymbolicLink() && (!isLast || followLast)) {
      if (++links > MAX_LINKS) throw invalidArgument(`too many levels of symbolic links: ${path}`);
      const target = await readlink(host);
      const parts = target.split('/').filter(Boolean);
      if (target.startsWith('/')) done.length = 0;
      pending = [...parts, ...pending];
      continue;
    }
    done.push(part);
  }
  const inContainer = `/${done.join('/')}`;
  return { host: done.length === 0 ? root : posix.join(root, ...done), inContainer };
}

/** Whether host path `p` is `root` or below it (lexically). */
export function isWithin(root: string, p: string): boolean {
  const r = posix.normalize(root).replace(/\/+$/, '');
  const n = posix.normalize(p);
  return n === r || n.startsWith(`${r}/`);
}
