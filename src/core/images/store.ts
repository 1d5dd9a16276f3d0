/**
 * The image tables (owned by this module) and plain CRUD over them. All
 * methods are synchronous single statements or run inside the caller's
 * transaction; policy lives in service.ts.
 *
 *   images       id → manifest/config descriptors, created, size, last tag time
 *   image_layers image id, index → blob, diffID, chainID, size
 *   image_names  canonical name → image id
 */
import type { Db } from '../db.ts';
import type { Digest } from '../../lib/digest.ts';
import type { ImageRecord, LayerRecord } from './types.ts';

interface ImageRow {
  id: string;
  manifest_digest: string;
  manifest_media_type: string;
  manifest_size: number;
  config_media_type: string;
  config_size: number;
  created: string;
  size: number;
  last_tag_time: string | null;
}

interface LayerRow {
  blob_digest: string;
  blob_media_type: string;
  blob_size: number;
  diff_id: string;
  chain_id: string;
  size: number;
}

export class ImageStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
    db.exec(`
      CREATE TABLE IF NOT EXISTS images (
        id TEXT PRIMARY KEY,
        manifest_digest TEXT NOT NULL,
        manifest_media_type TEXT NOT NULL,
        manifest_size INTEGER NOT NULL,
        config_media_type TEXT NOT NULL,
        config_size INTEGER NOT NULL,
        created TEXT NOT NULL,
        size INTEGER NOT NULL,
        last_tag_time TEXT
      );
      CREATE INDEX IF NOT EXISTS images_manifest ON images(manifest_digest);
      CREATE TABLE IF NOT EXISTS image_layers (
        image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        blob_digest TEXT NOT NULL,
        blob_media_type TEXT NOT NULL,
        blob_size INTEGER NOT NULL,
        diff_id TEXT NOT NULL,
        chain_id TEXT NOT NULL,
        size INTEGER NOT NULL,
        PRIMARY KEY (image_id, idx)
      );
      CREATE INDEX IF NOT EXISTS image_layers_chain ON image_layers(chain_id);
      CREATE INDEX IF NOT EXISTS image_layers_blob ON image_layers(blob_digest);
      CREATE TABLE IF NOT EXISTS image_names (
        name TEXT PRIMARY KEY,
        image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE
      );
      CREATE INDEX IF NOT EXISTS image_names_image ON image_names(image_id);
    `);
  }

  get(id: string): ImageRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM images WHERE id = ?').get(id) as ImageRow | undefined;
    return row && this.#record(row);
  }

  all(): ImageRecord[] {
    return (this.#db.prepare('SELECT * FROM images').all() as unknown as ImageRow[]).map((r) => this.#record(r));
  }

  idOfName(name: string): Digest | undefined {
    const row = this.#db.prepare('SELECT image_id FROM image_names WHERE name = ?').get(name) as
      | { image_id: Digest }
      | undefined;
    return row?.image_id;
  }

  idsWithPrefix(hexPrefix: string): Digest[] {
    const rows = this.#db
      .prepare('SELECT id FROM images WHERE substr(id, 1, ?) = ? LIMIT 2')
      .all(7 + hexPrefix.length, `sha256:${hexPrefix}`) as { id: Digest }[];
    return rows.map((r) => r.id);
  }

  idsWithManifest(digest: string): Digest[] {
    const rows = this.#db.prepare('SELECT id FROM images WHERE manifest_digest = ?').all(digest) as { id: Digest }[];
    return rows.map((r) => r.id);
  }

  names(id: string): string[] {
    const rows = this.#db.prepare('SELECT name FROM image_names WHERE image_id = ? ORDER BY name').all(id) as {
      name: string;
    }[];
    return rows.map((r) => r.name);
  }

  /** Inserts or replaces an image and its layers (names untouched). */
  put(image: ImageRecord): void {
    this.#db
      .prepare(
        `INSERT INTO images (id, manifest_digest, manifest_media_type, manifest_size, config_media_type, config_size, created, size, last_tag_time)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET manifest_digest = excluded.manifest_digest,
           manifest_media_type = excluded.manifest_media_type, manifest_size = excluded.manifest_size,
           config_media_type = excluded.config_media_type, config_size = excluded.config_size,
           created = excluded.created, size = excluded.size`,
      )
      .run(
        image.id,
        image.manifest.digest,
        image.manifest.mediaType,
        image.manifest.size,
        image.config.mediaType,
        image.config.size,
        image.created,
        image.size,
        image.lastTagTime ?? null,
      );
    this.#db.prepare('DELETE FROM image_layers WHERE image_id = ?').run(image.id);
    const ins = this.#db.prepare(
      'INSERT INTO image_layers (image_id, idx, blob_digest, blob_media_type, blob_size, diff_id, chain_id, size) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    image.layers.forEach((l, i) => {
      ins.run(image.id, i, l.blob.digest, l.blob.mediaType, l.blob.size, l.diffId, l.chainId, l.size);
    });
  }

  /** Points `name` at image `id` (moving it off any other image) and stamps the image's last tag time. */
  setName(name: string, id: string, time: string): void {
    this.#db
      .prepare(
        'INSERT INTO image_names (name, image_id) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET image_id = excluded.image_id',
      )
      .run(name, id);
    this.#db.prepare('UPDATE images SET last_tag_time = ? WHERE id = ?').run(time, id);
  }

  deleteName(name: string): void {
    this.#db.prepare('DELETE FROM image_names WHERE name = ?').run(name);
  }

  /** Deletes an image with its layers and names. */
  delete(id: string): void {
    this.#db.prepare('DELETE FROM images WHERE id = ?').run(id);
  }

  /** Whether any image other than `exceptId` references blob `digest` (as manifest, config or layer). */
  blobInUse(digest: string, exceptId: string): boolean {
    const row = this.#db
      .prepare(
        `SELECT 1 FROM images WHERE id != ?1 AND (id = ?2 OR manifest_digest = ?2)
         UNION ALL SELECT 1 FROM image_layers WHERE image_id != ?1 AND blob_digest = ?2 LIMIT 1`,
      )
      .get(exceptId, digest);
    return row !== undefined;
  }

  /** Whether any image other than `exceptId` has layer stack `chainId`. */
  chainInUse(chainId: string, exceptId: string): boolean {
    return (
      this.#db
        .prepare('SELECT 1 FROM image_layers WHERE image_id != ? AND chain_id = ? LIMIT 1')
        .get(exceptId, chainId) !== undefined
    );
  }

  #record(row: ImageRow): ImageRecord {
    const layers = this.#db
      .prepare('SELECT * FROM image_layers WHERE image_id = ? ORDER BY idx')
      .all(row.id) as unknown as LayerRow[];
    const rec: ImageRecord = {
      id: row.id as Digest,
      names: this.names(row.id),
      manifest: { mediaType: row.manifest_media_type, digest: row.manifest_digest as Digest, size: row.manifest_size },
      config: { mediaType: row.config_media_type, digest: row.id as Digest, size: row.config_size },
      layers: layers.map(
        (l): LayerRecord => ({
          blob: { mediaType: l.blob_media_type, digest: l.blob_digest as Digest, size: l.blob_size },
          diffId: l.diff_id as Digest,
          chainId: l.chain_id as Digest,
          size: l.size,
        }),
      ),
      created: row.created,
      size: row.size,
    };
    if (row.last_tag_time !== null) rec.lastTagTime = row.last_tag_time;
    return rec;
  }
}
