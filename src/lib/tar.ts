/**
 * A streaming tar reader and header writer (POSIX ustar + pax, reading GNU
 * long names and base-256 numbers too). Entries are read one at a time and
 * their bodies streamed: an archive is never held in memory.
 *
 * Why not tar-stream here: it decodes pax records as UTF-8 strings and writes
 * them back as strings, which corrupts binary values such as
 * `SCHILY.xattr.security.capability`. Layers need those bytes kept exactly, so
 * pax values are `Uint8Array` here. tar-stream is still fine for writing
 * archives berth makes itself.
 */

export type TarEntryType = 'file' | 'link' | 'symlink' | 'char' | 'block' | 'directory' | 'fifo' | 'other';

/** One entry's header, with pax and GNU extensions applied. */
export interface TarHeader {
  name: string;
  type: TarEntryType;
  /** The raw typeflag character ('0', '5', 'S'…), for error messages about 'other'. */
  typeflag: string;
  linkname: string;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch (integral part). */
  mtime: number;
  devmajor: number;
  devminor: number;
  uname: string;
  gname: string;
  /** Pax records of this entry (global ones merged in), values as raw bytes. */
  pax: Map<string, Uint8Array>;
}

/** An entry as read: its header and its body, which must be consumed (or is skipped) before the next entry. */
export interface TarEntry {
  header: TarHeader;
  body: AsyncIterable<Uint8Array>;
}

const BLOCK = 512;
const MAX_EXTENSION_SIZE = 1 << 20;
const utf8 = new TextDecoder('utf-8');
const enc = new TextEncoder();

/** Byte source that hands out exact-length pieces of an async byte stream. */
class ByteReader {
  readonly #it: AsyncIterator<Uint8Array>;
  #buf: Uint8Array = new Uint8Array(0);
  #done = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#it = source[Symbol.asyncIterator]();
  }

  async #fill(): Promise<boolean> {
    if (this.#done) return false;
    const r = await this.#it.next();
    if (r.done) {
      this.#done = true;
      return false;
    }
    const chunk = r.value;
    this.#buf = this.#buf.byteLength === 0 ? chunk : concat(this.#buf, chunk);
    return true;
  }

  /** Exactly `n` bytes, or null at a clean end of stream; throws on a truncated read. */
  async exact(n: number): Promise<Uint8Array | null> {
    while (this.#buf.byteLength < n) {
      if (!(await this.#fill())) {
        if (this.#buf.byteLength === 0) return null;
        throw new TarFormatError('unexpected end of archive');
      }
    }
    const out = this.#buf.subarray(0, n);
    this.#buf = this.#buf.subarray(n);
    return out;
  }

  /** Streams up to `budget.left` bytes as they arrive, counting them off `budget`. */
  async *stream(budget: { left: number }): AsyncGenerator<Uint8Array> {
    while (budget.left > 0) {
      if (this.#buf.byteLength === 0 && !(await this.#fill())) throw new TarFormatError('unexpected end of archive');
      const take = Math.min(budget.left, this.#buf.byteLength);
      const out = this.#buf.subarray(0, take);
      this.#buf = this.#buf.subarray(take);
      budget.left -= take;
      yield out;
    }
  }

  /** Skips `n` bytes. */
  async skip(n: number): Promise<void> {
    let left = n;
    while (left > 0) {
      if (this.#buf.byteLength === 0 && !(await this.#fill())) throw new TarFormatError('unexpected end of archive');
      const take = Math.min(left, this.#buf.byteLength);
      this.#buf = this.#buf.subarray(take);
      left -= take;
    }
  }

  /** Reads and discards everything left (so a wrapping digester sees every byte). */
  async drain(): Promise<void> {
    this.#buf = new Uint8Array(0);
    while (await this.#fill()) this.#buf = new Uint8Array(0);
  }

  /** Stops the underlying iterator early. */
  async close(): Promise<void> {
    if (!this.#done) {
      this.#done = true;
      await this.#it.return?.();
    }
  }
}

/** A malformed archive. Callers turn it into their own error (e.g. 'invalid-argument'). */
export class TarFormatError extends Error {
  constructor(message: string) {
    super(`invalid tar archive: ${message}`);
    this.name = 'TarFormatError';
  }
}

/**
 * Reads entries from a tar stream. The whole source is consumed, including
 * what follows the end-of-archive marker, so a digest computed over the source
 * covers every byte. A body not consumed by the caller is skipped.
 */
export async function* readTar(source: AsyncIterable<Uint8Array>): AsyncGenerator<TarEntry> {
  const r = new ByteReader(source);
  let globalPax = new Map<string, Uint8Array>();
  let pax: Map<string, Uint8Array> | undefined;
  let longName: string | undefined;
  let longLink: string | undefined;
  try {
    for (;;) {
      const block = await r.exact(BLOCK);
      if (block === null || isZero(block)) break;
      verifyChecksum(block);
      const flag = String.fromCharCode(block[156] ?? 0);
      const blockSize = readNumber(block, 124, 12);
      if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
        if (blockSize > MAX_EXTENSION_SIZE) throw new TarFormatError('extension header too large');
        const data = (await r.exact(Math.ceil(blockSize / BLOCK) * BLOCK)) ?? new Uint8Array(0);
        const body = data.subarray(0, blockSize);
        if (flag === 'x') pax = new Map([...(pax ?? globalPax), ...parsePax(body)]);
        else if (flag === 'g') globalPax = new Map([...globalPax, ...parsePax(body)]);
        else if (flag === 'L') longName = cString(body);
        else longLink = cString(body);
        continue;
      }
      const size = pax?.has('size') ? Number(text(pax.get('size')!)) : blockSize;
      if (!Number.isSafeInteger(size) || size < 0) throw new TarFormatError('bad entry size');
      const header = decodeHeader(block, { pax: pax ?? new Map(globalPax), longName, longLink, size });
      pax = undefined;
      longName = undefined;
      longLink = undefined;
      // Only regular files carry a body; a size on any other type is ignored, as Go's archive/tar (Docker) does.
      const budget = { left: header.type === 'file' ? size : 0 };
      yield { header, body: r.stream(budget) };
      const padded = Math.ceil((header.type === 'file' ? size : 0) / BLOCK) * BLOCK;
      await r.skip(budget.left + padded - (header.type === 'file' ? size : 0));
    }
    await r.drain();
  } finally {
    await r.close();
  }
}

interface DecodeExtras {
  pax: Map<string, Uint8Array>;
  longName: string | undefined;
  longLink: string | undefined;
  size: number;
}

function decodeHeader(b: Uint8Array, x: DecodeExtras): TarHeader {
  const flag = String.fromCharCode(b[156] ?? 0);
  const magic = text(b.subarray(257, 263));
  let name = cString(b.subarray(0, 100));
  if (magic === 'ustar\0') {
    const prefix = cString(b.subarray(345, 500));
    if (prefix) name = `${prefix}/${name}`;
  }
  if (x.longName !== undefined) name = x.longName;
  let linkname = x.longLink ?? cString(b.subarray(157, 257));
  const p = x.pax;
  if (p.has('path')) name = text(p.get('path')!);
  if (p.has('linkpath')) linkname = text(p.get('linkpath')!);
  const num = (key: string, off: number, len: number): number =>
    p.has(key) ? Math.trunc(Number(text(p.get(key)!))) : readNumber(b, off, len);
  let type: TarEntryType;
  switch (flag) {
    case '0':
    case '\0':
    case '7':
      type = name.endsWith('/') ? 'directory' : 'file';
      break;
    case '1':
      type = 'link';
      break;
    case '2':
      type = 'symlink';
      break;
    case '3':
      type = 'char';
      break;
    case '4':
      type = 'block';
      break;
    case '5':
      type = 'directory';
      break;
    case '6':
      type = 'fifo';
      break;
    default:
      type = 'other';
  }
  return {
    name,
    type,
    typeflag: flag,
    linkname,
    size: x.size,
    mode: readNumber(b, 100, 8) & 0o7777,
    uid: num('uid', 108, 8),
    gid: num('gid', 116, 8),
    mtime: num('mtime', 136, 12),
    devmajor: readNumber(b, 329, 8),
    devminor: readNumber(b, 337, 8),
    uname: p.has('uname') ? text(p.get('uname')!) : cString(b.subarray(265, 297)),
    gname: p.has('gname') ? text(p.get('gname')!) : cString(b.subarray(297, 329)),
    pax: p,
  };
}

/** The header fields a writer sets; everything else defaults (mode 0644/0755, root, epoch). */
export interface TarHeaderInput {
  name: string;
  type: Exclude<TarEntryType, 'other'>;
  linkname?: string;
  size?: number;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  devmajor?: number;
  devminor?: number;
  uname?: string;
  gname?: string;
  /** Extra pax records (e.g. `SCHILY.xattr.*`), written verbatim. */
  pax?: ReadonlyMap<string, Uint8Array>;
}

/** Pax keys a re-encoded header recomputes from its fields (never copied from the input). */
const DERIVED_PAX = new Set(['path', 'linkpath', 'size', 'mtime', 'atime', 'ctime', 'uid', 'gid', 'uname', 'gname']);

/**
 * A read header as writer input under a new `name`, for archives passed on
 * after a check or a translation: every field kept, the pax records too except
 * those the writer derives and those `dropPax` rejects. `type` must not be 'other'.
 */
export function headerInput(
  h: TarHeader,
  name: string,
  dropPax: (key: string) => boolean = () => false,
): TarHeaderInput {
  const pax = new Map<string, Uint8Array>();
  for (const [k, v] of h.pax) if (!DERIVED_PAX.has(k) && !dropPax(k)) pax.set(k, v);
  return {
    name,
    type: h.type as Exclude<TarEntryType, 'other'>,
    linkname: h.linkname,
    size: h.size,
    mode: h.mode,
    uid: h.uid,
    gid: h.gid,
    mtime: h.mtime,
    devmajor: h.devmajor,
    devminor: h.devminor,
    uname: h.uname,
    gname: h.gname,
    pax,
  };
}

const FLAG_OF: Record<Exclude<TarEntryType, 'other'>, string> = {
  file: '0',
  link: '1',
  symlink: '2',
  char: '3',
  block: '4',
  directory: '5',
  fifo: '6',
};

/**
 * Encodes the header block(s) of one entry: a pax extended header when a value
 * does not fit ustar (long or non-ASCII names, large numbers, extra records),
 * then the ustar header. The caller writes the body and pads it to 512 bytes
 * (see {@link padding}).
 */
export function encodeHeader(h: TarHeaderInput): Uint8Array {
  const records = new Map<string, Uint8Array>(h.pax ?? []);
  let name = h.type === 'directory' && !h.name.endsWith('/') ? `${h.name}/` : h.name;
  let prefix = '';
  if (!fitsAscii(name, 100)) {
    const split = splitUstarName(name);
    if (split) {
      prefix = split.prefix;
      name = split.name;
    } else {
      records.set('path', enc.encode(h.name));
      name = asciiTruncate(name, 100);
    }
  }
  let linkname = h.linkname ?? '';
  if (!fitsAscii(linkname, 100)) {
    records.set('linkpath', enc.encode(linkname));
    linkname = asciiTruncate(linkname, 100);
  }
  const size = h.type === 'file' ? (h.size ?? 0) : 0;
  const fields: [string, number, number, number][] = [
    ['uid', h.uid ?? 0, 108, 8],
    ['gid', h.gid ?? 0, 116, 8],
    ['size', size, 124, 12],
    ['mtime', h.mtime ?? 0, 136, 12],
  ];
  const block = new Uint8Array(BLOCK);
  for (const [key, value, off, len] of fields) {
    if (value < 0 || value >= 8 ** (len - 1)) records.set(key, enc.encode(String(value)));
    else writeOctal(block, off, len, value);
  }
  writeString(block, 0, 100, name);
  writeOctal(block, 100, 8, h.mode ?? (h.type === 'directory' ? 0o755 : 0o644));
  block[156] = FLAG_OF[h.type].charCodeAt(0);
  writeString(block, 157, 100, linkname);
  writeString(block, 257, 6, 'ustar\0');
  writeString(block, 263, 2, '00');
  writeString(block, 265, 32, asciiTruncate(h.uname ?? '', 32));
  writeString(block, 297, 32, asciiTruncate(h.gname ?? '', 32));
  writeOctal(block, 329, 8, h.devmajor ?? 0);
  writeOctal(block, 337, 8, h.devminor ?? 0);
  writeString(block, 345, 155, prefix);
  writeChecksum(block);
  if (records.size === 0) return block;
  const paxBody = encodePax(records);
  const paxHeader = new Uint8Array(BLOCK);
  writeString(paxHeader, 0, 100, asciiTruncate(`PaxHeaders/${name}`, 100));
  writeOctal(paxHeader, 100, 8, 0o644);
  writeOctal(paxHeader, 108, 8, 0);
  writeOctal(paxHeader, 116, 8, 0);
  writeOctal(paxHeader, 124, 12, paxBody.byteLength);
  writeOctal(paxHeader, 136, 12, Math.max(0, Math.min(h.mtime ?? 0, 8 ** 11 - 1)));
  paxHeader[156] = 'x'.charCodeAt(0);
  writeString(paxHeader, 257, 6, 'ustar\0');
  writeString(paxHeader, 263, 2, '00');
  writeChecksum(paxHeader);
  return concat(concat(concat(paxHeader, paxBody), padding(paxBody.byteLength)), block);
}

/** Zero bytes that pad a body of `size` bytes to a whole block. */
export function padding(size: number): Uint8Array {
  return new Uint8Array((BLOCK - (size % BLOCK)) % BLOCK);
}

/** The end-of-archive marker: two zero blocks. */
export function endOfArchive(): Uint8Array {
  return new Uint8Array(2 * BLOCK);
}

function encodePax(records: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const [key, value] of records) {
    const rest = enc.encode(` ${key}=`).byteLength + value.byteLength + 1;
    let len = rest + 1;
    while (String(len).length + rest !== len) len = String(len).length + rest;
    parts.push(enc.encode(`${len} ${key}=`), value, enc.encode('\n'));
  }
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.byteLength;
  }
  return out;
}

function parsePax(buf: Uint8Array): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  let off = 0;
  while (off < buf.byteLength) {
    let sp = off;
    while (sp < buf.byteLength && buf[sp] !== 0x20) sp++;
    const len = Number(text(buf.subarray(off, sp)));
    if (!Number.isSafeInteger(len) || len <= 0 || off + len > buf.byteLength) {
      throw new TarFormatError('bad pax record');
    }
    const rec = buf.subarray(sp + 1, off + len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq < 0) throw new TarFormatError('bad pax record');
    out.set(text(rec.subarray(0, eq)), rec.slice(eq + 1));
    off += len;
  }
  return out;
}

function readNumber(b: Uint8Array, off: number, len: number): number {
  const first = b[off] ?? 0;
  if (first & 0x80) {
    // GNU base-256: big-endian two's complement with the top bit as a marker.
    let v = first & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + (b[off + i] ?? 0);
    return v;
  }
  const s = text(b.subarray(off, off + len))
    .replace(/[\0 ]+$/, '')
    .trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new TarFormatError(`bad octal field "${s}"`);
  return Number.parseInt(s, 8);
}

function verifyChecksum(b: Uint8Array): void {
  const stored = readNumber(b, 148, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const v = i >= 148 && i < 156 ? 0x20 : (b[i] ?? 0);
    unsigned += v;
    signed += v > 127 ? v - 256 : v;
  }
  if (stored !== unsigned && stored !== signed) throw new TarFormatError('header checksum mismatch');
}

function writeChecksum(b: Uint8Array): void {
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += b[i] ?? 0;
  writeString(b, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
}

function writeOctal(b: Uint8Array, off: number, len: number, value: number): void {
  writeString(b, off, len, `${value.toString(8).padStart(len - 1, '0')}\0`);
}

function writeString(b: Uint8Array, off: number, len: number, s: string): void {
  const bytes = enc.encode(s);
  b.set(bytes.subarray(0, len), off);
}

function fitsAscii(s: string, len: number): boolean {
  return s.length <= len && /^[\x20-\x7e]*$/.test(s);
}

function asciiTruncate(s: string, len: number): string {
  return s.replace(/[^\x20-\x7e]/g, '_').slice(0, len);
}

function splitUstarName(name: string): { prefix: string; name: string } | undefined {
  if (!/^[\x20-\x7e]*$/.test(name) || name.length > 256) return undefined;
  for (let i = name.indexOf('/'); i !== -1; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (prefix.length <= 155 && rest.length <= 100 && rest.length > 0) return { prefix, name: rest };
  }
  return undefined;
}

function cString(b: Uint8Array): string {
  const nul = b.indexOf(0);
  return text(nul === -1 ? b : b.subarray(0, nul));
}

function text(b: Uint8Array): string {
  return utf8.decode(b);
}

function isZero(b: Uint8Array): boolean {
  for (const v of b) if (v !== 0) return false;
  return true;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}
