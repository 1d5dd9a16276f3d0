/**
 * Archives into and out of a container's root filesystem (`cp`, the
 * `/containers/{id}/archive` endpoints): the checks that keep every write
 * and read inside the container root.
 *
 * Extraction (`confineExtraction`) passes a tar through to GNU tar only
 * after checking each entry, as it streams:
 *
 * - names are cleaned (a leading `/` dropped, so absolute names land inside
 *   the destination); a `..` component is refused;
 * - an entry, or a hard link's target, whose parent path goes through a
 *   symlink — one created earlier in the same archive, or one already in the
 *   container — or through a non-directory is refused. GNU tar opens parent
 *   directories by path and would follow such a link out of the root; so the
 *   only symlinks written are leaves, which GNU tar replaces rather than
 *   follows;
 * - a directory entry over an existing symlink is refused (for the same
 *   reason), and with `noOverwriteDirNonDir` so is any entry that would turn
 *   a directory into a non-directory or the reverse (Docker's default);
 * - owners become root (0:0) unless `keepOwners` (`cp -a`);
 * - `trusted.overlay.*` xattrs are dropped; unknown entry types refused.
 *
 * A refused entry fails the whole request ('invalid-argument'); entries
 * before it may already be written (as with Docker).
 */
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidArgument } from '../../lib/errors.ts';
import { encodeHeader, endOfArchive, headerInput, padding, readTar, TarFormatError } from '../../lib/tar.ts';
import { cleanName } from '../snapshots/layer.ts';

type Kind = 'dir' | 'symlink' | 'other';

export interface ExtractionOptions {
  /** The (already resolved, existing) host directory the archive is extracted into. */
  dest: string;
  /** Keep the archive's uid/gid (default: chown to 0:0). */
  keepOwners?: boolean;
  /** Refuse to replace a directory with a non-directory or the reverse. */
  noOverwriteDirNonDir?: boolean;
}

/** The checked tar to hand to GNU tar for extraction into `opts.dest`. */
export async function* confineExtraction(
  source: AsyncIterable<Uint8Array>,
  opts: ExtractionOptions,
): AsyncGenerator<Uint8Array> {
  const kinds = new Map<string, Kind>();
  const onDisk = async (rel: string): Promise<Kind | undefined> => {
    const known = kinds.get(rel);
    if (known) return known;
    try {
      const st = await lstat(join(opts.dest, rel));
      return st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : 'other';
    } catch {
      return undefined;
    }
  };
  const checkParents = async (name: string, raw: string): Promise<void> => {
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      const kind = await onDisk(prefix);
      if (kind === 'symlink') {
        throw invalidArgument(`archive entry "${raw}" goes through symlink "${prefix}": refusing to follow it`);
      }
      if (kind === 'other') throw invalidArgument(`archive entry "${raw}": "${prefix}" is not a directory`);
    }
  };
  try {
    for await (const { header, body } of readTar(source)) {
      const name = cleanName(header.name);
      if (name === '') continue; // the destination itself
      if (header.type === 'other') {
        throw invalidArgument(`unsupported tar entry type '${header.typeflag}' for "${header.name}"`);
      }
      if ([...header.pax.keys()].some((k) => k.startsWith('GNU.sparse.'))) {
        throw invalidArgument(`unsupported sparse file "${header.name}"`);
      }
      await checkParents(name, header.name);
      const existing = await onDisk(name);
      const isDir = header.type === 'directory';
      if (isDir && existing === 'symlink') {
        throw invalidArgument(`archive entry "${header.name}": a directory over symlink "${name}" is refused`);
      }
      if (opts.noOverwriteDirNonDir && existing !== undefined && existing !== 'symlink') {
        if (existing === 'dir' && !isDir) {
          throw invalidArgument(`cannot overwrite directory "${name}" with non-directory "${header.name}"`);
        }
        if (existing !== 'dir' && isDir) {
          throw invalidArgument(`cannot overwrite non-directory "${name}" with directory "${header.name}"`);
        }
      }
      const out = headerInput(header, name, (k) => k.startsWith('SCHILY.xattr.trusted.overlay.'));
      if (!opts.keepOwners) {
        out.uid = 0;
        out.gid = 0;
        delete out.uname;
        delete out.gname;
      }
      if (header.type === 'link') {
        const target = cleanName(header.linkname);
        if (target === '') throw invalidArgument(`invalid hard link "${header.name}" -> "${header.linkname}"`);
        await checkParents(target, header.linkname);
        const targetKind = await onDisk(target);
        if (targetKind === undefined || targetKind === 'dir') {
          throw invalidArgument(`invalid hard link "${header.name}" -> "${header.linkname}"`);
        }
        out.linkname = target;
      }
      kinds.set(name, isDir ? 'dir' : header.type === 'symlink' ? 'symlink' : 'other');
      if (!isDir) for (const k of [...kinds.keys()]) if (k.startsWith(`${name}/`)) kinds.delete(k);
      yield encodeHeader(out);
      if (header.type === 'file') {
        for await (const chunk of body) yield chunk;
        yield padding(header.size);
      }
    }
    yield endOfArchive();
  } catch (err) {
    if (err instanceof TarFormatError) throw invalidArgument(err.message, { cause: err });
    throw err;
  }
}

/** Go's os.FileMode of an lstat result (what `X-Docker-Container-Path-Stat` carries). */
export function goFileMode(st: {
  mode: number;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}): number {
  let m = st.mode & 0o777;
  if (st.isDirectory()) m += 2 ** 31;
  if (st.isSymbolicLink()) m += 2 ** 27;
  if (st.isFIFO()) m += 2 ** 25;
  if (st.isSocket()) m += 2 ** 24;
  if (st.isBlockDevice()) m += 2 ** 26;
  if (st.isCharacterDevice()) m += 2 ** 26 + 2 ** 21;
  if (st.mode & 0o4000) m += 2 ** 23;
  if (st.mode & 0o2000) m += 2 ** 22;
  if (st.mode & 0o1000) m += 2 ** 20;
  return m;
}
