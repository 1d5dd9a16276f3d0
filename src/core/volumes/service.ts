/**
 * The local volume driver: named directories under `<data-root>/volumes/<name>/_data`
 * that outlive containers, with Docker's local driver options (`type`,
 * `device`, `o`: tmpfs, NFS, a bind of a host directory, a block device) and
 * berth's `size` (an xfs project quota). Records live in the `volumes` table,
 * owned here.
 *
 * Crash safety: a record is written (state `creating`, or `removing`) before
 * the directory is made or deleted, and marked `ready` (or deleted) after. A
 * kill at any point leaves a record whose state says what was under way;
 * {@link VolumeService.check} finishes or undoes it, and removes data no
 * record owns. Copy-up goes to `_copyup` beside `_data` and replaces the empty
 * `_data` by rename, so a volume never holds half an image's content.
 *
 * A volume referenced by any container record (running or not), or pinned by
 * a container being created, is never removed.
 */
import { randomBytes } from 'node:crypto';
import { type Dirent, existsSync } from 'node:fs';
import { lstat, mkdir, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { BerthError, conflict, invalidArgument, notFound } from '../../lib/errors.ts';
import { failpoint } from '../../lib/failpoint.ts';
import { KeyedMutex } from '../../lib/mutex.ts';
import { parseBytes } from '../../lib/size.ts';
import { run } from '../../host/exec.ts';
import { isMounted, mount, unmount } from '../../host/mount.ts';
import { clearQuota, setDirQuota } from '../../host/quota.ts';
import type { Db } from '../db.ts';
import type { EventSink } from '../events/bus.ts';

/** The label Docker 23+ puts on anonymous volumes; `volume prune` without `all` removes only these. */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';

export type VolumeState = 'creating' | 'ready' | 'removing';

/** One volume. `options` are the driver options as given (`type`, `device`, `o`, `size`). */
export interface VolumeRecord {
  name: string;
  driver: 'local';
  /** RFC 3339. */
  createdAt: string;
  labels: Record<string, string>;
  options: Record<string, string>;
  state: VolumeState;
  /** xfs project ID of a volume with `size`. */
  quotaProject?: number;
}

export interface VolumeCreateOptions {
  /** Default: a random 64-hex name (an anonymous volume). */
  name?: string;
  driver?: string;
  labels?: Record<string, string>;
  options?: Record<string, string>;
}

export interface VolumeServiceOptions {
  dataRoot: string;
  db: Db;
  /** IDs of the container records that mount the volume (running or not). */
  referencedBy(name: string): string[];
  log?: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
  /** Where `create` and `destroy` events go (Docker's volume events). */
  events?: EventSink;
}

/** One finding of {@link VolumeService.check}: what is wrong and whether it was repaired. */
export interface CheckFinding {
  volume: string;
  problem: string;
  repaired: boolean;
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const MAX_NAME_BYTES = 255;
const OPTION_KEYS = ['type', 'device', 'o', 'size'];
/** Quota project IDs berth hands out start here (low IDs are the administrator's). */
const FIRST_PROJECT = 1_000_000;

/** Checks a volume name as Docker's local driver does (no `/`, no `..`, at least two characters). */
export function validateVolumeName(name: string): void {
  if (!NAME_RE.test(name) || name.includes('..')) {
    throw invalidArgument(
      `create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
    );
  }
  // The name is a directory name under the data root: the filesystem's limit is the volume's.
  if (Buffer.byteLength(name) > MAX_NAME_BYTES)
    throw invalidArgument(`create ${name.slice(0, 32)}…: a volume name is at most ${MAX_NAME_BYTES} characters`);
}

/** Checks local driver options; returns the parsed `size` in bytes if given. */
export function validateVolumeOptions(opts: Record<string, string>): number | undefined {
  for (const k of Object.keys(opts)) {
    if (!OPTION_KEYS.includes(k)) {
      throw invalidArgument(`invalid option key: "${k}" (the local driver takes ${OPTION_KEYS.join(', ')})`);
    }
  }
  const type = opts.type ?? '';
  const device = opts.device ?? '';
  if (type !== '' && device === '') throw invalidArgument('missing device in volume options');
  if (type === '' && device !== '') throw invalidArgument('missing type in volume options');
  const bind = (opts.o ?? '').split(',').some((o) => o === 'bind' || o === 'rbind');
  if (bind) {
    if (!isAbsolute(device)) throw invalidArgument(`bind device must be an absolute path: "${device}"`);
    if (!existsSync(device)) throw invalidArgument(`bind device ${device} does not exist`);
  }
  if (opts.size === undefined) return undefined;
  if (type !== '') throw invalidArgument('the size option needs a plain local volume (no type); for tmpfs use o=size=');
  const bytes = parseBytes(opts.size);
  if (bytes === undefined || bytes <= 0) throw invalidArgument(`invalid size: '${opts.size}'`);
  return bytes;
}

interface Row {
  name: string;
  state: string;
  data: string;
}

export class VolumeService {
  readonly #o: VolumeServiceOptions;
  readonly #root: string;
  readonly #lock = new KeyedMutex();
  readonly #pins = new Map<string, number>();
  /** Running containers by volume: a volume with a `type` stays mounted while it has any. */
  readonly #users = new Map<string, Set<string>>();

  constructor(opts: VolumeServiceOptions) {
    this.#o = opts;
    this.#root = join(opts.dataRoot, 'volumes');
    opts.db.exec('CREATE TABLE IF NOT EXISTS volumes (name TEXT PRIMARY KEY, state TEXT NOT NULL, data TEXT NOT NULL)');
  }

  /** The directory containers mount: `<data-root>/volumes/<name>/_data`. */
  dataPath(name: string): string {
    return join(this.#root, name, '_data');
  }

  #dir(name: string): string {
    return join(this.#root, name);
  }

  #row(name: string): VolumeRecord | undefined {
    const row = this.#o.db.prepare('SELECT name, state, data FROM volumes WHERE name = ?').get(name) as Row | undefined;
    return row ? { ...(JSON.parse(row.data) as VolumeRecord), state: row.state as VolumeState } : undefined;
  }

  #put(rec: VolumeRecord): void {
    this.#o.db
      .prepare(
        'INSERT INTO volumes (name, state, data) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET state = excluded.state, data = excluded.data',
      )
      .run(rec.name, rec.state, JSON.stringify(rec));
  }

  #delete(name: string): void {
    this.#o.db.prepare('DELETE FROM volumes WHERE name = ?').run(name);
  }

  #all(): VolumeRecord[] {
    const rows = this.#o.db.prepare('SELECT name, state, data FROM volumes ORDER BY name').all() as unknown as Row[];
    return rows.map((r) => ({ ...(JSON.parse(r.data) as VolumeRecord), state: r.state as VolumeState }));
  }

  /** A ready volume, or undefined. */
  find(name: string): VolumeRecord | undefined {
    const rec = this.#row(name);
    return rec?.state === 'ready' ? rec : undefined;
  }

  /** A ready volume; 'not-found' with Docker's message otherwise. */
  get(name: string): VolumeRecord {
    const rec = this.find(name);
    if (!rec) throw notFound(`get ${name}: no such volume`);
    return rec;
  }

  /** Every ready volume, by name. */
  list(): VolumeRecord[] {
    return this.#all().filter((r) => r.state === 'ready');
  }

  /**
   * Creates a volume, or returns the existing one of that name (as Docker
   * does; `created` says which). Crash-safe: record first, then the directory
   * and quota, then the record is marked ready.
   */
  create(opts: VolumeCreateOptions = {}): Promise<{ volume: VolumeRecord; created: boolean }> {
    const name = opts.name || randomBytes(32).toString('hex');
    validateVolumeName(name);
    const driver = opts.driver || 'local';
    if (driver !== 'local') {
      throw notFound(`error looking up volume plugin ${driver}: plugin "${driver}" not found`);
    }
    const options = { ...(opts.options ?? {}) };
    const size = validateVolumeOptions(options);
    return this.#lock.run(name, async () => {
      const existing = this.#row(name);
      if (existing?.state === 'ready') return { volume: existing, created: false };
      // A create or remove that a crash interrupted: clear its leftovers, then create afresh.
      if (existing) await this.#deleteData(existing);
      const rec: VolumeRecord = {
        name,
        driver: 'local',
        createdAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        labels: { ...(opts.labels ?? {}) },
        options,
        state: 'creating',
        ...(size !== undefined ? { quotaProject: this.#nextProject() } : {}),
      };
      this.#put(rec);
      failpoint('volume-create-after-record');
      try {
        await mkdir(this.#dir(name), { recursive: true, mode: 0o701 });
        await mkdir(this.dataPath(name), { mode: 0o755 });
        failpoint('volume-create-after-mkdir');
        if (size !== undefined && rec.quotaProject !== undefined) {
          await setDirQuota(this.dataPath(name), rec.quotaProject, size);
        }
      } catch (err) {
        await this.#deleteData(rec).catch(() => {});
        this.#delete(name);
        throw err;
      }
      rec.state = 'ready';
      this.#put(rec);
      this.#log('info', 'volume created', { name });
      this.#o.events?.publish({ type: 'volume', action: 'create', id: name, attributes: { driver: 'local' } });
      return { volume: rec, created: true };
    });
  }

  #nextProject(): number {
    let max = FIRST_PROJECT - 1;
    for (const r of this.#all()) if (r.quotaProject !== undefined && r.quotaProject > max) max = r.quotaProject;
    return max + 1;
  }

  /** Containers using the volume (records) and containers being created with it (pins). */
  #inUse(name: string): string[] {
    const ids = this.#o.referencedBy(name);
    if ((this.#pins.get(name) ?? 0) > 0 && ids.length === 0) return ['(a container being created)'];
    return ids;
  }

  /**
   * Keeps `names` from removal until `release` is called: a container being
   * created holds its volumes this way until its record exists.
   */
  pin(names: readonly string[]): () => void {
    for (const n of names) this.#pins.set(n, (this.#pins.get(n) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      for (const n of names) {
        const c = (this.#pins.get(n) ?? 1) - 1;
        if (c <= 0) this.#pins.delete(n);
        else this.#pins.set(n, c);
      }
    };
  }

  /**
   * Removes a volume and its data: 'conflict' (409) while any container
   * references it. `force` only makes a missing volume not an error, as with Docker.
   */
  remove(name: string, opts: { force?: boolean } = {}): Promise<void> {
    return this.#lock.run(name, async () => {
      const rec = this.find(name);
      if (!rec) {
        if (opts.force) return;
        throw notFound(`get ${name}: no such volume`);
      }
      const users = this.#inUse(name);
      if (users.length > 0) throw conflict(`remove ${name}: volume is in use - [${users.join(', ')}]`);
      await this.#removeLocked(rec);
    });
  }

  async #removeLocked(rec: VolumeRecord): Promise<void> {
    rec.state = 'removing';
    this.#put(rec);
    failpoint('volume-remove-after-mark');
    await this.#deleteData(rec);
    this.#delete(rec.name);
    this.#log('info', 'volume removed', { name: rec.name });
    this.#o.events?.publish({ type: 'volume', action: 'destroy', id: rec.name, attributes: { driver: 'local' } });
  }

  /** Unmounts, lifts the quota and deletes the volume's directory (record untouched). */
  async #deleteData(rec: VolumeRecord): Promise<void> {
    const data = this.dataPath(rec.name);
    if (await isMounted(data)) await unmount(data);
    if (rec.quotaProject !== undefined) await clearQuota(this.#root, rec.quotaProject);
    await rm(this.#dir(rec.name), { recursive: true, force: true });
  }

  /**
   * Removes every unused volume matching `keep` (a filter the caller built),
   * one at a time, each crash-safe. Returns the names removed and the bytes freed.
   */
  async prune(match: (rec: VolumeRecord) => boolean): Promise<{ removed: string[]; reclaimed: number }> {
    const removed: string[] = [];
    let reclaimed = 0;
    for (const candidate of this.list()) {
      if (!match(candidate)) continue;
      await this.#lock.run(candidate.name, async () => {
        const rec = this.find(candidate.name);
        if (!rec || this.#inUse(rec.name).length > 0) return;
        const size = await this.usage(rec.name).catch(() => 0);
        await this.#removeLocked(rec);
        failpoint('volume-prune-after-one');
        removed.push(rec.name);
        reclaimed += size;
      });
    }
    return { removed, reclaimed };
  }

  /**
   * Makes a volume ready for container `user` to mount: a volume with a
   * `type` is mounted on its `_data` by its first user and unmounted when
   * the last one releases it (as Docker: a tmpfs volume's content lasts while
   * a container runs with it). Returns the host path to bind.
   */
  prepare(name: string, user: string): Promise<string> {
    return this.#lock.run(name, async () => {
      const rec = this.get(name);
      this.markInUse(name, user);
      const data = this.dataPath(name);
      if (!existsSync(data)) await mkdir(data, { recursive: true, mode: 0o755 });
      const type = rec.options.type ?? '';
      if (type !== '' && !(await isMounted(data))) {
        const o = (rec.options.o ?? '').split(',').filter(Boolean);
        await mount({ type, source: rec.options.device ?? type, options: o.length ? o : ['defaults'] }, data).catch(
          (err: unknown) => {
            throw new BerthError(
              'internal',
              `error while mounting volume '${data}': ${err instanceof Error ? err.message : String(err)}`,
            );
          },
        );
      }
      return data;
    });
  }

  /** Records that running container `user` has the volume mounted (at start, and again after a daemon restart). */
  markInUse(name: string, user: string): void {
    const users = this.#users.get(name) ?? new Set<string>();
    users.add(user);
    this.#users.set(name, users);
  }

  /** Container `user` no longer runs: the last user of a volume with a `type` unmounts it. */
  release(name: string, user: string): Promise<void> {
    return this.#lock.run(name, async () => {
      const users = this.#users.get(name);
      users?.delete(user);
      if (users && users.size > 0) return;
      this.#users.delete(name);
      const rec = this.find(name);
      const data = this.dataPath(name);
      if (!rec || (rec.options.type ?? '') === '' || !(await isMounted(data))) return;
      await unmount(data);
      this.#o.events?.publish({ type: 'volume', action: 'unmount', id: name, attributes: { driver: 'local' } });
    });
  }

  /**
   * Fills an empty volume with `source` (a directory in a container's root
   * filesystem), keeping ownership, modes, times and xattrs. Returns false if
   * the volume was not empty (nothing copied). For a plain volume the copy is
   * made beside `_data` and renamed over it, so it is all or nothing.
   */
  copyUp(name: string, source: string): Promise<boolean> {
    return this.#lock.run(name, async () => {
      const rec = this.get(name);
      const data = this.dataPath(name);
      if ((await readdir(data)).length > 0) return false;
      if ((rec.options.type ?? '') !== '') {
        await run('cp', ['-a', '-T', source, data]);
        return true;
      }
      const tmp = join(this.#dir(name), '_copyup');
      await rm(tmp, { recursive: true, force: true });
      await run('cp', ['-a', '-T', source, tmp]);
      failpoint('volume-copyup-after-copy');
      // The quota follows the directory: give the copy the volume's project first.
      if (rec.quotaProject !== undefined) {
        const size = parseBytes(rec.options.size ?? '') ?? 0;
        await setDirQuota(tmp, rec.quotaProject, size);
      }
      await rmdir(data);
      failpoint('volume-copyup-after-rmdir');
      await rename(tmp, data);
      return true;
    });
  }

  /** Bytes used under the volume's data (apparent sizes, hard links counted once). */
  async usage(name: string): Promise<number> {
    return dirSize(this.dataPath(name));
  }

  /**
   * Compares records with the directories under `volumes/`: interrupted
   * creates are undone, interrupted removals and copy-ups finished, data no
   * record owns deleted, a record whose data is gone given an empty
   * directory again. With `repair` false it only reports.
   */
  async check(opts: { repair: boolean }): Promise<CheckFinding[]> {
    const out: CheckFinding[] = [];
    const note = (volume: string, problem: string, fix: string) =>
      out.push({ volume, problem: opts.repair ? `${problem}: ${fix}` : problem, repaired: opts.repair });
    const recs = new Map(this.#all().map((r) => [r.name, r]));
    for (const rec of recs.values()) {
      await this.#lock.run(rec.name, async () => {
        const data = this.dataPath(rec.name);
        const tmp = join(this.#dir(rec.name), '_copyup');
        if (rec.state === 'creating') {
          note(rec.name, 'creation was interrupted', 'record and data removed');
          if (opts.repair) {
            await this.#deleteData(rec);
            this.#delete(rec.name);
          }
          return;
        }
        if (rec.state === 'removing') {
          note(rec.name, 'removal was interrupted', 'removal finished');
          if (opts.repair) {
            await this.#deleteData(rec);
            this.#delete(rec.name);
          }
          return;
        }
        const hasData = existsSync(data);
        const hasTmp = existsSync(tmp);
        if (!hasData && hasTmp) {
          note(rec.name, 'copy-up was interrupted after the copy', 'the copy put in place');
          if (opts.repair) await rename(tmp, data);
        } else if (!hasData) {
          note(rec.name, 'data directory is missing', 'an empty one made');
          if (opts.repair) await mkdir(data, { recursive: true, mode: 0o755 });
        } else if (hasTmp) {
          note(rec.name, 'copy-up was interrupted', 'the partial copy removed');
          if (opts.repair) await rm(tmp, { recursive: true, force: true });
        }
      });
    }
    let entries: Dirent[] = [];
    try {
      entries = await readdir(this.#root, { withFileTypes: true });
    } catch {}
    for (const e of entries) {
      if (recs.has(e.name)) continue;
      if (e.isDirectory() && NAME_RE.test(e.name) && this.#o.referencedBy(e.name).length > 0) {
        // Containers still mount it: the data is what matters, so the record is made again.
        note(e.name, 'data without a volume record, used by containers', 'record made again');
        if (opts.repair) {
          await mkdir(this.dataPath(e.name), { recursive: true, mode: 0o755 });
          this.#put({
            name: e.name,
            driver: 'local',
            createdAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
            labels: {},
            options: {},
            state: 'ready',
          });
        }
        continue;
      }
      note(e.name, 'data without a volume record', 'data removed');
      if (!opts.repair) continue;
      const dir = join(this.#root, e.name);
      const data = join(dir, '_data');
      if (e.isDirectory() && (await isMounted(data))) await unmount(data);
      await rm(dir, { recursive: true, force: true });
    }
    return out;
  }

  #log(level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>): void {
    this.#o.log?.(level, msg, fields);
  }
}

/** Total apparent size of the files under `dir` (not following symlinks; each inode once). */
export async function dirSize(dir: string): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        await walk(p);
        continue;
      }
      const st = await lstat(p).catch(() => undefined);
      if (!st) continue;
      const key = `${st.dev}:${st.ino}`;
      if (st.nlink > 1) {
        if (seen.has(key)) continue;
        seen.add(key);
      }
      total += st.size;
    }
  };
  if ((await stat(dir).catch(() => undefined))?.isDirectory()) await walk(dir);
  return total;
}
