/**
 * The metadata database: one node:sqlite file per data root (WAL, so readers
 * never wait for a writer). Each core module owns its own tables and creates
 * them with CREATE TABLE IF NOT EXISTS when it is constructed; no module reads
 * another's tables.
 *
 * A full disk must not freeze the records: recording a container's exit,
 * removing a container or starting an exec to delete files all write here.
 * So a **ballast** file of a few MB is kept beside the database; when a write
 * fails with SQLITE_FULL the ballast is deleted and the write retried once,
 * which gives the user room to free space with berth itself. The ballast is
 * put back once the filesystem has room again.
 */
import { closeSync, openSync, rmSync, statfsSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementResultingChanges, type StatementSync } from 'node:sqlite';

export type Db = DatabaseSync;

export interface DbOptions {
  /** Path of the ballast file; none when absent (tests of pure logic). */
  ballastPath?: string;
  /** Its size; default 8 MiB. */
  ballastBytes?: number;
  /** Told when the ballast is released (to log it). */
  onBallastReleased?: () => void;
}

const DEFAULT_BALLAST = 8 * 1024 * 1024;
const REFILL_CHECK_MS = 10_000;

export function openDb(path: string, opts: DbOptions = {}): Db {
  const db = new DatabaseSync(path);
  db.exec(
    'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;',
  );
  if (opts.ballastPath) withBallast(db, { ...opts, ballastPath: opts.ballastPath });
  return db;
}

function isFull(err: unknown): boolean {
  return err instanceof Error && /database or disk is full|SQLITE_FULL/i.test(err.message);
}

/** Writes the ballast with real blocks (a sparse file would free nothing). Returns false when there is no room. */
function fillBallast(path: string, bytes: number): boolean {
  // Already in place from an earlier start: keep it (no 8 MiB rewrite on every start).
  try {
    const st = statSync(path);
    if (st.size === bytes && st.blocks * 512 >= bytes) return true;
  } catch {}
  let fd: number | undefined;
  try {
    fd = openSync(path, 'w', 0o600);
    const chunk = Buffer.alloc(1024 * 1024);
    for (let done = 0; done < bytes; done += chunk.length)
      writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - done));
    return true;
  } catch {
    rmSync(path, { force: true });
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function withBallast(db: DatabaseSync, opts: DbOptions & { ballastPath: string }): void {
  const bytes = opts.ballastBytes ?? DEFAULT_BALLAST;
  let present = fillBallast(opts.ballastPath, bytes);
  let refill: NodeJS.Timeout | undefined;

  const release = (): boolean => {
    if (!present) return false;
    rmSync(opts.ballastPath, { force: true });
    present = false;
    opts.onBallastReleased?.();
    refill = setInterval(() => {
      const s = statfsSync(dirname(opts.ballastPath));
      if (s.bavail * s.bsize < bytes * 4) return;
      present = fillBallast(opts.ballastPath, bytes);
      if (present) clearInterval(refill);
    }, REFILL_CHECK_MS);
    refill.unref();
    return true;
  };

  const retrying = <R>(fn: () => R): R => {
    try {
      return fn();
    } catch (err) {
      if (isFull(err) && release()) return fn();
      throw err;
    }
  };

  const prepare = db.prepare.bind(db);
  db.prepare = (sql: string): StatementSync => {
    const st = prepare(sql);
    const run = st.run.bind(st) as (...args: unknown[]) => StatementResultingChanges;
    st.run = ((...args: unknown[]) => retrying(() => run(...args))) as StatementSync['run'];
    return st;
  };
  const exec = db.exec.bind(db);
  db.exec = (sql: string): void => retrying(() => exec(sql));
}

/** Runs `fn` in a transaction: committed if it returns, rolled back if it throws. */
export function inTransaction<T>(db: Db, fn: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const out = fn();
    db.exec('COMMIT');
    return out;
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}
