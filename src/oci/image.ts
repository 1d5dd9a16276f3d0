/**
 * OCI image-spec documents (descriptor, manifest, image config) as berth reads
 * and writes them. Field names follow the specification exactly; the `config`
 * part of an image config keeps Docker's PascalCase, as the spec does.
 */
import { type Digest, sha256Digest } from '../lib/digest.ts';

/** Points at a blob: what it is, which bytes (digest), how many. */
export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
}

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
}

/** An image manifest: one config blob and the layer blobs, bottom layer first. */
export interface Manifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

/** The runtime defaults an image gives its containers (the `config` field of an image config). */
export interface ImageRuntimeConfig {
  User?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, Record<string, never>>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  /** Docker extension: Dockerfile instructions run when the image is a build's base. */
  OnBuild?: string[] | null;
  /** Docker extension: the Dockerfile SHELL, inherited by builds FROM the image. */
  Shell?: string[];
  /** Docker extension (not in the OCI spec, kept when present). */
  Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; Retries?: number; StartPeriod?: number };
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/**
 * The image config blob. Its digest is the image ID. `rootfs.diff_ids` are the
 * digests of the uncompressed layer tars, bottom first, one per manifest layer.
 */
export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  config?: ImageRuntimeConfig;
  rootfs: { type: 'layers'; diff_ids: Digest[] };
  history?: HistoryEntry[];
}

/**
 * The chainID of a layer stack (OCI image-spec "ChainID"): the bottom layer's
 * is its diffID; each next one is sha256 of `<parent chainID> <diffID>`. It
 * names the unpacked stack up to and including that layer.
 */
export function chainIdOf(parent: Digest | undefined, diffId: Digest): Digest {
  return parent === undefined ? diffId : sha256Digest(`${parent} ${diffId}`);
}

/** The chainIDs of every prefix of `diffIds`, bottom first. */
export function chainIds(diffIds: readonly Digest[]): Digest[] {
  const out: Digest[] = [];
  let parent: Digest | undefined;
  for (const d of diffIds) {
    parent = chainIdOf(parent, d);
    out.push(parent);
  }
  return out;
}
