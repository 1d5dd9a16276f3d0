/**
 * Container records: what a container is (config, name, labels) and the last
 * known state of its task. Records live in the `containers` table (owned
 * here) and in a memory index loaded at start, so `ps` never touches disk.
 * Every change is written through before it is visible in memory.
 */
import { randomBytes } from 'node:crypto';
import { conflict, invalidArgument, notFound } from '../../lib/errors.ts';
import type { ContainerConfig, ContainerStateName, HealthState, HostConfig } from '../../engine/types.ts';
import type { Db } from '../db.ts';
import type { ContainerDevice, ContainerMount, DeviceRule } from './mounts.ts';

/** Last known state of a container's task. */
export interface TaskState {
  status: ContainerStateName;
  pid: number;
  conmonPid: number;
  exitCode: number;
  error: string;
  oomKilled: boolean;
  startedAt: string;
  finishedAt: string;
  /** Health of a container with a health check (reset at each start). */
  health?: HealthState;
}

export interface ContainerRecord {
  id: string;
  /** Without the leading '/'. */
  name: string;
  created: string;
  /** The image as the user named it. */
  image: string;
  imageId: string;
  /** Path and args of the main process (entrypoint + cmd). */
  path: string;
  args: string[];
  /** Merged with the image's config, as Docker's inspect shows it. */
  config: ContainerConfig;
  hostConfig: HostConfig;
  state: TaskState;
  restartCount: number;
  /** Set by stop (cleared by start): a restart policy then leaves the container alone. */
  manuallyStopped?: boolean;
  /** Exec session IDs alive for this container. */
  execIds: string[];
  /** Mounts resolved at create (volume names chosen, bind sources checked). */
  mounts?: ContainerMount[];
  /** `--device` nodes and `--device-cgroup-rule` rules. */
  devices?: ContainerDevice[];
  deviceRules?: DeviceRule[];
}

export const ZERO_TIME = '0001-01-01T00:00:00Z';

export function newTaskState(): TaskState {
  return {
    status: 'created',
    pid: 0,
    conmonPid: 0,
    exitCode: 0,
    error: '',
    oomKilled: false,
    startedAt: ZERO_TIME,
    finishedAt: ZERO_TIME,
  };
}

export function newContainerId(): string {
  return randomBytes(32).toString('hex');
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export function validateName(name: string): string {
  const n = name.startsWith('/') ? name.slice(1) : name;
  if (!NAME_RE.test(n)) {
    throw invalidArgument(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  return n;
}

const ADJECTIVES = ['brave', 'calm', 'eager', 'fond', 'keen', 'lucid', 'merry', 'noble', 'quiet', 'swift', 'vivid'];
const NOUNS = ['anchor', 'buoy', 'cove', 'dock', 'ferry', 'harbor', 'jetty', 'keel', 'mast', 'pier', 'quay', 'wharf'];

export class ContainerStore {
  readonly #db: Db;
  readonly #byId = new Map<string, ContainerRecord>();
  readonly #byName = new Map<string, string>();

  constructor(db: Db) {
    this.#db = db;
    db.exec(
      'CREATE TABLE IF NOT EXISTS containers (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, data TEXT NOT NULL)',
    );
    for (const row of db.prepare('SELECT data FROM containers').all()) {
      const rec = JSON.parse(String(row.data)) as ContainerRecord;
      this.#byId.set(rec.id, rec);
      this.#byName.set(rec.name, rec.id);
    }
  }

  /** 'conflict' with Docker's message if a container has the name `name`. */
  checkNameFree(name: string): void {
    const other = this.#byName.get(name);
    if (other !== undefined) {
      throw conflict(
        `Conflict. The container name "/${name}" is already in use by container "${other}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    }
  }

  /** Inserts a new record; 'conflict' if the name is taken. */
  insert(rec: ContainerRecord): void {
    this.checkNameFree(rec.name);
    this.#db
      .prepare('INSERT INTO containers (id, name, data) VALUES (?, ?, ?)')
      .run(rec.id, rec.name, JSON.stringify(rec));
    this.#byId.set(rec.id, rec);
    this.#byName.set(rec.name, rec.id);
  }

  /** Writes the record's current content through. */
  update(rec: ContainerRecord): void {
    this.#db.prepare('UPDATE containers SET data = ? WHERE id = ?').run(JSON.stringify(rec), rec.id);
    this.#byId.set(rec.id, rec);
  }

  delete(id: string): void {
    const rec = this.#byId.get(id);
    this.#db.prepare('DELETE FROM containers WHERE id = ?').run(id);
    this.#byId.delete(id);
    if (rec) this.#byName.delete(rec.name);
  }

  /** Resolves a full ID, a name (with or without '/'), or a unique ID prefix. */
  find(ref: string): ContainerRecord | undefined {
    const byId = this.#byId.get(ref);
    if (byId) return byId;
    const name = ref.startsWith('/') ? ref.slice(1) : ref;
    const named = this.#byName.get(name);
    if (named !== undefined) return this.#byId.get(named);
    if (!/^[0-9a-f]+$/.test(ref)) return undefined;
    let found: ContainerRecord | undefined;
    for (const [id, rec] of this.#byId) {
      if (id.startsWith(ref)) {
        if (found) throw invalidArgument(`multiple IDs found with provided prefix: ${ref}`);
        found = rec;
      }
    }
    return found;
  }

  get(ref: string): ContainerRecord {
    const rec = this.find(ref);
    if (!rec) throw notFound(`No such container: ${ref}`);
    return rec;
  }

  all(): ContainerRecord[] {
    return [...this.#byId.values()];
  }

  /** Gives the record a new name (written through); 'conflict' if another container has it. */
  rename(id: string, name: string): void {
    const rec = this.#byId.get(id);
    if (!rec) throw notFound(`No such container: ${id}`);
    const other = this.#byName.get(name);
    if (other !== undefined && other !== id) {
      throw conflict(
        `Error when allocating new name: Conflict. The container name "/${name}" is already in use by container "${other}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    }
    const renamed = { ...rec, name };
    this.#db.prepare('UPDATE containers SET name = ?, data = ? WHERE id = ?').run(name, JSON.stringify(renamed), id);
    this.#byName.delete(rec.name);
    rec.name = name;
    this.#byName.set(name, id);
  }

  /** IDs of the containers that mount the volume `name`. */
  usingVolume(name: string): string[] {
    const ids: string[] = [];
    for (const rec of this.#byId.values()) {
      if (rec.mounts?.some((m) => m.type === 'volume' && m.source === name)) ids.push(rec.id);
    }
    return ids;
  }

  usesImage(imageId: string): ContainerRecord | undefined {
    for (const rec of this.#byId.values()) if (rec.imageId === imageId) return rec;
    return undefined;
  }

  /** A free generated name like Docker's `brave_harbor`. */
  generateName(): string {
    for (let i = 0; ; i++) {
      const a = ADJECTIVES[Math.floor(Math.random() * ADJECTIVES.length)];
      const n = NOUNS[Math.floor(Math.random() * NOUNS.length)];
      const name = i < 20 ? `${a}_${n}` : `${a}_${n}${i}`;
      if (!this.#byName.has(name)) return name;
    }
  }
}
