/**
 * NetworkService: networks (records, Linux bridges, nftables elements, DNS),
 * containers' endpoints on them, and published ports.
 *
 * Lifecycle of a container's networking:
 * - `attach` at create records which networks it joins (endpoints);
 * - `prepare` at start leases addresses (so /etc/hosts can be written);
 * - `plumb` after the runtime created the task, before its process runs:
 *   a veth pair per endpoint into the task's network namespace, and the
 *   published ports (one map element each);
 * - `release` when the task exits: leases and ports go (the veth pair dies
 *   with the namespace; it is deleted anyway);
 * - `detach` at remove drops the endpoints.
 *
 * Everything host-global carries the daemon's prefix: the nft table is
 * `<prefix>`, user bridges `<prefix>b<hex>`, veths `<prefix>v<hex>`; so
 * daemons with different prefixes never touch each other's objects, and
 * `reconcile` can remove its own debris after a crash. One mutex serializes
 * changes (lock order: container lock, then this one).
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { BerthError, conflict, invalidArgument, notFound } from '../../lib/errors.ts';
import { KeyedMutex } from '../../lib/mutex.ts';
import type { Db } from '../db.ts';
import { DnsServer } from './dns.ts';
import {
  type AddressPool,
  allocateIp,
  type Cidr,
  carveSubnet,
  contains,
  formatCidr,
  formatIp,
  isIpv4,
  macFor,
  overlaps,
  parseCidr,
  parseIp,
} from './ipam.ts';
import {
  addVeth,
  type Bandwidth,
  checkRate,
  deleteLink,
  enableForwarding,
  ensureBridge,
  hostRoutes,
  linkExists,
  linkNames,
  nftApply,
} from './links.ts';
import { fullRuleset, isAnyAddress, networkElements, portElements, tableName } from './nft.ts';
import { NetworkStore } from './store.ts';
import type { EndpointConfig, EndpointRecord, Lease, NetworkRecord, PortRecord } from './types.ts';

/** Docker's default pools: 172.17-31.x.x/16, then 192.168.x.x/20. */
export const DEFAULT_POOLS: AddressPool[] = [
  { base: '172.17.0.0/16', size: 16 },
  { base: '172.18.0.0/15', size: 16 },
  { base: '172.20.0.0/14', size: 16 },
  { base: '172.24.0.0/13', size: 16 },
  { base: '192.168.0.0/16', size: 20 },
];

export interface NetworkServiceOptions {
  db: Db;
  /** Names this daemon's host objects: nft table, bridge and veth prefixes. 1-8 of [a-z0-9]. */
  prefix: string;
  /** The default bridge's Linux name (`bridge` in daemon.json). */
  defaultBridge: string;
  /** The default bridge's gateway/prefix, e.g. `172.17.0.1/16` (`bip`); else carved from the pools. */
  bip?: string;
  /** Where subnets of new networks come from (`default-address-pools`). */
  pools: AddressPool[];
  log?: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
}

/** A port to publish, as asked for: host port 0 means a free one; a range means the first free in it. */
export interface PortRequest {
  proto: 'tcp' | 'udp';
  hostIp: string;
  hostPort: number;
  hostPortEnd: number;
  containerPort: number;
}

/** Options of a new network. */
export interface CreateNetworkOptions {
  name: string;
  driver?: string;
  subnet?: string;
  gateway?: string;
  ipRange?: string;
  internal?: boolean;
  labels?: Record<string, string>;
  options?: Record<string, string>;
}

/** A container's addresses once leased, for its /etc/hosts and resolv.conf. */
export interface ContainerNetworking {
  endpoints: { network: NetworkRecord; endpoint: EndpointRecord; lease: Lease }[];
  /** The embedded DNS server to use (the first user network's gateway), if any. */
  dnsServer?: string;
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** Network options and container labels (berth extension) that limit an endpoint's rate. */
export const BANDWIDTH_INGRESS = 'berth.bandwidth.ingress';
export const BANDWIDTH_EGRESS = 'berth.bandwidth.egress';

/** The limits of an endpoint: the container's own, else its network's. */
function bandwidthOf(net: NetworkRecord, own: Bandwidth | undefined): Bandwidth | undefined {
  const ingress = own?.ingress ?? net.options[BANDWIDTH_INGRESS];
  const egress = own?.egress ?? net.options[BANDWIDTH_EGRESS];
  if (!ingress && !egress) return undefined;
  return { ...(ingress ? { ingress } : {}), ...(egress ? { egress } : {}) };
}
const MTU = 1500;

function randomHex(n: number): string {
  return randomBytes(Math.ceil(n / 2))
    .toString('hex')
    .slice(0, n);
}

/** Whether `proto` `ip`:`port` can be bound on this host right now. */
function portFree(proto: 'tcp' | 'udp', ip: string, port: number): Promise<boolean> {
  const host = isAnyAddress(ip) ? '0.0.0.0' : ip;
  return new Promise((resolve) => {
    if (proto === 'udp') {
      const s = createSocket('udp4');
      s.once('error', () => {
        s.close();
        resolve(false);
      });
      s.bind(port, host, () => s.close(() => resolve(true)));
      return;
    }
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A port the kernel would hand out now (bind to port 0). */
function ephemeralPort(proto: 'tcp' | 'udp', ip: string): Promise<number> {
  const host = isAnyAddress(ip) ? '0.0.0.0' : ip;
  return new Promise((resolve, reject) => {
    if (proto === 'udp') {
      const s = createSocket('udp4');
      s.once('error', reject);
      s.bind(0, host, () => {
        const p = s.address().port;
        s.close(() => resolve(p));
      });
      return;
    }
    const srv = createServer();
    srv.once('error', reject);
    srv.listen({ port: 0, host }, () => {
      const addr = srv.address();
      const p = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(p));
    });
  });
}

export class NetworkService {
  readonly #o: NetworkServiceOptions;
  readonly #store: NetworkStore;
  readonly #lock = new KeyedMutex();
  readonly #dns: DnsServer;
  readonly #table: string;
  readonly #warnings: string[] = [];

  constructor(opts: NetworkServiceOptions) {
    if (!/^[a-z][a-z0-9]{0,7}$/.test(opts.prefix)) {
      throw invalidArgument(`invalid network prefix "${opts.prefix}": 1 to 8 of [a-z0-9], starting with a letter`);
    }
    this.#o = opts;
    this.#store = new NetworkStore(opts.db);
    this.#table = tableName(opts.prefix);
    this.#dns = new DnsServer({
      lookup: (server, client, name) => this.#lookup(server, client, name),
      log: (msg, fields) => this.#log('warn', msg, fields),
    });
  }

  #log(level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>): void {
    this.#o.log?.(level, msg, fields);
  }

  #locked<T>(fn: () => Promise<T>): Promise<T> {
    return this.#lock.run('net', fn);
  }

  /** The nft table this daemon owns. */
  get table(): string {
    return this.#table;
  }

  /** Problems worth showing in `info` (e.g. forwarding could not be enabled). */
  warnings(): string[] {
    return [...this.#warnings];
  }

  // ---- start-up -----------------------------------------------------------------

  /**
   * Creates the predefined networks on first start, makes sure every bridge
   * exists, writes the whole nft table from the records (atomically: existing
   * connections and published ports never see a gap), and starts the DNS
   * servers of user networks.
   */
  async init(): Promise<void> {
    await this.#locked(async () => {
      if (!enableForwarding()) {
        this.#warnings.push('WARNING: IPv4 forwarding is disabled and cannot be enabled: containers cannot reach out');
      }
      if (!this.#store.findNetwork('bridge')) await this.#createDefault();
      for (const [name, driver] of [
        ['host', 'host'],
        ['none', 'null'],
      ] as const) {
        if (!this.#store.findNetwork(name)) this.#store.putNetwork(this.#record({ name, driver, predefined: true }));
      }
      for (const n of this.#bridgeNetworks()) await ensureBridge(this.#bridgeSpec(n));
      await this.#writeAll();
      for (const n of this.#bridgeNetworks()) if (n.dns) await this.#listenDns(n);
    });
  }

  /**
   * Removes what no container needs any more: endpoints of containers that
   * no longer exist, leases and ports of containers that are not running,
   * and links carrying this daemon's prefix that no record knows. Then
   * rewrites the table from the records.
   */
  async reconcile(containers: { known: ReadonlySet<string>; running: ReadonlySet<string> }): Promise<void> {
    await this.#locked(async () => {
      for (const e of this.#store.endpoints()) {
        if (!containers.known.has(e.containerId)) this.#store.deleteEndpoint(e.containerId, e.networkId);
        else if (e.lease && !containers.running.has(e.containerId)) {
          await deleteLink(e.lease.veth).catch(() => {});
          this.#store.putEndpoint({ ...e, lease: undefined });
        }
      }
      const stalePorts = this.#store.ports().filter((p) => !containers.running.has(p.containerId));
      this.#store.changePorts([], stalePorts);
      const wanted = new Set<string>();
      for (const n of this.#bridgeNetworks()) wanted.add(n.bridge);
      for (const e of this.#store.endpoints()) if (e.lease) wanted.add(e.lease.veth);
      for (const link of await linkNames()) {
        if (wanted.has(link) || link.length !== 15) continue;
        if (link.startsWith(`${this.#o.prefix}v`) || link.startsWith(`${this.#o.prefix}b`)) {
          this.#log('warn', 'removing a stale link', { link });
          await deleteLink(link).catch(() => {});
        }
      }
      await this.#writeAll();
    });
  }

  /** Stops the DNS servers; bridges and rules stay (containers outlive berthd). */
  close(): void {
    this.#dns.closeAll();
  }

  async #createDefault(): Promise<void> {
    let subnet: Cidr;
    let gateway: string;
    if (this.#o.bip) {
      const [ip = ''] = this.#o.bip.split('/');
      subnet = parseCidr(this.#o.bip);
      gateway = ip;
      if (formatIp(subnet.base) === gateway) gateway = formatIp(subnet.base + 1);
    } else {
      const taken = (await hostRoutes()).map((r) => parseCidr(r));
      const c = carveSubnet(this.#o.pools, taken);
      if (!c) throw new BerthError('unavailable', 'no free subnet for the default bridge: set "bip" in daemon.json');
      subnet = c;
      gateway = formatIp(c.base + 1);
    }
    this.#store.putNetwork(
      this.#record({
        name: 'bridge',
        driver: 'bridge',
        predefined: true,
        bridge: this.#o.defaultBridge,
        subnet: formatCidr(subnet),
        gateway,
        options: {
          'com.docker.network.bridge.default_bridge': 'true',
          'com.docker.network.bridge.enable_icc': 'true',
          'com.docker.network.bridge.enable_ip_masquerade': 'true',
          'com.docker.network.bridge.name': this.#o.defaultBridge,
          'com.docker.network.driver.mtu': String(MTU),
        },
      }),
    );
  }

  #record(r: Partial<NetworkRecord> & Pick<NetworkRecord, 'name' | 'driver'>): NetworkRecord {
    return {
      id: randomBytes(32).toString('hex'),
      created: new Date().toISOString(),
      bridge: '',
      subnet: '',
      gateway: '',
      ipRange: '',
      internal: false,
      predefined: false,
      labels: {},
      options: {},
      mtu: MTU,
      dns: false,
      ...r,
    };
  }

  #bridgeNetworks(): NetworkRecord[] {
    return this.#store.networks().filter((n) => n.driver === 'bridge');
  }

  #bridgeSpec(n: NetworkRecord): { name: string; address: string; mtu: number } {
    return { name: n.bridge, address: `${n.gateway}/${parseCidr(n.subnet).bits}`, mtu: n.mtu };
  }

  #ruled(n: NetworkRecord): { bridge: string; subnet: string; internal: boolean } {
    return { bridge: n.bridge, subnet: n.subnet, internal: n.internal };
  }

  async #writeAll(): Promise<void> {
    await nftApply(
      fullRuleset(
        this.#table,
        this.#bridgeNetworks().map((n) => this.#ruled(n)),
        this.#store.ports(),
      ),
    );
  }

  async #listenDns(n: NetworkRecord): Promise<void> {
    await this.#dns
      .listen(n.gateway)
      .catch((err) =>
        this.#log('warn', 'cannot serve DNS on the network gateway', { network: n.name, err: String(err) }),
      );
  }

  // ---- networks -----------------------------------------------------------------

  list(): NetworkRecord[] {
    return this.#store.networks();
  }

  get(ref: string): NetworkRecord {
    return this.#store.network(ref);
  }

  endpointsOn(networkId: string): EndpointRecord[] {
    return this.#store.endpointsOn(networkId);
  }

  endpointsOf(containerId: string): EndpointRecord[] {
    return this.#store.endpointsOf(containerId);
  }

  portsOf(containerId: string): PortRecord[] {
    return this.#store.portsOf(containerId);
  }

  /** Creates a bridge network; all or nothing (record, bridge, rules, DNS). */
  create(opts: CreateNetworkOptions): Promise<NetworkRecord> {
    return this.#locked(async () => {
      if (!NAME_RE.test(opts.name)) {
        throw invalidArgument(`invalid network name "${opts.name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
      }
      if (this.#store.networks().some((n) => n.name === opts.name)) {
        throw new BerthError('already-exists', `network with name ${opts.name} already exists`);
      }
      const driver = opts.driver || 'bridge';
      if (driver !== 'bridge') {
        throw invalidArgument(`plugin "${driver}" not found: berth supports the bridge driver only`);
      }
      const options = { ...(opts.options ?? {}) };
      const mtu = options['com.docker.network.driver.mtu'] ? Number(options['com.docker.network.driver.mtu']) : MTU;
      if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535) throw invalidArgument(`invalid MTU: ${mtu}`);
      for (const key of [BANDWIDTH_INGRESS, BANDWIDTH_EGRESS]) {
        const rate = options[key];
        if (rate !== undefined) options[key] = checkRate(rate);
      }
      const bridge =
        options['com.docker.network.bridge.name'] || `${this.#o.prefix}b${randomHex(14 - this.#o.prefix.length)}`;
      if (!/^[a-zA-Z0-9_.-]{1,15}$/.test(bridge)) throw invalidArgument(`invalid bridge name: ${bridge}`);
      if (this.#bridgeNetworks().some((n) => n.bridge === bridge) || linkExists(bridge)) {
        throw conflict(`bridge name ${bridge} is already in use`);
      }
      const others = this.#bridgeNetworks().map((n) => ({ name: n.name, cidr: parseCidr(n.subnet) }));
      const routes = (await hostRoutes()).map((r) => parseCidr(r));
      let subnet: Cidr;
      if (opts.subnet) {
        subnet = parseCidr(opts.subnet, { strict: true });
      } else {
        if (opts.gateway || opts.ipRange) throw invalidArgument('a gateway or an ip-range needs a subnet (--subnet)');
        const c = carveSubnet(this.#o.pools, [...others.map((o) => o.cidr), ...routes]);
        if (!c) throw new BerthError('unavailable', 'could not find an available, non-overlapping IPv4 address pool');
        subnet = c;
      }
      let gateway = formatIp(subnet.base + 1);
      if (opts.gateway) {
        if (!isIpv4(opts.gateway) || !contains(subnet, parseIp(opts.gateway))) {
          throw invalidArgument(`gateway ${opts.gateway} is not in subnet ${formatCidr(subnet)}`);
        }
        gateway = opts.gateway;
      }
      let ipRange = '';
      if (opts.ipRange) {
        const r = parseCidr(opts.ipRange, { strict: true });
        if (!contains(subnet, r.base) || r.bits < subnet.bits) {
          throw invalidArgument(`ip-range ${opts.ipRange} is not in subnet ${formatCidr(subnet)}`);
        }
        ipRange = formatCidr(r);
      }
      if (opts.subnet) {
        const clash = others.find((o) => overlaps(o.cidr, subnet));
        if (clash) {
          throw new BerthError(
            'forbidden',
            `invalid pool request: Pool overlaps with other one on this address space (${opts.subnet} overlaps network ${clash.name})`,
          );
        }
        if (routes.some((r) => overlaps(r, subnet))) {
          throw new BerthError('forbidden', `subnet ${opts.subnet} overlaps with a route of this host`);
        }
      }
      options['com.docker.network.bridge.name'] ??= bridge;
      const rec = this.#record({
        name: opts.name,
        driver: 'bridge',
        bridge,
        subnet: formatCidr(subnet),
        gateway,
        ipRange,
        internal: opts.internal === true,
        labels: opts.labels ?? {},
        options,
        mtu,
        dns: true,
      });
      this.#store.putNetwork(rec);
      try {
        await ensureBridge(this.#bridgeSpec(rec));
        await nftApply(networkElements('add', this.#table, this.#ruled(rec)).join('\n'));
        await this.#listenDns(rec);
      } catch (err) {
        await this.#removeNetworkLocked(rec).catch(() => {});
        throw err;
      }
      this.#log('info', 'network created', { name: rec.name, subnet: rec.subnet, bridge });
      return rec;
    });
  }

  /** Removes a user network; 'forbidden' for predefined ones, 'conflict' while containers use it. */
  remove(ref: string): Promise<void> {
    return this.#locked(async () => {
      const n = this.#store.network(ref);
      if (n.predefined) throw new BerthError('forbidden', `${n.name} is a pre-defined network and cannot be removed`);
      const users = this.#store.endpointsOn(n.id);
      if (users.length > 0) {
        throw conflict(
          `error while removing network: network ${n.name} id ${n.id} has active endpoints (${users
            .map((e) => e.containerName)
            .join(', ')})`,
        );
      }
      await this.#removeNetworkLocked(n);
    });
  }

  async #removeNetworkLocked(n: NetworkRecord): Promise<void> {
    this.#dns.close(n.gateway);
    await nftApply(networkElements('delete', this.#table, this.#ruled(n)).join('\n')).catch(() => {});
    await deleteLink(n.bridge);
    this.#store.deleteNetwork(n.id);
    this.#log('info', 'network removed', { name: n.name });
  }

  // ---- containers ---------------------------------------------------------------

  /**
   * Records a container's endpoints (at create): `networks` maps a network
   * name or ID to what the container asks for on it. Checks everything a
   * start would refuse: unknown networks, aliases or addresses on the
   * default bridge, addresses outside the subnet or taken.
   */
  attach(container: { id: string; name: string }, networks: Record<string, EndpointConfig>): Promise<void> {
    return this.#locked(async () => {
      const resolved = Object.entries(networks).map(([ref, cfg]) => ({ net: this.#store.network(ref), cfg }));
      for (const { net, cfg } of resolved) this.#checkEndpoint(container.id, net, cfg);
      let seq = Math.max(0, ...this.#store.endpointsOf(container.id).map((e) => e.seq + 1));
      for (const { net, cfg } of resolved) {
        if (net.driver !== 'bridge') continue;
        this.#store.putEndpoint({
          containerId: container.id,
          containerName: container.name,
          networkId: net.id,
          seq: seq++,
          config: cfg,
        });
      }
    });
  }

  #checkEndpoint(containerId: string, net: NetworkRecord, cfg: EndpointConfig): void {
    if (net.driver !== 'bridge') return;
    if (this.#store.endpoint(containerId, net.id)) {
      throw new BerthError(
        'forbidden',
        `endpoint with name ${containerId.slice(0, 12)} already exists in network ${net.name}`,
      );
    }
    if (net.predefined && cfg.aliases.length > 0) {
      throw invalidArgument('network-scoped alias is supported only for containers in user defined networks');
    }
    if (net.predefined && cfg.ip) {
      throw invalidArgument('user specified IP address is supported on user defined networks only');
    }
    if (cfg.mac && !/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/.test(cfg.mac)) {
      throw invalidArgument(`invalid MAC address: ${cfg.mac}`);
    }
    if (cfg.ip) {
      if (!isIpv4(cfg.ip) || !contains(parseCidr(net.subnet), parseIp(cfg.ip))) {
        throw invalidArgument(
          `invalid IPv4 address ${cfg.ip}: it is not in subnet ${net.subnet} of network ${net.name}`,
        );
      }
      if (cfg.ip === net.gateway) throw conflict(`address ${cfg.ip} is the gateway of network ${net.name}`);
      const other = this.#store
        .endpointsOn(net.id)
        .find((e) => e.containerId !== containerId && (e.config.ip === cfg.ip || e.lease?.ip === cfg.ip));
      if (other) throw conflict(`Address already in use: ${cfg.ip} (container ${other.containerName})`);
    }
  }

  /** The embedded DNS answers the container's new name (after `rename`). */
  renameContainer(containerId: string, name: string): Promise<void> {
    return this.#locked(async () => {
      for (const e of this.#store.endpointsOf(containerId)) this.#store.putEndpoint({ ...e, containerName: name });
    });
  }

  /** Drops all of a container's endpoints (at remove). */
  detach(containerId: string): Promise<void> {
    return this.#locked(async () => {
      await this.#releaseLocked(containerId);
      for (const e of this.#store.endpointsOf(containerId)) this.#store.deleteEndpoint(containerId, e.networkId);
    });
  }

  /** Leases an address on each of the container's networks (at start, before the task exists). */
  prepare(containerId: string): Promise<ContainerNetworking> {
    return this.#locked(async () => {
      const out: ContainerNetworking = { endpoints: [] };
      try {
        for (const e of this.#store.endpointsOf(containerId)) {
          const network = this.#store.network(e.networkId);
          const lease = e.lease ?? this.#lease(network, e, out.endpoints.length);
          const endpoint = { ...e, lease };
          this.#store.putEndpoint(endpoint);
          out.endpoints.push({ network, endpoint, lease });
          if (!out.dnsServer && network.dns) out.dnsServer = network.gateway;
        }
      } catch (err) {
        await this.#releaseLocked(containerId);
        throw err;
      }
      return out;
    });
  }

  #lease(net: NetworkRecord, e: EndpointRecord, index: number): Lease {
    const subnet = parseCidr(net.subnet);
    const used = new Set<number>([parseIp(net.gateway)]);
    for (const o of this.#store.endpointsOn(net.id)) {
      if (o.containerId === e.containerId) continue;
      if (o.lease) used.add(parseIp(o.lease.ip));
      if (o.config.ip) used.add(parseIp(o.config.ip));
    }
    let ip: number | undefined;
    if (e.config.ip) {
      ip = parseIp(e.config.ip);
      if (used.has(ip)) throw conflict(`Address already in use: ${e.config.ip}`);
    } else {
      ip = allocateIp(subnet, net.ipRange ? parseCidr(net.ipRange) : subnet, used);
      if (ip === undefined) throw new BerthError('unavailable', `no available IPv4 address on network ${net.name}`);
    }
    return {
      ip: formatIp(ip),
      mac: e.config.mac || macFor(ip),
      veth: `${this.#o.prefix}v${randomHex(14 - this.#o.prefix.length)}`,
      ifname: `eth${index}`,
    };
  }

  /**
   * Wires the leased endpoints into the task's network namespace and
   * publishes its ports. On failure everything of this start is undone.
   * `bandwidth` (the container's own limits) wins over its networks'.
   */
  plumb(
    containerId: string,
    opts: { netns: string; ports: readonly PortRequest[]; bandwidth?: Bandwidth },
  ): Promise<PortRecord[]> {
    const { netns, ports } = opts;
    return this.#locked(async () => {
      try {
        let routed = false;
        for (const e of this.#store.endpointsOf(containerId)) {
          if (!e.lease) continue;
          const net = this.#store.network(e.networkId);
          const gateway = !routed && !net.internal ? net.gateway : undefined;
          if (gateway) routed = true;
          await addVeth({
            netns,
            veth: e.lease.veth,
            ifname: e.lease.ifname,
            bridge: net.bridge,
            mtu: net.mtu,
            address: `${e.lease.ip}/${parseCidr(net.subnet).bits}`,
            mac: e.lease.mac,
            gateway,
            bandwidth: bandwidthOf(net, opts.bandwidth),
          });
        }
        return await this.#publishLocked(containerId, ports);
      } catch (err) {
        await this.#releaseLocked(containerId);
        throw err;
      }
    });
  }

  /** Undoes prepare and plumb (the task exited or failed to start). */
  release(containerId: string): Promise<void> {
    return this.#locked(() => this.#releaseLocked(containerId));
  }

  async #releaseLocked(containerId: string): Promise<void> {
    const ports = this.#store.portsOf(containerId);
    if (ports.length > 0) {
      await nftApply(portElements('delete', this.#table, ports).join('\n')).catch((err) =>
        this.#log('warn', 'removing published ports failed', { containerId, err: String(err) }),
      );
      this.#store.changePorts([], ports);
    }
    for (const e of this.#store.endpointsOf(containerId)) {
      if (!e.lease) continue;
      await deleteLink(e.lease.veth).catch((err) =>
        this.#log('warn', 'deleting a veth failed', { veth: e.lease?.veth, err: String(err) }),
      );
      this.#store.putEndpoint({ ...e, lease: undefined });
    }
  }

  /** Publishes more ports of a running container (berth extension: `update --publish-add`). */
  publish(containerId: string, ports: readonly PortRequest[]): Promise<PortRecord[]> {
    return this.#locked(() => this.#publishLocked(containerId, ports));
  }

  /** Stops publishing the given host ports of a container (`update --publish-rm`). */
  unpublish(
    containerId: string,
    which: readonly { proto: 'tcp' | 'udp'; hostIp: string; hostPort: number }[],
  ): Promise<void> {
    return this.#locked(async () => {
      const mine = this.#store.portsOf(containerId);
      const gone = which.map((w) => {
        const p = mine.find(
          (m) => m.proto === w.proto && m.hostPort === w.hostPort && (isAnyAddress(w.hostIp) || m.hostIp === w.hostIp),
        );
        if (!p) throw notFound(`port ${w.hostPort}/${w.proto} is not published by this container`);
        return p;
      });
      if (gone.length === 0) return;
      await nftApply(portElements('delete', this.#table, gone).join('\n'));
      this.#store.changePorts([], gone);
    });
  }

  async #publishLocked(containerId: string, requests: readonly PortRequest[]): Promise<PortRecord[]> {
    if (requests.length === 0) return [];
    const target = this.#store.endpointsOf(containerId).find((e) => e.lease);
    if (!target?.lease) throw conflict('cannot publish ports: the container has no address on a bridge network');
    const chosen: PortRecord[] = [];
    const clash = (proto: string, ip: string, port: number): PortRecord | undefined =>
      [...this.#store.ports(), ...chosen].find(
        (p) =>
          p.proto === proto && p.hostPort === port && (isAnyAddress(p.hostIp) || isAnyAddress(ip) || p.hostIp === ip),
      );
    for (const r of requests) {
      const hostIp = isAnyAddress(r.hostIp) ? '' : r.hostIp;
      if (hostIp && !isIpv4(hostIp)) throw invalidArgument(`invalid host IP for publishing: ${r.hostIp} (IPv4 only)`);
      let port: number | undefined;
      if (r.hostPort === 0) {
        for (let i = 0; i < 20 && port === undefined; i++) {
          const p = await ephemeralPort(r.proto, hostIp);
          if (!clash(r.proto, hostIp, p)) port = p;
        }
      } else {
        for (let p = r.hostPort; p <= Math.max(r.hostPort, r.hostPortEnd) && port === undefined; p++) {
          const owner = clash(r.proto, hostIp, p);
          if (owner) {
            if (r.hostPortEnd > r.hostPort) continue;
            throw conflict(
              `Bind for ${hostIp || '0.0.0.0'}:${p} failed: port is already allocated${
                owner.containerId === containerId ? '' : ` (container ${owner.containerId.slice(0, 12)})`
              }`,
            );
          }
          if (await portFree(r.proto, hostIp, p)) port = p;
          else if (r.hostPortEnd <= r.hostPort) {
            throw conflict(
              `Bind for ${hostIp || '0.0.0.0'}:${p}/${r.proto} failed: the port is in use by a process on this host`,
            );
          }
        }
      }
      if (port === undefined) {
        throw conflict(`no free host port in ${r.hostPort}-${r.hostPortEnd}/${r.proto} on ${hostIp || '0.0.0.0'}`);
      }
      chosen.push({ containerId, proto: r.proto, hostIp, hostPort: port, ip: target.lease.ip, port: r.containerPort });
    }
    await nftApply(portElements('add', this.#table, chosen).join('\n'));
    this.#store.changePorts(chosen, []);
    return chosen;
  }

  /**
   * Connects a container to one more network; with `netns` (it runs) the
   * endpoint is wired at once.
   */
  connect(
    container: { id: string; name: string },
    ref: string,
    cfg: EndpointConfig,
    running?: { netns: string; bandwidth?: Bandwidth },
  ): Promise<void> {
    const netns = running?.netns;
    const bandwidth = running?.bandwidth;
    return this.#locked(async () => {
      const net = this.#store.network(ref);
      if (net.driver !== 'bridge') {
        throw new BerthError(
          'forbidden',
          `container cannot be connected to network ${net.name} (driver ${net.driver})`,
        );
      }
      this.#checkEndpoint(container.id, net, cfg);
      const mine = this.#store.endpointsOf(container.id);
      const e: EndpointRecord = {
        containerId: container.id,
        containerName: container.name,
        networkId: net.id,
        seq: Math.max(0, ...mine.map((m) => m.seq + 1)),
        config: cfg,
      };
      if (!netns) {
        this.#store.putEndpoint(e);
        return;
      }
      const used = new Set(mine.map((m) => m.lease?.ifname));
      let index = 0;
      while (used.has(`eth${index}`)) index++;
      const lease = this.#lease(net, e, index);
      this.#store.putEndpoint({ ...e, lease });
      try {
        const routed = mine.some((m) => m.lease && !this.#store.network(m.networkId).internal);
        await addVeth({
          netns,
          veth: lease.veth,
          ifname: lease.ifname,
          bridge: net.bridge,
          mtu: net.mtu,
          address: `${lease.ip}/${parseCidr(net.subnet).bits}`,
          mac: lease.mac,
          gateway: !routed && !net.internal ? net.gateway : undefined,
          bandwidth: bandwidthOf(net, bandwidth),
        });
      } catch (err) {
        this.#store.deleteEndpoint(container.id, net.id);
        throw err;
      }
    });
  }

  /** Disconnects a container from a network (its veth goes at once when it runs). */
  disconnect(containerId: string, ref: string): Promise<void> {
    return this.#locked(async () => {
      const net = this.#store.network(ref);
      const e = this.#store.endpoint(containerId, net.id);
      if (!e) throw notFound(`container ${containerId.slice(0, 12)} is not connected to network ${net.name}`);
      if (e.lease) {
        const ports = this.#store.portsOf(containerId).filter((p) => p.ip === e.lease?.ip);
        if (ports.length > 0) {
          await nftApply(portElements('delete', this.#table, ports).join('\n'));
          this.#store.changePorts([], ports);
        }
        await deleteLink(e.lease.veth);
      }
      this.#store.deleteEndpoint(containerId, net.id);
    });
  }

  /**
   * The embedded DNS's answer for `name` asked by `client` through the server
   * on `server`: the names of containers on every user network the client
   * is on (not just the one it asked through), as Docker answers.
   */
  #lookup(server: string, client: string, name: string): string[] | undefined {
    const net = this.#bridgeNetworks().find((n) => n.dns && n.gateway === server);
    if (!net) return undefined;
    const asker = this.#store.endpointsOn(net.id).find((e) => e.lease?.ip === client);
    const nets = asker
      ? this.#store
          .endpointsOf(asker.containerId)
          .map((e) => this.#store.findNetwork(e.networkId))
          .filter((n): n is NetworkRecord => n?.dns === true)
      : [net];
    const ips: string[] = [];
    for (const n of nets) {
      for (const e of this.#store.endpointsOn(n.id)) {
        if (!e.lease) continue;
        if (
          e.containerName.toLowerCase() === name ||
          e.config.aliases.some((a) => a.toLowerCase() === name) ||
          (name.length >= 12 && e.containerId.startsWith(name))
        ) {
          ips.push(e.lease.ip);
        }
      }
    }
    if (ips.length > 0) return [...new Set(ips)];
    // A single label no container has is not relayed: the world cannot answer it.
    return name.includes('.') ? undefined : [];
  }
}
