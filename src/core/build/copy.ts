/**
 * COPY and ADD into a mounted root filesystem, with Docker's rules:
 *
 * - sources are paths or Go-style globs (`*`, `?`, `[...]`, per path
 *   component) relative to the source root (the context or another stage);
 *   a directory source copies its *contents*;
 * - a destination ending in `/`, an existing directory, or several sources
 *   make the destination a directory (several sources without a trailing `/`
 *   are an error); a relative destination is relative to WORKDIR; missing
 *   parents are created (0755);
 * - files keep their mode and mtime; ownership is 0:0 for context files (kept
 *   for files from another stage) unless `--chown`; `--chmod` sets the mode;
 * - ADD unpacks local tar archives (plain, gzip, bzip2, xz) into the
 *   destination.
 *
 * Every destination path is resolved inside the root with symlinks followed
 * as the container would see them (absolute links re-rooted), so nothing is
 * written outside it; an existing symlink at a file's place is replaced, not
 * written through.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import {
  chmod,
  copyFile,
  lchown,
  lstat,
  lutimes,
  mkdir,
  mkdtemp,
  open,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  unlink,
  utimes,
} from 'node:fs/promises';
import { basename, join, posix } from 'node:path';
import { invalidArgument } from '../../lib/errors.ts';

const MAX_LINKS = 255;

/**
 * The host path of `path` inside `root`, following symlinks as if `root`
 * were `/` (absolute targets re-rooted, `..` clamped at the root). Missing
 * components are appended as they are. With `followLast` false, a final
 * symlink is not followed.
 */
export async function resolveInRoot(root: string, path: string, followLast = true): Promise<string> {
  let pending = path.split('/').filter((p) => p !== '' && p !== '.');
  const done: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '..') {
      done.pop();
      continue;
    }
    const host = join(root, ...done, part);
    const st = await lstat(host).catch(() => undefined);
    if (st === undefined) {
      done.push(part, ...pending.filter((p) => p !== '.'));
      // Missing: the rest cannot contain symlinks; keep `..` handling lexical.
      return join(root, ...posix.normalize(`/${done.join('/')}`).split('/'));
    }
    if (st.isSymbolicLink() && (pending.length > 0 || followLast)) {
      if (++links > MAX_LINKS) throw invalidArgument(`too many levels of symbolic links: ${path}`);
      const target = await readlink(host);
      const parts = target.split('/').filter((p) => p !== '' && p !== '.');
      if (target.startsWith('/')) done.length = 0;
      pending = [...parts, ...pending];
      continue;
    }
    done.push(part);
  }
  return join(root, ...done);
}

/** Go's filepath.Match for one path component, as a RegExp. */
function componentRe(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i]!);
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) throw invalidArgument(`syntax error in pattern: ${pattern}`);
      let body = pattern.slice(i + 1, end);
      if (body.startsWith('^') || body.startsWith('!')) body = `^${body.slice(1)}`;
      re += `[${body.replace(/\\(?!\])/g, '\\\\')}]`;
      i = end;
    } else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`, 's');
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

export function hasGlob(p: string): boolean {
  return /[*?[]/.test(p);
}

/**
 * Expands one source pattern against a tree listed by `list(dir)` (names in
 * a directory; `''` is the root). Returns matching paths (`''` for the root
 * itself), sorted.
 */
export async function matchSources(
  pattern: string,
  list: (dir: string) => Promise<string[] | undefined>,
  exists: (path: string) => Promise<boolean>,
): Promise<string[]> {
  const clean = posix.normalize(`/${pattern}`).slice(1).replace(/\/$/, '');
  if (!hasGlob(clean)) return (await exists(clean)) ? [clean] : [];
  let current = [''];
  for (const comp of clean.split('/')) {
    const next: string[] = [];
    if (!hasGlob(comp)) {
      for (const d of current) {
        const p = d === '' ? comp : `${d}/${comp}`;
        if (await exists(p)) next.push(p);
      }
    } else {
      const re = componentRe(comp);
      for (const d of current) {
        for (const name of (await list(d)) ?? []) if (re.test(name)) next.push(d === '' ? name : `${d}/${name}`);
      }
    }
    current = next;
  }
  return current.sort();
}

/** A listing over a directory on disk, for {@link matchSources}. */
export function diskTree(root: string): {
  list: (dir: string) => Promise<string[] | undefined>;
  exists: (p: string) => Promise<boolean>;
} {
  return {
    list: async (dir) => {
      const host = await resolveInRoot(root, dir);
      return readdir(host).catch(() => undefined);
    },
    exists: async (p) => {
      if (p === '') return true;
      const host = await resolveInRoot(root, p, false);
      return (await lstat(host).catch(() => undefined)) !== undefined;
    },
  };
}

export interface Owner {
  uid: number;
  gid: number;
}

export interface CopyOptions {
  /** Host path of the tree the sources are in (unpacked context, or another stage's mounted rootfs). */
  srcRoot: string;
  /** Source paths relative to `srcRoot`, already matched (see matchSources); `''` is the root. */
  sources: string[];
  /** Host path of the destination root filesystem (mounted). */
  destRoot: string;
  /** The destination inside `destRoot`, absolute; a trailing `/` makes it a directory. */
  dest: string;
  /** Owner of everything copied (and of directories created); undefined: 0:0, or kept when `keepOwner`. */
  chown?: Owner;
  /** Keep the source's owners (COPY --from another stage or image). */
  keepOwner: boolean;
  /** Mode for everything copied. */
  chmod?: number;
  /** ADD: unpack local tar archives. */
  unpackArchives: boolean;
  /** The instruction name for messages (`COPY`/`ADD`). */
  what: string;
  /** A directory outside both roots for scratch files (archives unpack there first). */
  scratchDir: string;
  /** `--exclude`: paths (relative to `srcRoot`) left out. */
  exclude?: (path: string) => boolean;
}

/** Copies with Docker's COPY/ADD semantics. */
export async function copyInto(o: CopyOptions): Promise<void> {
  const destIsDir = o.dest.endsWith('/') || o.dest.endsWith('/.') || o.sources.length > 1;
  if (o.sources.length > 1 && !(o.dest.endsWith('/') || o.dest.endsWith('/.'))) {
    throw invalidArgument(
      `When using ${o.what} with more than one source file, the destination must be a directory and end with a /`,
    );
  }
  const owner = (st: { uid: number; gid: number }): Owner =>
    o.chown ?? (o.keepOwner ? { uid: st.uid, gid: st.gid } : { uid: 0, gid: 0 });
  const ensureDir = async (path: string): Promise<string> => {
    // Creates `path` (absolute in destRoot) and missing parents; new ones get 0755 and the --chown owner.
    const parts = path.split('/').filter((p) => p !== '');
    let cur = '';
    let host = destRoot();
    for (const p of parts) {
      cur = `${cur}/${p}`;
      host = await resolveInRoot(o.destRoot, cur);
      const st = await stat(host).catch(() => undefined);
      if (st === undefined) {
        await mkdir(host, { mode: 0o755 });
        await chmod(host, 0o755);
        const ow = o.chown ?? { uid: 0, gid: 0 };
        await lchown(host, ow.uid, ow.gid);
      } else if (!st.isDirectory()) {
        throw invalidArgument(`${o.what} failed: cannot copy to ${path}: ${cur} is not a directory`);
      }
    }
    return host;
  };
  const destRoot = () => o.destRoot;

  const copyEntry = async (
    srcHost: string,
    destDirHost: string,
    name: string,
    destPath: string,
    srcRel: string,
  ): Promise<void> => {
    if (o.exclude?.(srcRel)) return;
    const st = await lstat(srcHost);
    const target = join(destDirHost, name);
    const ow = owner(st);
    if (st.isDirectory()) {
      let dirHost = await resolveInRoot(o.destRoot, destPath);
      const existing = await stat(dirHost).catch(() => undefined);
      if (existing === undefined) {
        await mkdir(dirHost);
        dirHost = await resolveInRoot(o.destRoot, destPath);
      } else if (!existing.isDirectory()) {
        await rm(dirHost, { force: true });
        await mkdir(dirHost);
      }
      await copyDirContents(srcHost, dirHost, destPath, srcRel);
      await lchown(dirHost, ow.uid, ow.gid);
      await chmod(dirHost, o.chmod ?? st.mode & 0o7777);
      await utimes(dirHost, st.atime, st.mtime);
      return;
    }
    const old = await lstat(target).catch(() => undefined);
    if (old?.isDirectory() && !st.isDirectory()) {
      throw invalidArgument(`${o.what} failed: cannot replace directory ${destPath} with a file`);
    }
    if (old) await unlink(target);
    if (st.isSymbolicLink()) {
      await symlink(await readlink(srcHost), target);
      await lchown(target, ow.uid, ow.gid);
      await lutimes(target, st.atime, st.mtime);
      return;
    }
    if (!st.isFile()) return; // devices, fifos and sockets are not copied
    await copyFile(srcHost, target);
    await lchown(target, ow.uid, ow.gid);
    await chmod(target, o.chmod ?? st.mode & 0o7777);
    await utimes(target, st.atime, st.mtime);
  };

  const copyDirContents = async (srcDir: string, destDirHost: string, destPath: string, srcRel: string) => {
    for (const name of (await readdir(srcDir)).sort()) {
      const rel = srcRel === '' ? name : `${srcRel}/${name}`;
      await copyEntry(join(srcDir, name), destDirHost, name, posix.join(destPath, name), rel);
    }
  };

  for (const src of o.sources) {
    if (src !== '' && o.exclude?.(src)) continue;
    const srcHost = await resolveInRoot(o.srcRoot, src);
    const st = await stat(srcHost).catch(() => undefined);
    if (st === undefined) {
      throw invalidArgument(`${o.what} failed: file not found in build context or excluded by .dockerignore: ${src}`);
    }
    if (st.isDirectory()) {
      const destDir = await ensureDir(o.dest);
      await copyDirContents(srcHost, destDir, posix.normalize(o.dest), src);
      continue;
    }
    if (o.unpackArchives && (await isArchive(srcHost))) {
      const destDir = await ensureDir(o.dest);
      await unpackInto(srcHost, destDir, o);
      continue;
    }
    const existing = await stat(await resolveInRoot(o.destRoot, o.dest)).catch(() => undefined);
    if (destIsDir || existing?.isDirectory()) {
      const destDir = await ensureDir(o.dest);
      const name = basename(src) || basename(srcHost);
      await copyEntry(srcHost, destDir, name, posix.join(o.dest, name), src);
    } else {
      const dest = posix.normalize(o.dest);
      const parent = posix.dirname(dest);
      const destDir = await ensureDir(parent);
      // A file source given through a symlink is copied as the file it points to.
      await copyFileAs(srcHost, destDir, posix.basename(dest), owner(st), o.chmod);
    }
  }
}

async function copyFileAs(srcHost: string, destDirHost: string, name: string, ow: Owner, mode?: number): Promise<void> {
  const st = await stat(srcHost);
  const target = join(destDirHost, name);
  const old = await lstat(target).catch(() => undefined);
  if (old?.isDirectory()) throw invalidArgument(`cannot replace directory ${name} with a file`);
  if (old) await unlink(target);
  await copyFile(srcHost, target);
  await lchown(target, ow.uid, ow.gid);
  await chmod(target, mode ?? st.mode & 0o7777);
  await utimes(target, st.atime, st.mtime);
}

/** Whether a file is a tar archive, plain or compressed (gzip, bzip2, xz, zstd). */
export async function isArchive(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await fh.read(head, 0, 512, 0);
    if (bytesRead >= 262 && head.subarray(257, 262).toString() === 'ustar') return true;
    if (head[0] === 0x1f && head[1] === 0x8b) return true;
    if (head.subarray(0, 3).toString() === 'BZh') return true;
    if (head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return true;
    if (head.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) return true;
    return false;
  } finally {
    await fh.close();
  }
}

/** Unpacks an archive into a scratch directory, then copies it in with the safe copier (never through rootfs links). */
async function unpackInto(archive: string, destDirHost: string, o: CopyOptions): Promise<void> {
  void destDirHost;
  const scratch = await mkdtemp(join(o.scratchDir, 'add-'));
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('tar', ['-x', '--no-same-owner', '-f', archive, '-C', scratch], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (b: Buffer) => {
        err += b.toString();
      });
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0
          ? resolve()
          : reject(invalidArgument(`ADD failed: cannot unpack ${basename(archive)}: ${err.trim()}`)),
      );
    });
    // Archive members become 0:0 (or the --chown owner) here; Docker keeps the archive's owners.
    await copyInto({
      ...o,
      srcRoot: scratch,
      sources: [''],
      dest: `${posix.normalize(o.dest)}/`,
      unpackArchives: false,
      keepOwner: false,
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Reads a small file inside a root (e.g. /etc/passwd), '' if absent. */
export async function readInRoot(root: string, path: string): Promise<string> {
  const host = await resolveInRoot(root, path);
  return readFile(host, 'utf8').catch(() => '');
}

/**
 * `--chown=user[:group]` against the destination's /etc/passwd and
 * /etc/group. Names must exist; numbers are taken as they are; without a
 * group, the gid is the uid (Docker's rule).
 */
export async function resolveChown(root: string, spec: string): Promise<Owner> {
  const [u = '', g] = spec.split(':');
  const lookup = async (file: string, name: string, what: string): Promise<number> => {
    if (/^\d+$/.test(name)) return Number(name);
    for (const line of (await readInRoot(root, file)).split('\n')) {
      const f = line.split(':');
      if (f[0] === name && f[2] !== undefined) return Number(f[2]);
    }
    throw invalidArgument(`unable to convert uid/gid chown string to host mapping: can't find ${what} ${name}`);
  };
  const uid = await lookup('/etc/passwd', u, 'uid for user');
  const gid = g === undefined || g === '' ? uid : await lookup('/etc/group', g, 'gid for group');
  return { uid, gid };
}

/** `--chmod` as octal (Docker's classic form). */
export function parseChmod(spec: string): number {
  if (!/^[0-7]{3,4}$/.test(spec))
    throw invalidArgument(`invalid chmod parameter "${spec}": expected an octal mode such as 0755`);
  return Number.parseInt(spec, 8);
}

/** sha256 of a file on disk (hex). */
export async function fileDigest(path: string): Promise<string> {
  const { createHash } = await import('node:crypto');
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}
