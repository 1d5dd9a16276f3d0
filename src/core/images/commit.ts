/**
 * Making images locally: a layer blob written from a tar stream, and a new
 * image made of a parent image, an optional new layer and a runtime config.
 * `commit` and `build` both end here (through ImageService.commit).
 *
 * The layer is streamed: tar → sha256 (the diffID) → gzip → content ingest
 * (whose digest is the blob digest); it is never held in memory. The new
 * image's manifest keeps the parent's dialect (Docker schema 2 or OCI), so
 * pushing it never mixes media types; the parent's layer blobs and unpacked
 * snapshots are reused as they are.
 */
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { createDigester, type Digest } from '../../lib/digest.ts';
import type { Descriptor, HistoryEntry, ImageConfig, ImageRuntimeConfig, Manifest, Platform } from '../../oci/image.ts';
import { MediaType } from '../../oci/media-types.ts';
import type { ContentStore } from '../content/types.ts';
import type { ImageRecord } from './types.ts';

/** A layer blob as written: its descriptor (compressed) and diffID (uncompressed). */
export interface WrittenLayer {
  blob: Descriptor;
  diffId: Digest;
}

export interface WriteLayerOptions {
  /** The blob's media type (a gzip layer type, or a plain tar type with `compress: false`); default OCI's. */
  mediaType?: string;
  /** Store the tar as it is (false: no gzip; builds keep their layers so, as Docker's layer store does). Default true. */
  compress?: boolean;
  signal?: AbortSignal;
}

/** Writes an uncompressed layer tar as a gzip blob into the content store, digesting both forms on the way. */
export async function writeLayerBlob(
  content: ContentStore,
  tar: AsyncIterable<Uint8Array>,
  opts: WriteLayerOptions = {},
): Promise<WrittenLayer> {
  const diff = createDigester();
  const writer = await content.writer();
  try {
    const digest = async function* (src: AsyncIterable<Uint8Array>) {
      for await (const chunk of src) {
        diff.update(chunk);
        yield chunk;
      }
    };
    const sink = async (src: AsyncIterable<Uint8Array>) => {
      for await (const chunk of src) await writer.write(chunk);
    };
    if (opts.compress === false) await pipeline(tar, digest, sink, { signal: opts.signal });
    else await pipeline(tar, digest, createGzip(), sink, { signal: opts.signal });
    const info = await writer.commit();
    const fallback = opts.compress === false ? MediaType.ociLayer : MediaType.ociLayerGzip;
    return {
      blob: { mediaType: opts.mediaType ?? fallback, digest: info.digest, size: info.size },
      diffId: diff.digest(),
    };
  } finally {
    await writer.abort();
  }
}

/** What {@link ImageService.commit} makes an image of. */
export interface CommitImageOptions {
  /** The parent image's ID or name; undefined for an image from scratch. */
  parent?: string;
  /** The new layer as an uncompressed tar (e.g. `Snapshotter.diff`); omitted: no new layer (history `empty_layer`). */
  layer?: AsyncIterable<Uint8Array>;
  /** The new image's runtime config, whole (the caller merges the parent's and any changes). */
  config: ImageRuntimeConfig;
  author?: string;
  /** The history entry's comment (`commit -m`). */
  comment?: string;
  /** The history entry's `created_by` (the command, or the Dockerfile instruction). */
  createdBy?: string;
  /** Canonical names to point at the new image. */
  names?: string[];
  /** Platform for an image from scratch (default: the host's). */
  platform?: Platform;
  signal?: AbortSignal;
}

/** The manifest and config bytes of a new image on `parent`, as written by {@link writeChildImage}. */
interface ChildDocs {
  manifest: Manifest;
  config: ImageConfig;
}

/**
 * Builds the config and manifest of a child image (pure). `layer` is the new
 * layer if there is one; the parent's layers come first.
 */
export function childImageDocs(opts: {
  parent: { record: ImageRecord; config: ImageConfig } | undefined;
  layer: WrittenLayer | undefined;
  commit: CommitImageOptions;
  platform: Platform;
  now: string;
}): ChildDocs {
  const { parent, layer, commit, now } = opts;
  const docker = parent?.record.manifest.mediaType === MediaType.dockerManifest;
  const base: Partial<ImageConfig> = parent?.config ?? {};
  const history: HistoryEntry[] = [...(base.history ?? [])];
  const entry: HistoryEntry = { created: now };
  if (commit.createdBy !== undefined) entry.created_by = commit.createdBy;
  if (commit.author) entry.author = commit.author;
  if (commit.comment) entry.comment = commit.comment;
  if (!layer) entry.empty_layer = true;
  history.push(entry);
  const config: ImageConfig = {
    created: now,
    ...(commit.author ? { author: commit.author } : {}),
    architecture: base.architecture ?? opts.platform.architecture,
    os: base.os ?? opts.platform.os,
    ...((base.variant ?? opts.platform.variant) ? { variant: base.variant ?? opts.platform.variant } : {}),
    config: commit.config,
    rootfs: { type: 'layers', diff_ids: [...(base.rootfs?.diff_ids ?? []), ...(layer ? [layer.diffId] : [])] },
    history,
  };
  const layers: Descriptor[] = (parent?.record.layers ?? []).map((l) => ({ ...l.blob }));
  if (layer) layers.push({ ...layer.blob, mediaType: docker ? MediaType.dockerLayerGzip : MediaType.ociLayerGzip });
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: docker ? MediaType.dockerManifest : MediaType.ociManifest,
    config: { mediaType: docker ? MediaType.dockerConfig : MediaType.ociConfig, digest: '' as Digest, size: 0 },
    layers,
  };
  return { manifest, config };
}

/** Writes a child image's config and manifest blobs; returns the manifest descriptor for ImageService.create. */
export async function writeChildImage(content: ContentStore, docs: ChildDocs): Promise<Descriptor> {
  const enc = new TextEncoder();
  const configInfo = await content.ingest(enc.encode(JSON.stringify(docs.config)));
  const manifest: Manifest = {
    ...docs.manifest,
    config: { ...docs.manifest.config, digest: configInfo.digest, size: configInfo.size },
  };
  const manifestInfo = await content.ingest(enc.encode(JSON.stringify(manifest)));
  return { mediaType: manifest.mediaType!, digest: manifestInfo.digest, size: manifestInfo.size };
}
