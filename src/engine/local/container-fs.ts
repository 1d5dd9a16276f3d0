/**
 * A container's files from outside: `cp` both ways (the archive endpoints),
 * `export`. Every path is resolved inside the container root as the
 * container sees it (host/scoped-path.ts); extraction goes through
 * core/containers/archive.ts's checks. The caller (ContainerService) hands
 * in a root that is mounted and, for a running container, frozen.
 */
import { lstat, readdir } from 'node:fs/promises';
import { posix } from 'node:path';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { confineExtraction, goFileMode } from '../../core/containers/archive.ts';
import { packTree } from '../../host/pack.ts';
import { resolveInRoot } from '../../host/scoped-path.ts';
import { untar } from '../../host/untar.ts';
import { invalidArgument, notFound } from '../../lib/errors.ts';
import type { PathStat, PutArchiveOptions } from '../types.ts';

/** Where a container path is on the host: its resolved parent, its own name there, and its lstat. */
interface Located {
  /** The container path as asked for, made absolute. */
  path: string;
  /** Host path of the entry itself (its last component not followed, unless the path ends in `/` or `/.`). */
  host: string;
  parentHost: string;
  base: string;
  stat: PathStat;
}

/** Finds `path` in `root` the way Docker's archive endpoints do; 'not-found' if it is not there. */
export async function locate(root: string, path: string): Promise<Located> {
  if (path === '') throw invalidArgument('path must not be empty');
  const abs = posix.normalize(`/${path}`);
  // "dir/" and "dir/." mean the directory the path leads to: follow a final symlink.
  const followLast = /\/\.?$/.test(path);
  const { host, inContainer } = await resolveInRoot(root, abs, { followLast });
  let st: Awaited<ReturnType<typeof lstat>>;
  try {
    st = await lstat(host);
  } catch {
    throw notFound(`Could not find the file ${path} in container`);
  }
  const base = inContainer === '/' ? '/' : posix.basename(inContainer);
  let linkTarget = '';
  if (st.isSymbolicLink()) {
    linkTarget = (await resolveInRoot(root, inContainer)).inContainer;
  }
  return {
    path: abs,
    host,
    parentHost: posix.dirname(host),
    base,
    stat: {
      name: base === '/' ? '/' : posix.basename(abs),
      size: st.size,
      mode: goFileMode(st),
      mtime: st.mtime.toISOString(),
      linkTarget,
    },
  };
}

/** The tar GET /containers/{id}/archive sends: the entry (a directory recursively) under its own base name. */
export async function* archiveOf(located: Located): AsyncGenerator<Uint8Array> {
  if (located.base === '/') {
    yield* await exportRootfs(located.host);
    return;
  }
  const hostBase = posix.basename(located.host);
  const wanted = located.stat.name;
  // Renames member and hard-link names, never symlink targets (flag S).
  const transforms = hostBase === wanted ? [] : [`s,^${escapeSed(hostBase)},${escapeSed(wanted)},S`];
  yield* packTree({ dir: located.parentHost, paths: [hostBase], transforms });
}

function escapeSed(s: string): string {
  return s.replace(/[\\,.*[\]^$&]/g, '\\$&');
}

/** Extracts a tar (plain or gzip) into directory `opts.path` of `root`, confined to it. */
export async function extractInto(root: string, opts: PutArchiveOptions): Promise<void> {
  const { host } = await resolveInRoot(root, opts.path);
  let st: Awaited<ReturnType<typeof lstat>>;
  try {
    st = await lstat(host);
  } catch {
    throw notFound(`Could not find the file ${opts.path} in container`);
  }
  if (!st.isDirectory()) throw invalidArgument(`extraction point is not a directory: ${opts.path}`);
  const checked = confineExtraction(await maybeGunzip(opts.tar), {
    dest: host,
    keepOwners: opts.copyUIDGID === true,
    noOverwriteDirNonDir: opts.noOverwriteDirNonDir === true,
  });
  try {
    await untar(checked, host);
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('tar:')) throw invalidArgument(err.message, { cause: err });
    throw err;
  }
}

/** A whole root filesystem as a tar (names relative: `bin/`, `etc/passwd`…). */
export async function exportRootfs(root: string): Promise<AsyncIterable<Uint8Array>> {
  const top = (await readdir(root)).sort();
  return packTree({ dir: root, paths: top.length ? top : ['.'] });
}

/** Peeks at the first bytes; a gzip stream is decompressed (Docker accepts compressed archives). */
async function maybeGunzip(src: AsyncIterable<Uint8Array>): Promise<AsyncIterable<Uint8Array>> {
  const it = src[Symbol.asyncIterator]();
  const first = await it.next();
  const head = first.done ? new Uint8Array(0) : first.value;
  async function* all(): AsyncGenerator<Uint8Array> {
    if (head.byteLength) yield head;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  if (head[0] === 0x1f && head[1] === 0x8b) return pipeline(Readable.from(all()), createGunzip(), () => {});
  return all();
}
