/**
 * The metadata database: one node:sqlite file per data root (WAL, so readers
 * never wait for a writer). Each core module owns its own tables and creates
 * them with CREATE TABLE IF NOT EXISTS when it is constructed; no module reads
 * another's tables.
 */
import { DatabaseSync } from 'node:sqlite';

export type Db = DatabaseSync;

export function openDb(path: string): Db {
  const db = new DatabaseSync(path);
  db.exec(
    'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;',
  );
  return db;
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
