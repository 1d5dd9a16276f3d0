/**
 * The network module's records in berth.db (tables `networks`, `endpoints`
 * and `ports`, owned here), indexed in memory. Every change is written
 * through before it is visible.
 */
import { notFound } from '../../lib/errors.ts';
import { type Db, inTransaction } from '../db.ts';
import type { EndpointRecord, NetworkRecord, PortRecord } from './types.ts';

const portKey = (p: { proto: string; hostIp: string; hostPort: number }): string =>
  `${p.proto}/${p.hostIp || '0.0.0.0'}/${p.hostPort}`;

export class NetworkStore {
  readonly #db: Db;
  readonly #networks = new Map<string, NetworkRecord>();
  readonly #endpoints = new Map<string, EndpointRecord>();
  readonly #ports = new Map<string, PortRecord>();

  constructor(db: Db) {
    this.#db = db;
    db.exec(`
      CREATE TABLE IF NOT EXISTS networks (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, record TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS endpoints (container_id TEXT NOT NULL, network_id TEXT NOT NULL, record TEXT NOT NULL,
        PRIMARY KEY (container_id, network_id));
      CREATE TABLE IF NOT EXISTS ports (key TEXT PRIMARY KEY, container_id TEXT NOT NULL, record TEXT NOT NULL);
    `);
    for (const row of db.prepare('SELECT record FROM networks').all()) {
      const n = JSON.parse(String(row.record)) as NetworkRecord;
      this.#networks.set(n.id, n);
    }
    for (const row of db.prepare('SELECT record FROM endpoints').all()) {
      const e = JSON.parse(String(row.record)) as EndpointRecord;
      this.#endpoints.set(`${e.containerId}/${e.networkId}`, e);
    }
    for (const row of db.prepare('SELECT record FROM ports').all()) {
      const p = JSON.parse(String(row.record)) as PortRecord;
      this.#ports.set(portKey(p), p);
    }
  }

  // ---- networks

  networks(): NetworkRecord[] {
    return [...this.#networks.values()];
  }

  /** By full ID, name, or unique ID prefix; 'not-found' with Docker's message. */
  network(ref: string): NetworkRecord {
    const n = this.findNetwork(ref);
    if (!n) throw notFound(`network ${ref} not found`);
    return n;
  }

  findNetwork(ref: string): NetworkRecord | undefined {
    const byId = this.#networks.get(ref);
    if (byId) return byId;
    const all = this.networks();
    const byName = all.find((n) => n.name === ref);
    if (byName) return byName;
    if (!/^[0-9a-f]+$/.test(ref)) return undefined;
    const matches = all.filter((n) => n.id.startsWith(ref));
    return matches.length === 1 ? matches[0] : undefined;
  }

  putNetwork(n: NetworkRecord): void {
    this.#db
      .prepare('INSERT OR REPLACE INTO networks (id, name, record) VALUES (?, ?, ?)')
      .run(n.id, n.name, JSON.stringify(n));
    this.#networks.set(n.id, n);
  }

  deleteNetwork(id: string): void {
    this.#db.prepare('DELETE FROM networks WHERE id = ?').run(id);
    this.#networks.delete(id);
  }

  // ---- endpoints

  endpoints(): EndpointRecord[] {
    return [...this.#endpoints.values()];
  }

  endpointsOf(containerId: string): EndpointRecord[] {
    return this.endpoints()
      .filter((e) => e.containerId === containerId)
      .sort((a, b) => a.seq - b.seq);
  }

  endpointsOn(networkId: string): EndpointRecord[] {
    return this.endpoints().filter((e) => e.networkId === networkId);
  }

  endpoint(containerId: string, networkId: string): EndpointRecord | undefined {
    return this.#endpoints.get(`${containerId}/${networkId}`);
  }

  putEndpoint(e: EndpointRecord): void {
    this.#db
      .prepare('INSERT OR REPLACE INTO endpoints (container_id, network_id, record) VALUES (?, ?, ?)')
      .run(e.containerId, e.networkId, JSON.stringify(e));
    this.#endpoints.set(`${e.containerId}/${e.networkId}`, e);
  }

  deleteEndpoint(containerId: string, networkId: string): void {
    this.#db.prepare('DELETE FROM endpoints WHERE container_id = ? AND network_id = ?').run(containerId, networkId);
    this.#endpoints.delete(`${containerId}/${networkId}`);
  }

  // ---- ports

  ports(): PortRecord[] {
    return [...this.#ports.values()];
  }

  portsOf(containerId: string): PortRecord[] {
    return this.ports().filter((p) => p.containerId === containerId);
  }

  port(p: { proto: string; hostIp: string; hostPort: number }): PortRecord | undefined {
    return this.#ports.get(portKey(p));
  }

  /** Adds and removes published ports in one transaction. */
  changePorts(add: readonly PortRecord[], remove: readonly PortRecord[]): void {
    inTransaction(this.#db, () => {
      for (const p of remove) this.#db.prepare('DELETE FROM ports WHERE key = ?').run(portKey(p));
      for (const p of add) {
        this.#db
          .prepare('INSERT OR REPLACE INTO ports (key, container_id, record) VALUES (?, ?, ?)')
          .run(portKey(p), p.containerId, JSON.stringify(p));
      }
    });
    for (const p of remove) this.#ports.delete(portKey(p));
    for (const p of add) this.#ports.set(portKey(p), p);
  }
}
