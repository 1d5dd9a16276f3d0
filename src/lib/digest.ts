/**
 * Content digests in OCI form: `<algorithm>:<hex>`. berth computes and stores
 * sha256 only; a digest string is validated before it is used in a path.
 */
import { createHash, type Hash } from 'node:crypto';
import { invalidArgument } from './errors.ts';

/** A validated sha256 digest, `sha256:` followed by 64 lowercase hex digits. */
export type Digest = `sha256:${string}`;

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;
const ANY_DIGEST_RE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export function isDigest(s: string): s is Digest {
  return DIGEST_RE.test(s);
}

/**
 * Checks `s` is a sha256 digest and returns it typed; throws 'invalid-argument'
 * naming the problem (unsupported algorithm, or malformed).
 */
export function parseDigest(s: string): Digest {
  if (isDigest(s)) return s;
  if (ANY_DIGEST_RE.test(s) && !s.startsWith('sha256:')) {
    throw invalidArgument(`unsupported digest algorithm: ${s}`);
  }
  throw invalidArgument(`invalid digest format: ${s}`);
}

/** The hex part of a digest (used as a file name). */
export function digestHex(d: Digest): string {
  return d.slice('sha256:'.length);
}

export function sha256Digest(data: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/**
 * An incremental sha256: feed chunks with `update`, read the digest of what has
 * been fed so far with `digest()` (may be called more than once).
 */
export interface Digester {
  update(chunk: Uint8Array): void;
  digest(): Digest;
  /** Bytes fed so far. */
  readonly size: number;
}

export function createDigester(): Digester {
  const hash: Hash = createHash('sha256');
  let size = 0;
  return {
    update(chunk) {
      hash.update(chunk);
      size += chunk.byteLength;
    },
    digest: () => `sha256:${hash.copy().digest('hex')}`,
    get size() {
      return size;
    },
  };
}

/** The first 12 hex digits, as Docker shows IDs (`sha256:` prefix dropped). */
export function shortId(id: string): string {
  const hex = id.startsWith('sha256:') ? id.slice(7) : id;
  return hex.slice(0, 12);
}
