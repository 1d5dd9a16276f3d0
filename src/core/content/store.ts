/**
 * The local content store: `<root>/content/blobs/sha256/<hex>` holds committed
 * blobs (read-only files), `<root>/content/ingest/` holds ingests in progress.
 * Commit is write → fsync → verify → rename → fsync dir, so a blob file either
 * does not exist or is complete and verified.
 */
import { randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { renameDurable } from '../../lib/atomic.ts';
import { createDigester, type Digest, digestHex, isDigest, parseDigest } from '../../lib/digest.ts';
import { internal, invalidArgument, notFound } from '../../lib/errors.ts';
import type { CommitExpectation, ContentInfo, ContentStore, ContentWriter } from './types.ts';

/**
 * Opens the content store under data root `root`, creating its directories and
 * removing ingests left behind by a previous process (one daemon owns a root).
 */
export async function openContentStore(root: string): Promise<ContentStore> {
  const blobs = join(root, 'content', 'blobs', 'sha256');
  const ingest = join(root, 'content', 'ingest');
  await mkdir(blobs, { recursive: true, mode: 0o700 });
  await rm(ingest, { recursive: true, force: true });
  await mkdir(ingest, { recursive: true, mode: 0o700 });
  return new LocalContentStore(blobs, ingest);
}

class LocalContentStore implements ContentStore {
  readonly #blobs: string;
  readonly #ingest: string;

  constructor(blobs: string, ingest: string) {
    this.#blobs = blobs;
    this.#ingest = ingest;
  }

  #path(digest: Digest): string {
    return join(this.#blobs, digestHex(parseDigest(digest)));
  }

  async writer(): Promise<ContentWriter> {
    const path = join(this.#ingest, randomBytes(12).toString('hex'));
    const fh = await open(path, 'wx', 0o600);
    return new IngestWriter({ fh, path, blobs: this.#blobs, store: this });
  }

  async ingest(source: AsyncIterable<Uint8Array> | Uint8Array, expected?: CommitExpectation): Promise<ContentInfo> {
    const w = await this.writer();
    try {
      if (source instanceof Uint8Array) await w.write(source);
      else for await (const chunk of source) await w.write(chunk);
      return await w.commit(expected);
    } finally {
      await w.abort();
    }
  }

  async stat(digest: Digest): Promise<ContentInfo> {
    const path = this.#path(digest);
    try {
      const st = await stat(path);
      return { digest, size: st.size, committedAt: st.mtime };
    } catch (err) {
      throw missing(err, digest);
    }
  }

  async has(digest: Digest): Promise<boolean> {
    try {
      await stat(this.#path(digest));
      return true;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return false;
      throw err;
    }
  }

  async read(digest: Digest): Promise<AsyncIterable<Uint8Array>> {
    let fh: FileHandle;
    try {
      fh = await open(this.#path(digest), 'r');
    } catch (err) {
      throw missing(err, digest);
    }
    return fh.createReadStream({ highWaterMark: 256 * 1024 });
  }

  async get(digest: Digest): Promise<Uint8Array> {
    try {
      return await readFile(this.#path(digest));
    } catch (err) {
      throw missing(err, digest);
    }
  }

  async delete(digest: Digest): Promise<void> {
    await rm(this.#path(digest), { force: true });
  }

  async list(): Promise<ContentInfo[]> {
    const out: ContentInfo[] = [];
    for (const name of await readdir(this.#blobs)) {
      const digest = `sha256:${name}`;
      if (!isDigest(digest)) continue;
      try {
        const st = await stat(join(this.#blobs, name));
        out.push({ digest, size: st.size, committedAt: st.mtime });
      } catch (err) {
        if (!isErrno(err, 'ENOENT')) throw err;
      }
    }
    return out;
  }
}

interface IngestWriterOptions {
  fh: FileHandle;
  path: string;
  blobs: string;
  store: ContentStore;
}

class IngestWriter implements ContentWriter {
  readonly #opts: IngestWriterOptions;
  readonly #digester = createDigester();
  #closed = false;

  constructor(opts: IngestWriterOptions) {
    this.#opts = opts;
  }

  get size(): number {
    return this.#digester.size;
  }

  digest(): Digest {
    return this.#digester.digest();
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.#closed) throw internal('content writer is closed');
    let off = 0;
    while (off < chunk.byteLength) {
      const { bytesWritten } = await this.#opts.fh.write(chunk, off, chunk.byteLength - off);
      off += bytesWritten;
    }
    this.#digester.update(chunk);
  }

  async commit(expected: CommitExpectation = {}): Promise<ContentInfo> {
    if (this.#closed) throw internal('content writer is closed');
    this.#closed = true;
    const { fh, path, blobs, store } = this.#opts;
    try {
      const digest = this.#digester.digest();
      const size = this.#digester.size;
      if (expected.size !== undefined && expected.size !== size) {
        throw invalidArgument(`unexpected commit size ${size}, expected ${expected.size}`);
      }
      if (expected.digest !== undefined && expected.digest !== digest) {
        throw invalidArgument(`unexpected commit digest ${digest}, expected ${expected.digest}`);
      }
      await fh.sync();
      await fh.chmod(0o444);
      await fh.close();
      const target = join(blobs, digestHex(digest));
      if (await store.has(digest)) {
        await rm(path, { force: true });
      } else {
        await renameDurable(path, target);
      }
      return await store.stat(digest);
    } catch (err) {
      await fh.close().catch(() => {});
      await rm(path, { force: true });
      throw err;
    }
  }

  async abort(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#opts.fh.close().catch(() => {});
    await rm(this.#opts.path, { force: true });
  }
}

function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}

function missing(err: unknown, digest: string): unknown {
  return isErrno(err, 'ENOENT') ? notFound(`content digest ${digest}: not found`) : err;
}
