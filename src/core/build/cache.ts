/**
 * The build cache: step key → the image state the step produced (its config
 * and layers), in the `build_cache` table of berth.db, so it survives a
 * berthd restart.
 *
 * A step key is sha256 of the parent state's ID (the would-be image ID: the
 * digest of its config), the instruction as it will be executed (values
 * substituted) and, for COPY/ADD, the content digest of every source file
 * with its path, type and mode (never its timestamps). Keying on the parent's
 * *output* means a step that re-ran (a miss) gives its children new keys, as
 * Docker's parent-image chain does.
 *
 * Entries reference layers (blobs in the content store, committed
 * snapshots) without owning them: a hit is only used after checking both are
 * still there. `prune` removes entries and the layers only they used.
 */
import { createHash } from 'node:crypto';
import type { Digest } from '../../lib/digest.ts';
import type { ImageConfig } from '../../oci/image.ts';
import type { Db } from '../db.ts';
import type { LayerRecord } from '../images/types.ts';

/** An image state during a build: what an image would be, without its record. */
export interface BuildState {
  config: ImageConfig;
  layers: LayerRecord[];
  /** The manifest dialect (Docker schema 2 rather than OCI), kept from the base image. */
  docker: boolean;
}

export interface CacheEntry {
  key: string;
  state: BuildState;
  /** Bytes of the layer the step added (0 for metadata steps). */
  size: number;
  createdMs: number;
  lastUsedMs: number;
}

export interface PruneOptions {
  /** Remove everything (else only entries unused for a day... as Docker: `-a` includes internal ones). */
  all?: boolean;
  /** Only entries last used before this time (ms since the epoch). */
  untilMs?: number;
  /** Keep the most recently used entries up to this many bytes of layers. */
  keepBytes?: number;
}

/** sha256 hex of its parts, joined unambiguously. */
export function stepKey(parts: readonly string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(`${p.length}:${p}\n`);
  return h.digest('hex');
}

/** The ID an image with this state would have: the digest of its config. */
export function stateId(state: BuildState): Digest {
  return `sha256:${createHash('sha256').update(JSON.stringify(state.config)).digest('hex')}`;
}

export class BuildCache {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
    db.exec(`
      CREATE TABLE IF NOT EXISTS build_cache (
        key TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        size INTEGER NOT NULL DEFAULT 0,
        created_ms INTEGER NOT NULL,
        last_used_ms INTEGER NOT NULL
      );
    `);
  }

  get(key: string): BuildState | undefined {
    const row = this.#db.prepare('SELECT state FROM build_cache WHERE key = ?').get(key) as
      | { state: string }
      | undefined;
    if (!row) return undefined;
    this.#db.prepare('UPDATE build_cache SET last_used_ms = ? WHERE key = ?').run(Date.now(), key);
    return JSON.parse(row.state) as BuildState;
  }

  put(key: string, state: BuildState, size: number): void {
    const now = Date.now();
    this.#db
      .prepare(
        'INSERT INTO build_cache (key, state, size, created_ms, last_used_ms) VALUES (?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET state = excluded.state, size = excluded.size, last_used_ms = excluded.last_used_ms',
      )
      .run(key, JSON.stringify(state), size, now, now);
  }

  delete(key: string): void {
    this.#db.prepare('DELETE FROM build_cache WHERE key = ?').run(key);
  }

  list(): CacheEntry[] {
    const rows = this.#db
      .prepare('SELECT key, state, size, created_ms, last_used_ms FROM build_cache ORDER BY last_used_ms DESC')
      .all() as { key: string; state: string; size: number; created_ms: number; last_used_ms: number }[];
    return rows.map((r) => ({
      key: r.key,
      state: JSON.parse(r.state) as BuildState,
      size: r.size,
      createdMs: r.created_ms,
      lastUsedMs: r.last_used_ms,
    }));
  }

  /** Picks the entries a prune removes (most recently used kept first under keepBytes). */
  selectForPrune(opts: PruneOptions): CacheEntry[] {
    const entries = this.list();
    let kept = 0;
    return entries.filter((e) => {
      if (opts.untilMs !== undefined && e.lastUsedMs >= opts.untilMs) return false;
      if (opts.keepBytes !== undefined && kept + e.size <= opts.keepBytes) {
        kept += e.size;
        return false;
      }
      return true;
    });
  }
}
