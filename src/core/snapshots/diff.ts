/**
 * Overlay upper dir → layer tar, the inverse of layer.ts, and the list of
 * changes `docker diff` shows.
 *
 * The upper dir of an active snapshot is exactly the container's changes,
 * in overlayfs's notation; a layer says the same in the OCI notation:
 *
 * - a character device 0/0 at `dir/name` (overlay whiteout) becomes an empty
 *   file `dir/.wh.name`;
 * - a directory with the xattr `trusted.overlay.opaque=y` is written as the
 *   directory followed by an empty file `dir/.wh..wh..opq`;
 * - every other `trusted.overlay.*` xattr is dropped (overlay bookkeeping).
 *
 * Names are relative (`etc/passwd`, no `./`), sorted, directories with a
 * trailing `/`; the layer root itself is not an entry.
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { packTree } from '../../host/pack.ts';
import {
  encodeHeader,
  endOfArchive,
  headerInput,
  padding,
  readTar,
  type TarHeader,
  type TarHeaderInput,
} from '../../lib/tar.ts';

const OPAQUE_XATTR = 'SCHILY.xattr.trusted.overlay.opaque';
const OVERLAY_XATTR_PREFIX = 'SCHILY.xattr.trusted.overlay.';
const utf8 = new TextDecoder();

/** Streams the OCI layer tar of an overlay upper dir (uncompressed). */
export async function* diffUpperDir(upper: string, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  for await (const { header, body } of readTar(packTree({ dir: upper, signal }))) {
    const name = header.name.replace(/^(\.\/)+/, '').replace(/^\.$/, '');
    if (name === '' || name === '/') continue;
    const clean = name.replace(/\/+$/, '');
    if (header.type === 'char' && header.devmajor === 0 && header.devminor === 0) {
      const slash = clean.lastIndexOf('/');
      yield encodeHeader({
        name: `${clean.slice(0, slash + 1)}.wh.${clean.slice(slash + 1)}`,
        type: 'file',
        mode: 0o644,
        mtime: header.mtime,
      });
      continue;
    }
    const opaque = header.type === 'directory' && isYes(header.pax.get(OPAQUE_XATTR));
    yield encodeHeader(outputHeader(header, clean));
    if (header.type === 'file') {
      for await (const chunk of body) yield chunk;
      yield padding(header.size);
    }
    if (opaque) {
      yield encodeHeader({ name: `${clean}/.wh..wh..opq`, type: 'file', mode: 0o644, mtime: header.mtime });
    }
  }
  yield endOfArchive();
}

function isYes(v: Uint8Array | undefined): boolean {
  return v !== undefined && utf8.decode(v).replace(/\0$/, '') === 'y';
}

function outputHeader(h: TarHeader, name: string): TarHeaderInput {
  const out = headerInput(h, name, (k) => k.startsWith(OVERLAY_XATTR_PREFIX));
  if (h.type === 'link') out.linkname = h.linkname.replace(/^(\.\/)+/, '');
  // Owners by number only, as layers carry them.
  delete out.uname;
  delete out.gname;
  return out;
}

/** One change of a container's filesystem, as `docker diff` shows it: 0 modified, 1 added, 2 deleted. */
export interface Change {
  /** Absolute path inside the container. */
  path: string;
  kind: 0 | 1 | 2;
}

/**
 * The changes an upper dir makes over its lower dirs (top layer first): a
 * whiteout is a deletion; an entry also present below is a modification
 * (directories included, as Docker reports `C /tmp` for a file added in
 * /tmp); anything else is an addition, and so is everything below an added
 * or opaque directory. Sorted by path.
 */
export async function upperDirChanges(upper: string, lowers: readonly string[]): Promise<Change[]> {
  const out: Change[] = [];
  const walk = async (rel: string, below: boolean): Promise<void> => {
    let entries: string[];
    try {
      entries = await readdir(join(upper, rel));
    } catch {
      return;
    }
    for (const name of entries.sort()) {
      const r = rel === '' ? name : `${rel}/${name}`;
      const st = await lstat(join(upper, r));
      if (st.isCharacterDevice() && st.rdev === 0) {
        out.push({ path: `/${r}`, kind: 2 });
        continue;
      }
      const existed = below && (await existsBelow(r, lowers));
      out.push({ path: `/${r}`, kind: existed ? 0 : 1 });
      if (st.isDirectory()) await walk(r, existed);
    }
  };
  await walk('', true);
  return out;
}

/** Whether `rel` is visible in the stack of lower dirs (the topmost one that has an entry decides). */
async function existsBelow(rel: string, lowers: readonly string[]): Promise<boolean> {
  for (const lower of lowers) {
    try {
      const st = await lstat(join(lower, rel));
      return !(st.isCharacterDevice() && st.rdev === 0);
    } catch {}
  }
  return false;
}
