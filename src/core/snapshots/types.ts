/**
 * The snapshotter: unpacked layers and container root filesystems as overlay
 * directories.
 *
 * Terms (containerd's): a *committed* snapshot is an immutable, unpacked layer
 * stack, keyed by the chainID of its top layer and shared by every image and
 * container that has that stack; its `parent` is the committed snapshot below
 * it. An *active* snapshot is a writable layer (a container's rootfs) on top
 * of a committed parent, keyed by a caller-chosen key (the container ID).
 *
 * Lifecycle: `applyLayer` unpacks a layer tar on top of a committed parent and
 * commits it under its chainID (a no-op if that chainID exists); `prepare`
 * creates an active snapshot and returns how to mount it; `remove` deletes
 * either kind, refusing while children exist. The snapshotter never mounts:
 * the runtime mounts what `prepare`/`mounts` return, and must unmount before
 * `remove`.
 *
 * Invariants: a committed snapshot's directory is complete (unpacked,
 * verified against its diffID, synced) before it is visible; the parent of a
 * snapshot is always committed; a snapshot with children cannot be removed.
 */
import type { Digest } from '../../lib/digest.ts';
import type { Change } from './diff.ts';

export type { Change } from './diff.ts';

/**
 * How to mount a snapshot, as mount(8) takes it: `mount -t <type> -o
 * <options joined by ','> <source> <target>`. `target` is left to the caller.
 */
export interface Mount {
  type: string;
  source: string;
  target?: string;
  options: string[];
}

export type SnapshotKind = 'committed' | 'active';

export interface SnapshotInfo {
  key: string;
  kind: SnapshotKind;
  /** Key (chainID) of the committed parent; undefined for a base layer or an active snapshot on nothing. */
  parent?: string;
  created: Date;
  /** Committed: the diffID of its top layer. */
  diffId?: Digest;
  /** Committed: bytes of regular files in its layer (Docker's layer size). Active: 0 (see `usage`). */
  size: number;
  /** The snapshot's own directory. */
  dir: string;
  /** Its content: the unpacked layer (committed) or the overlay upper dir (active). */
  diffDir: string;
}

export interface AppliedLayer {
  chainId: Digest;
  diffId: Digest;
  size: number;
}

export interface ApplyLayerOptions {
  /** The diffID the tar must hash to; lets an existing chainID skip the unpack, and a mismatch fail it. */
  diffId?: Digest;
  signal?: AbortSignal;
}

export interface SnapshotUsage {
  /** Bytes of regular files (hard links counted once). */
  size: number;
  inodes: number;
}

export interface Snapshotter {
  /**
   * Unpacks an uncompressed layer tar (`tar`) on top of committed `parent`
   * (a chainID; undefined for a base layer) and commits it. Whiteouts become
   * overlay whiteouts; entries that would escape the layer are refused
   * ('invalid-argument') and nothing is kept.
   */
  applyLayer(
    tar: AsyncIterable<Uint8Array>,
    parent: Digest | undefined,
    opts?: ApplyLayerOptions,
  ): Promise<AppliedLayer>;
  /** Creates active snapshot `key` on committed `parent` and returns its mount. 'already-exists', 'not-found'. */
  prepare(key: string, parent: Digest | undefined): Promise<Mount>;
  /** The mount of active snapshot `key`. */
  mounts(key: string): Promise<Mount>;
  /** Deletes a snapshot and its directory. 'conflict' while it has children; absent is 'not-found'. */
  remove(key: string): Promise<void>;
  /** 'not-found' if absent. */
  stat(key: string): Promise<SnapshotInfo>;
  has(key: string): Promise<boolean>;
  list(): Promise<SnapshotInfo[]>;
  /** Disk use of a snapshot's own directory content (not its parents). */
  usage(key: string): Promise<SnapshotUsage>;
  /**
   * The layer tar (uncompressed, OCI whiteouts) of active snapshot `key`'s
   * changes over its parent: what a commit stores. Reads the upper dir, so it
   * works whether or not the snapshot is mounted; a running container's files
   * are read as they are (pause it for a consistent diff).
   */
  diff(key: string, opts?: { signal?: AbortSignal }): AsyncIterable<Uint8Array>;
  /** The changes of active snapshot `key` over its parent (`docker diff`), sorted by path. */
  changes(key: string): Promise<Change[]>;
}
