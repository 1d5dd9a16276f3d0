/**
 * The content store: immutable blobs addressed by their sha256 digest
 * (manifests, image configs, compressed layers).
 *
 * Lifecycle of a blob: `writer()` opens an *ingest* (a temporary file); bytes
 * are written; `commit` checks the digest and size against what the caller
 * expected, makes the bytes durable and moves them into place. Until commit
 * the blob is invisible to `stat`, `read`, `get` and `list`; `abort` (or a
 * failed commit) throws the ingest away. Committing content that is already
 * present is not an error: the store keeps one copy.
 *
 * Invariant: a committed blob's bytes hash to its digest. Nothing else writes
 * under the store's directory. Deleting a blob that an image still references
 * is the caller's business (the image module or GC decides what is garbage).
 */
import type { Digest } from '../../lib/digest.ts';

export interface ContentInfo {
  digest: Digest;
  size: number;
  /** When the blob was committed. */
  committedAt: Date;
}

export interface CommitExpectation {
  /** The digest the bytes must have; a mismatch fails the commit ('invalid-argument'). */
  digest?: Digest;
  /** The size the bytes must have; a mismatch fails the commit ('invalid-argument'). */
  size?: number;
}

/** One ingest in progress. Use once: write…, then commit or abort. */
export interface ContentWriter {
  /** Bytes written so far. */
  readonly size: number;
  write(chunk: Uint8Array): Promise<void>;
  /** Digest of the bytes written so far. */
  digest(): Digest;
  /** Verifies, fsyncs and publishes the blob; returns its info. The writer is closed either way. */
  commit(expected?: CommitExpectation): Promise<ContentInfo>;
  /** Throws the ingest away. Safe to call after commit (no-op). */
  abort(): Promise<void>;
}

export interface ContentStore {
  writer(): Promise<ContentWriter>;
  /** Writes `source` to a new ingest and commits it (aborting on any error). */
  ingest(source: AsyncIterable<Uint8Array> | Uint8Array, expected?: CommitExpectation): Promise<ContentInfo>;
  /** 'not-found' if absent. */
  stat(digest: Digest): Promise<ContentInfo>;
  has(digest: Digest): Promise<boolean>;
  /** Streams a blob; 'not-found' (thrown before the first chunk) if absent. */
  read(digest: Digest): Promise<AsyncIterable<Uint8Array>>;
  /** Reads a whole (small) blob, e.g. a manifest or config. */
  get(digest: Digest): Promise<Uint8Array>;
  /** Deletes a blob; absent is not an error. */
  delete(digest: Digest): Promise<void>;
  list(): Promise<ContentInfo[]>;
}
