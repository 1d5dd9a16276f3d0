/**
 * The overlay snapshotter. Layout under the data root:
 *
 *   overlay/<n>/diff   the unpacked layer (committed) or the upper dir (active)
 *   overlay/<n>/work   overlayfs's work dir (active snapshots only)
 *
 * `<n>` is a small integer allocated by the `snapshots` table (never reused),
 * not the chainID: the mount options of a deep image list every lower layer
 * as an absolute path, and the kernel caps mount options at one page (4096
 * bytes). With `/var/lib/berth` that is ~34 bytes a layer, so about 110
 * layers fit (Docker's limit is 125); `prepare` refuses a stack that does not
 * fit, rather than failing at mount time.
 *
 * Mounts: an active snapshot on a parent is `overlay` with `index=off` (so the
 * same lower layers can back any number of containers), `lowerdir` top layer
 * first, and its own `upperdir`/`workdir`; one on nothing is a read-write bind
 * of its directory.
 *
 * Records live in the `snapshots` table (owned here). Every side effect is
 * recorded first: an unpack runs under an `extracting` row and a removal under
 * a `removing` row, so `openSnapshotter` can clear whatever a crash left.
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Db } from '../db.ts';
import { inTransaction } from '../db.ts';
import type { Digest } from '../../lib/digest.ts';
import { BerthError, conflict, invalidArgument, notFound } from '../../lib/errors.ts';
import { run } from '../../host/exec.ts';
import { untar } from '../../host/untar.ts';
import { chainIdOf } from '../../oci/image.ts';
import { type Change, diffUpperDir, upperDirChanges } from './diff.ts';
import { translateLayer } from './layer.ts';
import type { AppliedLayer, ApplyLayerOptions, Mount, SnapshotInfo, Snapshotter, SnapshotUsage } from './types.ts';

/** The kernel's limit on mount data (one page), less the terminating NUL. */
const MAX_MOUNT_DATA = 4095;

export interface SnapshotterOptions {
  /** The data root; layers go to `<root>/overlay`. */
  root: string;
  db: Db;
}

type State = 'extracting' | 'committed' | 'active' | 'removing';

interface Row {
  id: number;
  key: string;
  state: State;
  parent: number | null;
  diff_id: string | null;
  size: number;
  created_ms: number;
}

/** Opens the snapshotter: creates its table and directory and clears debris of interrupted unpacks and removals. */
export async function openSnapshotter(opts: SnapshotterOptions): Promise<Snapshotter> {
  if (/[,:]/.test(opts.root)) {
    throw invalidArgument(`data root ${opts.root} cannot hold overlay layers: ',' and ':' separate mount options`);
  }
  const s = new OverlaySnapshotter(opts);
  await s.recover();
  return s;
}

class OverlaySnapshotter implements Snapshotter {
  readonly #db: Db;
  readonly #dir: string;

  constructor(opts: SnapshotterOptions) {
    this.#db = opts.db;
    this.#dir = join(opts.root, 'overlay');
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS snapshots (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL UNIQUE,
        state TEXT NOT NULL CHECK (state IN ('extracting', 'committed', 'active', 'removing')),
        parent INTEGER REFERENCES snapshots(id),
        diff_id TEXT,
        size INTEGER NOT NULL DEFAULT 0,
        created_ms INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS snapshots_parent ON snapshots(parent);
    `);
  }

  async recover(): Promise<void> {
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const debris = this.#db
      .prepare("SELECT id FROM snapshots WHERE state IN ('extracting', 'removing') ORDER BY id DESC")
      .all() as { id: number }[];
    for (const { id } of debris) {
      await rm(this.#path(id), { recursive: true, force: true });
      this.#db.prepare('DELETE FROM snapshots WHERE id = ?').run(id);
    }
    const known = new Set((this.#db.prepare('SELECT id FROM snapshots').all() as { id: number }[]).map((r) => r.id));
    for (const name of await readdir(this.#dir)) {
      if (!/^\d+$/.test(name) || !known.has(Number(name))) {
        await rm(join(this.#dir, name), { recursive: true, force: true });
      }
    }
    const active = this.#db.prepare("SELECT id FROM snapshots WHERE state = 'active'").all() as { id: number }[];
    for (const { id } of active) await this.#makeActiveDirs(id);
  }

  async applyLayer(
    tar: AsyncIterable<Uint8Array>,
    parent: Digest | undefined,
    opts: ApplyLayerOptions = {},
  ): Promise<AppliedLayer> {
    if (opts.diffId !== undefined) {
      const existing = this.#row(chainIdOf(parent, opts.diffId));
      if (existing?.state === 'committed') return applied(existing);
    }
    const parentRow = parent === undefined ? undefined : this.#committed(parent);
    const id = Number(
      this.#db
        .prepare("INSERT INTO snapshots (key, state, parent, created_ms) VALUES (?, 'extracting', ?, ?)")
        .run(`extract:${randomBytes(12).toString('hex')}`, parentRow?.id ?? null, Date.now()).lastInsertRowid,
    );
    const dir = this.#path(id);
    try {
      const diff = join(dir, 'diff');
      await mkdir(diff, { recursive: true, mode: 0o755 });
      const layer = translateLayer(tar);
      await untar(layer.tar, diff, { signal: opts.signal });
      const { diffId, size } = layer.summary();
      if (opts.diffId !== undefined && diffId !== opts.diffId) {
        throw invalidArgument(`layer diffID mismatch: got ${diffId}, expected ${opts.diffId}`);
      }
      await run('sync', ['--file-system', diff]);
      const chainId = chainIdOf(parent, diffId);
      const winner = inTransaction(this.#db, () => {
        const existing = this.#row(chainId);
        if (existing?.state === 'committed') return existing;
        this.#db
          .prepare("UPDATE snapshots SET key = ?, state = 'committed', diff_id = ?, size = ? WHERE id = ?")
          .run(chainId, diffId, size, id);
        return undefined;
      });
      if (winner) {
        await this.#discard(id);
        return applied(winner);
      }
      return { chainId, diffId, size };
    } catch (err) {
      await this.#discard(id);
      throw err;
    }
  }

  async prepare(key: string, parent: Digest | undefined): Promise<Mount> {
    if (key === '' || key.startsWith('extract:') || key.startsWith('sha256:')) {
      throw invalidArgument(`invalid snapshot key "${key}"`);
    }
    if (this.#row(key)) throw new BerthError('already-exists', `snapshot ${key} already exists`);
    const parentRow = parent === undefined ? undefined : this.#committed(parent);
    const id = Number(
      this.#db
        .prepare("INSERT INTO snapshots (key, state, parent, created_ms) VALUES (?, 'active', ?, ?)")
        .run(key, parentRow?.id ?? null, Date.now()).lastInsertRowid,
    );
    try {
      const mount = this.#mount(id, parentRow);
      await this.#makeActiveDirs(id);
      return mount;
    } catch (err) {
      await this.#discard(id);
      throw err;
    }
  }

  async mounts(key: string): Promise<Mount> {
    const row = this.#require(key);
    if (row.state !== 'active') throw invalidArgument(`snapshot ${key} is not active`);
    return this.#mount(row.id, row.parent === null ? undefined : this.#byId(row.parent));
  }

  async remove(key: string): Promise<void> {
    const row = this.#require(key);
    const children = this.#db.prepare('SELECT COUNT(*) AS n FROM snapshots WHERE parent = ?').get(row.id) as {
      n: number;
    };
    if (children.n > 0) throw conflict(`cannot remove snapshot ${key}: it has ${children.n} child snapshot(s)`);
    this.#db.prepare("UPDATE snapshots SET state = 'removing' WHERE id = ?").run(row.id);
    await this.#discard(row.id);
  }

  async stat(key: string): Promise<SnapshotInfo> {
    return this.#info(this.#require(key));
  }

  async has(key: string): Promise<boolean> {
    const row = this.#row(key);
    return row?.state === 'committed' || row?.state === 'active';
  }

  async list(): Promise<SnapshotInfo[]> {
    const rows = this.#db
      .prepare("SELECT * FROM snapshots WHERE state IN ('committed', 'active') ORDER BY id")
      .all() as unknown as Row[];
    return rows.map((r) => this.#info(r));
  }

  async usage(key: string): Promise<SnapshotUsage> {
    return diskUsage(join(this.#path(this.#require(key).id), 'diff'));
  }

  async *diff(key: string, opts: { signal?: AbortSignal } = {}): AsyncGenerator<Uint8Array> {
    const row = this.#require(key);
    if (row.state !== 'active') throw invalidArgument(`snapshot ${key} is not active`);
    yield* diffUpperDir(join(this.#path(row.id), 'diff'), opts.signal);
  }

  async changes(key: string): Promise<Change[]> {
    const row = this.#require(key);
    if (row.state !== 'active') throw invalidArgument(`snapshot ${key} is not active`);
    return upperDirChanges(join(this.#path(row.id), 'diff'), this.#lowers(row));
  }

  /** The diff dirs of a snapshot's parents, top first. */
  #lowers(row: Row): string[] {
    const out: string[] = [];
    for (let r = row.parent === null ? undefined : this.#byId(row.parent); r !== undefined; ) {
      out.push(join(this.#path(r.id), 'diff'));
      r = r.parent === null ? undefined : this.#byId(r.parent);
    }
    return out;
  }

  #path(id: number): string {
    return join(this.#dir, String(id));
  }

  async #makeActiveDirs(id: number): Promise<void> {
    await mkdir(join(this.#path(id), 'diff'), { recursive: true, mode: 0o755 });
    await mkdir(join(this.#path(id), 'work'), { recursive: true, mode: 0o700 });
  }

  /** Deletes a snapshot's directory, then its row (a crash in between leaves a row `recover` clears). */
  async #discard(id: number): Promise<void> {
    await rm(this.#path(id), { recursive: true, force: true });
    this.#db.prepare('DELETE FROM snapshots WHERE id = ?').run(id);
  }

  #mount(id: number, parent: Row | undefined): Mount {
    const upper = join(this.#path(id), 'diff');
    if (parent === undefined) return { type: 'bind', source: upper, options: ['rbind', 'rw'] };
    const lowers = [join(this.#path(parent.id), 'diff'), ...this.#lowers(parent)];
    const options = [
      'index=off',
      `lowerdir=${lowers.join(':')}`,
      `upperdir=${upper}`,
      `workdir=${join(this.#path(id), 'work')}`,
    ];
    if (options.join(',').length > MAX_MOUNT_DATA) {
      throw invalidArgument(`too many layers (${lowers.length}) to mount: overlay options exceed one page`, {
        hint: 'use a shorter data root or an image with fewer layers',
      });
    }
    return { type: 'overlay', source: 'overlay', options };
  }

  #row(key: string): Row | undefined {
    return this.#db.prepare('SELECT * FROM snapshots WHERE key = ?').get(key) as Row | undefined;
  }

  #byId(id: number): Row {
    return this.#db.prepare('SELECT * FROM snapshots WHERE id = ?').get(id) as unknown as Row;
  }

  #require(key: string): Row {
    const row = this.#row(key);
    if (!row || (row.state !== 'committed' && row.state !== 'active')) throw notFound(`snapshot ${key} not found`);
    return row;
  }

  #committed(key: string): Row {
    const row = this.#row(key);
    if (row?.state !== 'committed') throw notFound(`parent snapshot ${key} not found`);
    return row;
  }

  #info(row: Row): SnapshotInfo {
    const dir = this.#path(row.id);
    const info: SnapshotInfo = {
      key: row.key,
      kind: row.state === 'active' ? 'active' : 'committed',
      created: new Date(row.created_ms),
      size: row.size,
      dir,
      diffDir: join(dir, 'diff'),
    };
    if (row.parent !== null) info.parent = this.#byId(row.parent).key;
    if (row.diff_id !== null) info.diffId = row.diff_id as Digest;
    return info;
  }
}

function applied(row: Row): AppliedLayer {
  return { chainId: row.key as Digest, diffId: row.diff_id as Digest, size: row.size };
}

async function diskUsage(root: string): Promise<SnapshotUsage> {
  let size = 0;
  let inodes = 0;
  const seen = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      const st = await lstat(p);
      if (st.nlink > 1 && !st.isDirectory()) {
        const ino = `${st.dev}:${st.ino}`;
        if (seen.has(ino)) continue;
        seen.add(ino);
      }
      inodes++;
      if (st.isFile()) size += st.size;
      if (e.isDirectory()) await walk(p);
    }
  };
  await walk(root);
  return { size, inodes };
}
