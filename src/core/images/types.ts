/**
 * Images: named pointers to image content. An image is identified by its ID,
 * the digest of its config blob (as Docker does); its record ties that ID to
 * the manifest and config blobs in the content store, its layers (blob,
 * diffID, chainID, unpacked size) and the names that point at it.
 *
 * Names are canonical references (`docker.io/library/busybox:latest`, see
 * oci/reference.ts); one name points at one image, an image has any number of
 * names, and an image with none is *dangling*. Lookups accept a name (in any
 * form Docker accepts: `busybox`, `busybox:1`, `docker.io/library/busybox`), a
 * full ID (with or without `sha256:`) or a unique ID prefix.
 *
 * Lifecycle: `create`/`bootstrapBusybox` write blobs, unpack every layer into
 * the snapshotter and then record the image, so a recorded image is always
 * runnable. `remove` untags, and deletes the image (record, blobs no other
 * image references, layers no other image or container stacks on) once its
 * last name is gone and no container uses it. Mutations are serialised.
 */
import type { Digest } from '../../lib/digest.ts';
import type { Descriptor, ImageConfig } from '../../oci/image.ts';
import type { CommitImageOptions } from './commit.ts';

export type { CommitImageOptions } from './commit.ts';

export interface LayerRecord {
  /** The (possibly compressed) layer blob in the content store. */
  blob: Descriptor;
  /** Digest of the uncompressed layer tar. */
  diffId: Digest;
  /** The committed snapshot holding the stack up to this layer. */
  chainId: Digest;
  /** Bytes of regular files in the unpacked layer. */
  size: number;
}

export interface ImageRecord {
  /** The config digest. */
  id: Digest;
  /** Canonical references pointing at this image, sorted. */
  names: string[];
  manifest: Descriptor;
  config: Descriptor;
  /** Bottom layer first. */
  layers: LayerRecord[];
  /** `created` of the image config (RFC 3339), '' if absent. */
  created: string;
  /** Sum of the layers' unpacked sizes. */
  size: number;
  /** When a name was last set on this image (RFC 3339), if ever. */
  lastTagTime?: string;
}

/** What a container needs from its image. */
export interface ContainerImage {
  id: Digest;
  /** The whole image config; `config.config` holds Env, Cmd, Entrypoint, WorkingDir, User… */
  config: ImageConfig;
  /** The committed snapshot to `prepare` a rootfs on; undefined for an image without layers. */
  chainId: Digest | undefined;
  /** The canonical name it was resolved by, when it was resolved by name. */
  name?: string;
}

/** A container using an image, as the container module reports it. */
export interface ImageUser {
  containerId: string;
  running: boolean;
}

/**
 * Tells whether a container uses image `imageId`. Returning an ImageUser lets
 * conflict messages name the container (as Docker's do); `true` means "some
 * stopped container".
 */
export type ImageUsageCheck = (imageId: Digest) => ImageUser | boolean | undefined;

export interface RemoveImageOptions {
  /** Untag even if a container uses the image; delete by ID despite several names or a stopped container. */
  force?: boolean;
  /** Accepted for Docker compatibility; berth images have no parent images to prune. */
  noprune?: boolean;
}

/** One effect of a removal, in order: names untagged, then the image and layers deleted. */
export type RemovedItem = { untagged: string } | { deleted: Digest };

export interface CreateImageOptions {
  /** The manifest (already in the content store, with its config and layer blobs). */
  manifest: Descriptor;
  /** Canonical names to point at the image. */
  names?: string[];
}

export interface ImageService {
  /** 'not-found' ("No such image: busybox:latest"), or 'invalid-argument' for a malformed reference. */
  get(nameOrId: string): Promise<ImageRecord>;
  list(): Promise<ImageRecord[]>;
  /** The parsed config blob of an image. */
  config(image: ImageRecord): Promise<ImageConfig>;
  /** Looks an image up and returns what a container is created from. */
  resolveForContainer(nameOrId: string): Promise<ContainerImage>;
  /** Points `target` (parsed as Docker's ParseDockerRef; digest references refused) at the image. */
  tag(nameOrId: string, target: string): Promise<void>;
  /** Docker's `rmi` semantics; 'conflict' with Docker's messages. */
  remove(nameOrId: string, opts?: RemoveImageOptions): Promise<RemovedItem[]>;
  /** Unpacks and records an image whose blobs are in the content store. */
  create(opts: CreateImageOptions): Promise<ImageRecord>;
  /**
   * Makes a new image from a parent image, an optional new layer (an
   * uncompressed tar, e.g. a container snapshot's `diff`) and a runtime
   * config: writes the layer blob (gzip), the config and the manifest, then
   * records the image like `create` (the parent's layers are reused, only the
   * new one is unpacked). Used by `commit` and `build`.
   */
  commit(opts: CommitImageOptions): Promise<ImageRecord>;
  /** Builds a single-layer busybox image from the host's static busybox; deterministic. Default tag `busybox:latest`. */
  bootstrapBusybox(tag?: string): Promise<ImageRecord>;
}
