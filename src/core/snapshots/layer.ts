/**
 * Layer tar → overlay tar: the checks and translations applied to a layer
 * before anything touches the disk. The output is a tar that GNU tar can
 * extract verbatim into an overlay layer directory:
 *
 * - `dir/.wh.name` (an OCI whiteout) becomes a character device 0/0 at
 *   `dir/name`, overlayfs's whiteout;
 * - `dir/.wh..wh..opq` (opaque marker) becomes the xattr
 *   `trusted.overlay.opaque=y` on `dir`, written as a directory entry at the end;
 * - other `.wh..wh.*` entries (aufs metadata) are dropped;
 * - `trusted.overlay.*` xattrs from the input are dropped (only this module
 *   sets overlay metadata).
 *
 * Safety: names are cleaned (leading `/` and `.` components dropped, so an
 * absolute name lands inside the layer, as with Docker); a name or hard-link
 * target with a `..` component is refused; so is any entry or hard-link target
 * whose path passes through a symlink or a non-directory created earlier in
 * the same layer (a layer directory starts empty, so nothing else can be in
 * the way). Hence no write can leave the layer directory.
 *
 * The diffID (sha256 of the input bytes) and the layer size (bytes of regular
 * files) are computed on the way.
 */
import { createDigester, type Digest } from '../../lib/digest.ts';
import { invalidArgument } from '../../lib/errors.ts';
import {
  encodeHeader,
  endOfArchive,
  headerInput,
  padding,
  readTar,
  type TarHeader,
  type TarHeaderInput,
  TarFormatError,
} from '../../lib/tar.ts';

const WHITEOUT_PREFIX = '.wh.';
const WHITEOUT_META_PREFIX = '.wh..wh.';
const WHITEOUT_OPAQUE = '.wh..wh..opq';
const OPAQUE_XATTR = 'SCHILY.xattr.trusted.overlay.opaque';
const enc = new TextEncoder();

export interface LayerSummary {
  diffId: Digest;
  size: number;
}

export interface TranslatedLayer {
  /** The overlay tar; consuming it reads the whole input. Throws 'invalid-argument' on a refused entry. */
  tar: AsyncGenerator<Uint8Array>;
  /** Valid once `tar` has been consumed to the end. */
  summary(): LayerSummary;
}

type Kind = 'dir' | 'symlink' | 'other';

export function translateLayer(source: AsyncIterable<Uint8Array>): TranslatedLayer {
  const digester = createDigester();
  let size = 0;
  let finished = false;
  async function* tapped(): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      digester.update(chunk);
      yield chunk;
    }
  }
  async function* run(): AsyncGenerator<Uint8Array> {
    const kinds = new Map<string, Kind>();
    const dirHeaders = new Map<string, TarHeader>();
    const opaque = new Set<string>();
    try {
      for await (const { header, body } of readTar(tapped())) {
        const name = cleanName(header.name);
        const parts = name === '' ? [] : name.split('/');
        if (parts.some((p) => p.startsWith(WHITEOUT_META_PREFIX) && p !== WHITEOUT_OPAQUE)) continue;
        const base = parts[parts.length - 1] ?? '';
        const dir = parts.slice(0, -1).join('/');
        if (base === WHITEOUT_OPAQUE) {
          checkParents(kinds, name);
          markDir(kinds, dir);
          opaque.add(dir);
          continue;
        }
        if (base.startsWith(WHITEOUT_PREFIX)) {
          const hidden = base.slice(WHITEOUT_PREFIX.length);
          if (hidden === '') throw invalidArgument(`invalid whiteout "${header.name}" in layer`);
          const target = dir === '' ? hidden : `${dir}/${hidden}`;
          checkParents(kinds, target);
          setKind(kinds, target, 'other');
          yield encodeHeader({
            name: target,
            type: 'char',
            mode: 0,
            uid: header.uid,
            gid: header.gid,
            mtime: header.mtime,
          });
          continue;
        }
        if (header.type === 'other') {
          throw invalidArgument(`unsupported tar entry type '${header.typeflag}' for "${header.name}" in layer`);
        }
        if ([...header.pax.keys()].some((k) => k.startsWith('GNU.sparse.'))) {
          throw invalidArgument(`unsupported sparse file "${header.name}" in layer`);
        }
        if (name === '') {
          // The layer root itself: only its opaque marker matters, and that is handled above.
          continue;
        }
        checkParents(kinds, name);
        const out = toOutput(header, name);
        if (header.type === 'link') {
          const target = cleanName(header.linkname);
          if (target === '' || kinds.get(target) === undefined || kinds.get(target) === 'dir') {
            throw invalidArgument(`invalid hardlink "${header.name}" -> "${header.linkname}" in layer`);
          }
          checkParents(kinds, target);
          out.linkname = target;
        }
        setKind(kinds, name, header.type === 'directory' ? 'dir' : header.type === 'symlink' ? 'symlink' : 'other');
        if (header.type === 'directory') dirHeaders.set(name, header);
        yield encodeHeader(out);
        if (header.type === 'file') {
          for await (const chunk of body) yield chunk;
          yield padding(header.size);
          size += header.size;
        }
      }
      for (const dir of [...opaque].sort()) {
        if (dir !== '' && kinds.get(dir) !== 'dir') continue; // replaced by a non-directory later in the layer
        const h = dirHeaders.get(dir);
        const base: TarHeaderInput = h ? toOutput(h, dir) : { name: dir, type: 'directory', mode: 0o755 };
        const pax = new Map(base.pax ?? []);
        pax.set(OPAQUE_XATTR, enc.encode('y'));
        yield encodeHeader({ ...base, name: dir === '' ? '.' : dir, pax });
      }
      yield endOfArchive();
      finished = true;
    } catch (err) {
      if (err instanceof TarFormatError) throw invalidArgument(err.message, { cause: err });
      throw err;
    }
  }
  return {
    tar: run(),
    summary() {
      if (!finished) throw new Error('layer summary read before the layer was consumed');
      return { diffId: digester.digest(), size };
    },
  };
}

/** Cleans an archive path: drops empty and `.` components (so `/a` is `a`); refuses `..`. '' is the root. */
export function cleanName(raw: string): string {
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw invalidArgument(`archive entry "${raw}" escapes the layer root`);
  return parts.join('/');
}

function checkParents(kinds: Map<string, Kind>, name: string): void {
  const parts = name.split('/');
  for (let i = 1; i < parts.length; i++) {
    const prefix = parts.slice(0, i).join('/');
    const kind = kinds.get(prefix);
    if (kind === 'symlink') {
      throw invalidArgument(`archive entry "${name}" goes through symlink "${prefix}": refusing to follow it`);
    }
    if (kind === 'other') throw invalidArgument(`archive entry "${name}": "${prefix}" is not a directory`);
  }
}

function markDir(kinds: Map<string, Kind>, dir: string): void {
  if (dir === '') return;
  const parts = dir.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const p = parts.slice(0, i).join('/');
    if (!kinds.has(p)) kinds.set(p, 'dir');
  }
}

function setKind(kinds: Map<string, Kind>, name: string, kind: Kind): void {
  markDir(kinds, name.split('/').slice(0, -1).join('/'));
  if (kinds.get(name) === 'dir' && kind !== 'dir') {
    const prefix = `${name}/`;
    for (const k of kinds.keys()) if (k.startsWith(prefix)) kinds.delete(k);
  }
  kinds.set(name, kind);
}

function toOutput(h: TarHeader, name: string): TarHeaderInput {
  return headerInput(
    h,
    name,
    (k) => k.startsWith('SCHILY.xattr.trusted.overlay.') || k.startsWith('LIBARCHIVE.xattr.'),
  );
}
