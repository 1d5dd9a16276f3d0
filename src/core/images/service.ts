/**
 * The image service: lookups with Docker's rules, tag/untag/remove with
 * Docker's `rmi` semantics, and image creation as a descriptor walk
 * (manifest → config → each layer unpacked into the snapshotter → record).
 * Mutations run one at a time under the service's lock.
 */
import { pipeline, Readable } from 'node:stream';
import { createGunzip, createZstdDecompress } from 'node:zlib';
import { type Digest, parseDigest, shortId } from '../../lib/digest.ts';
import { BerthError, conflict, invalidArgument, isCode, notFound } from '../../lib/errors.ts';
import { KeyedMutex } from '../../lib/mutex.ts';
import { chainIdOf, type ImageConfig, type Manifest, type Platform } from '../../oci/image.ts';
import { isManifestType, type LayerCompression, layerCompression, MediaType } from '../../oci/media-types.ts';
import { hostPlatform } from '../../oci/platform.ts';
import {
  DEFAULT_TAG,
  familiarName,
  formatReference,
  type ImageReference,
  parseReference,
} from '../../oci/reference.ts';
import type { ContentStore } from '../content/types.ts';
import type { Db } from '../db.ts';
import { inTransaction } from '../db.ts';
import type { Snapshotter } from '../snapshots/types.ts';
import { DEFAULT_BUSYBOX, writeBusyboxImage } from './busybox.ts';
import { childImageDocs, type CommitImageOptions, writeChildImage, writeLayerBlob } from './commit.ts';
import { ImageStore } from './store.ts';
import type {
  ContainerImage,
  CreateImageOptions,
  ImageRecord,
  ImageService,
  ImageUsageCheck,
  ImageUser,
  LayerRecord,
  RemovedItem,
  RemoveImageOptions,
} from './types.ts';

export interface ImageServiceOptions {
  db: Db;
  content: ContentStore;
  snapshotter: Snapshotter;
  /** Asked before an image loses its last name or is deleted; without it no image counts as used. */
  isImageInUse?: ImageUsageCheck;
  /** The static busybox to bootstrap from (default /usr/bin/busybox). */
  busyboxPath?: string;
  /** Platform written into bootstrapped images (default: this host's). */
  platform?: Platform;
}

/** Creates the service; its tables are created on the spot. */
export function createImageService(opts: ImageServiceOptions): ImageService {
  return new LocalImageService(opts);
}

const LOCK = 'images';
const HEX64 = /^[a-f0-9]{64}$/;

interface Found {
  image: ImageRecord;
  /** The canonical name it was found by; undefined when found by ID. */
  name?: string;
}

class LocalImageService implements ImageService {
  readonly #db: Db;
  readonly #store: ImageStore;
  readonly #content: ContentStore;
  readonly #snapshotter: Snapshotter;
  readonly #inUse: ImageUsageCheck;
  readonly #busybox: string;
  readonly #platform: Platform;
  readonly #mutex = new KeyedMutex();

  constructor(opts: ImageServiceOptions) {
    this.#db = opts.db;
    this.#store = new ImageStore(opts.db);
    this.#content = opts.content;
    this.#snapshotter = opts.snapshotter;
    this.#inUse = opts.isImageInUse ?? (() => undefined);
    this.#busybox = opts.busyboxPath ?? DEFAULT_BUSYBOX;
    this.#platform = opts.platform ?? hostPlatform();
  }

  async get(nameOrId: string): Promise<ImageRecord> {
    return this.#lookup(nameOrId).image;
  }

  async list(): Promise<ImageRecord[]> {
    return this.#store.all();
  }

  async config(image: ImageRecord): Promise<ImageConfig> {
    return parseJson(await this.#content.get(image.config.digest), 'image config') as ImageConfig;
  }

  async resolveForContainer(nameOrId: string): Promise<ContainerImage> {
    const { image, name } = this.#lookup(nameOrId);
    const out: ContainerImage = {
      id: image.id,
      config: await this.config(image),
      chainId: image.layers.at(-1)?.chainId,
    };
    if (name !== undefined) out.name = name;
    return out;
  }

  tag(nameOrId: string, target: string): Promise<void> {
    const ref = parseTagTarget(target);
    return this.#mutex.run(LOCK, async () => {
      const { image } = this.#lookup(nameOrId);
      this.#store.setName(formatReference(ref), image.id, new Date().toISOString());
    });
  }

  remove(nameOrId: string, opts: RemoveImageOptions = {}): Promise<RemovedItem[]> {
    return this.#mutex.run(LOCK, () => this.#removeLocked(nameOrId, opts.force === true));
  }

  create(opts: CreateImageOptions): Promise<ImageRecord> {
    return this.#mutex.run(LOCK, () => this.#createLocked(opts));
  }

  async commit(opts: CommitImageOptions): Promise<ImageRecord> {
    const parentRecord = opts.parent === undefined ? undefined : this.#lookup(opts.parent).image;
    const parent = parentRecord && { record: parentRecord, config: await this.config(parentRecord) };
    const docker = parentRecord?.manifest.mediaType === MediaType.dockerManifest;
    const layer =
      opts.layer &&
      (await writeLayerBlob(this.#content, opts.layer, {
        mediaType: docker ? MediaType.dockerLayerGzip : MediaType.ociLayerGzip,
        signal: opts.signal,
      }));
    const docs = childImageDocs({
      parent,
      layer,
      commit: opts,
      platform: opts.platform ?? this.#platform,
      now: new Date().toISOString(),
    });
    const manifest = await writeChildImage(this.#content, docs);
    return this.#mutex.run(LOCK, () => this.#createLocked({ manifest, names: opts.names ?? [] }));
  }

  bootstrapBusybox(tag = 'busybox:latest'): Promise<ImageRecord> {
    const ref = parseTagTarget(tag);
    return this.#mutex.run(LOCK, async () => {
      const manifest = await writeBusyboxImage(this.#content, { busyboxPath: this.#busybox, platform: this.#platform });
      return this.#createLocked({ manifest, names: [formatReference(ref)] });
    });
  }

  /** Docker's GetImage: full ID, then name, then unique ID prefix. */
  #lookup(nameOrId: string): Found {
    if (HEX64.test(nameOrId) || /^sha256:[a-f0-9]{64}$/.test(nameOrId)) {
      const id = nameOrId.startsWith('sha256:') ? nameOrId : `sha256:${nameOrId}`;
      const image = this.#store.get(id);
      if (!image) throw notFound(`No such image: ${id}`);
      return { image };
    }
    const ref = parseReference(nameOrId);
    const byName = this.#byReference(ref);
    if (byName) return byName;
    const hex = nameOrId.startsWith('sha256:') ? nameOrId.slice(7) : nameOrId;
    if (/^[a-f0-9]+$/.test(hex)) {
      const ids = this.#store.idsWithPrefix(hex);
      if (ids.length === 1) return { image: this.#store.get(ids[0]!)! };
    }
    throw notFound(
      `No such image: ${familiarName(ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: DEFAULT_TAG } : ref)}`,
    );
  }

  #byReference(ref: ImageReference): Found | undefined {
    if (ref.digest !== undefined) {
      const name = formatReference({ domain: ref.domain, path: ref.path, digest: ref.digest });
      const named = this.#store.idOfName(name);
      if (named !== undefined) return { image: this.#store.get(named)!, name };
      // No stored digest reference: the manifest digest still identifies the image, as an ID would.
      const id = this.#store.idsWithManifest(ref.digest)[0];
      const image = id === undefined ? undefined : this.#store.get(id);
      return image ? { image } : undefined;
    }
    const name = formatReference({ ...ref, tag: ref.tag ?? DEFAULT_TAG });
    const id = this.#store.idOfName(name);
    const image = id && this.#store.get(id);
    return image ? { image, name } : undefined;
  }

  #user(id: Digest): ImageUser | undefined {
    const u = this.#inUse(id);
    if (u === true) return { containerId: '', running: false };
    return u === false || u === undefined ? undefined : u;
  }

  async #removeLocked(nameOrId: string, force: boolean): Promise<RemovedItem[]> {
    const { image, name } = this.#lookup(nameOrId);
    const records: RemovedItem[] = [];
    const user = this.#user(image.id);
    let names = image.names;
    let quiet = false;
    if (name !== undefined) {
      if (!force && names.length === 1 && user) {
        throw conflict(
          `conflict: unable to remove repository reference "${nameOrId}" (must force) - ${
            user.containerId ? `container ${shortId(user.containerId)}` : 'a container'
          } is using its referenced image ${shortId(image.id)}`,
        );
      }
      this.#store.deleteName(name);
      records.push({ untagged: name });
      names = names.filter((n) => n !== name);
      if (names.length > 0) return records;
      quiet = true;
    } else if (names.length === 1) {
      const c = deleteConflict(image.id, user, { force, names: 0 });
      if (c) throw c;
      this.#store.deleteName(names[0]!);
      records.push({ untagged: names[0]! });
      names = [];
    }
    const c = deleteConflict(image.id, user, { force, names: names.length });
    if (c) {
      // After untagging by name, a used image stays (dangling) without an error, as in Docker.
      if (quiet && user) return records;
      throw c;
    }
    for (const n of names) {
      this.#store.deleteName(n);
      records.push({ untagged: n });
    }
    await this.#deleteLocked(image, records);
    return records;
  }

  /** Deletes the record, then blobs and layers no other image (or container snapshot) still uses. */
  async #deleteLocked(image: ImageRecord, records: RemovedItem[]): Promise<void> {
    inTransaction(this.#db, () => this.#store.delete(image.id));
    records.push({ deleted: image.id });
    const blobs = new Set<Digest>([
      image.manifest.digest,
      image.config.digest,
      ...image.layers.map((l) => l.blob.digest),
    ]);
    for (const d of blobs) {
      if (!this.#store.blobInUse(d, image.id)) await this.#content.delete(d);
    }
    for (const layer of [...image.layers].reverse()) {
      if (this.#store.chainInUse(layer.chainId, image.id)) break;
      try {
        await this.#snapshotter.remove(layer.chainId);
        records.push({ deleted: layer.chainId });
      } catch (err) {
        if (isCode(err, 'not-found')) continue;
        if (isCode(err, 'conflict')) break;
        throw err;
      }
    }
  }

  async #createLocked(opts: CreateImageOptions): Promise<ImageRecord> {
    const desc = opts.manifest;
    const manifest = parseJson(await this.#content.get(desc.digest), 'manifest') as Manifest;
    const mediaType = manifest.mediaType ?? desc.mediaType;
    if (!isManifestType(mediaType)) {
      throw new BerthError('not-implemented', `unsupported manifest media type: ${mediaType}`);
    }
    if (manifest.schemaVersion !== 2 || !manifest.config || !Array.isArray(manifest.layers)) {
      throw invalidArgument(`invalid manifest ${desc.digest}`);
    }
    const configDigest = parseDigest(manifest.config.digest);
    const config = parseJson(await this.#content.get(configDigest), 'image config') as ImageConfig;
    const diffIds = config.rootfs?.diff_ids ?? [];
    if (diffIds.length !== manifest.layers.length) {
      throw invalidArgument(`image config has ${diffIds.length} diff_ids for ${manifest.layers.length} layers`);
    }
    const layers: LayerRecord[] = [];
    let parent: Digest | undefined;
    for (const [i, blob] of manifest.layers.entries()) {
      const diffId = parseDigest(diffIds[i]!);
      const chainId = chainIdOf(parent, diffId);
      if (!(await this.#snapshotter.has(chainId))) {
        const compression = layerCompression(blob.mediaType);
        if (compression === undefined) {
          throw new BerthError('not-implemented', `unsupported layer media type: ${blob.mediaType}`);
        }
        const tar = decompress(await this.#content.read(parseDigest(blob.digest)), compression);
        await this.#snapshotter.applyLayer(tar, parent, { diffId });
      }
      const info = await this.#snapshotter.stat(chainId);
      layers.push({
        blob: { mediaType: blob.mediaType, digest: blob.digest, size: blob.size },
        diffId,
        chainId,
        size: info.size,
      });
      parent = chainId;
    }
    const record: ImageRecord = {
      id: configDigest,
      names: [],
      manifest: { mediaType, digest: desc.digest, size: desc.size },
      config: {
        mediaType: manifest.config.mediaType ?? MediaType.ociConfig,
        digest: configDigest,
        size: manifest.config.size,
      },
      layers,
      created: config.created ?? '',
      size: layers.reduce((n, l) => n + l.size, 0),
    };
    const now = new Date().toISOString();
    inTransaction(this.#db, () => {
      this.#store.put(record);
      for (const n of opts.names ?? []) this.#store.setName(n, record.id, now);
    });
    return this.#store.get(record.id)!;
  }
}

/** The reference a tag operation creates: normalised, `:latest` by default, never a digest. */
export function parseTagTarget(target: string): ImageReference {
  const ref = parseReference(target);
  if (ref.digest !== undefined) throw invalidArgument('refusing to create a tag with a digest reference');
  return { ...ref, tag: ref.tag ?? DEFAULT_TAG };
}

function deleteConflict(
  id: Digest,
  user: ImageUser | undefined,
  opts: { force: boolean; names: number },
): BerthError | undefined {
  const who = (u: ImageUser) => (u.containerId ? ` ${shortId(u.containerId)}` : '');
  if (user?.running) {
    return conflict(
      `conflict: unable to delete ${shortId(id)} (cannot be forced) - image is being used by running container${who(user)}`,
    );
  }
  if (opts.force) return undefined;
  if (opts.names > 0) {
    return conflict(
      `conflict: unable to delete ${shortId(id)} (must be forced) - image is referenced in multiple repositories`,
    );
  }
  if (user) {
    return conflict(
      `conflict: unable to delete ${shortId(id)} (must be forced) - image is being used by stopped container${who(user)}`,
    );
  }
  return undefined;
}

function decompress(src: AsyncIterable<Uint8Array>, compression: LayerCompression): AsyncIterable<Uint8Array> {
  if (compression === 'none') return src;
  const z = compression === 'gzip' ? createGunzip() : createZstdDecompress();
  return pipeline(Readable.from(src), z, () => {});
}

function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw invalidArgument(`invalid ${what}: ${(err as Error).message}`);
  }
}
