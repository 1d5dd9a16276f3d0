/**
 * NetworksApi over core/network: Docker's network JSON in and out, filters,
 * and connect/disconnect through the container service (which holds the
 * container's lock and knows whether it runs).
 */
import type { NetworksApi } from '../engine.ts';
import type { Filters, NetworkCreateRequest, NetworkInspect } from '../types.ts';
import { BerthError, invalidArgument } from '../../lib/errors.ts';
import type { NetworkService } from '../../core/network/service.ts';
import type { NetworkRecord } from '../../core/network/types.ts';
import type { ContainerService } from './containers.ts';

function driverName(n: NetworkRecord): string {
  return n.driver;
}

export function toNetworkInspect(net: NetworkService, n: NetworkRecord, names: (id: string) => string): NetworkInspect {
  const containers: NetworkInspect['Containers'] = {};
  const bits = n.subnet ? n.subnet.split('/')[1] : '';
  for (const e of net.endpointsOn(n.id)) {
    if (!e.lease) continue;
    containers[e.containerId] = {
      Name: names(e.containerId) || e.containerName,
      EndpointID: `${e.containerId.slice(0, 32)}${n.id.slice(0, 32)}`,
      MacAddress: e.lease.mac,
      IPv4Address: `${e.lease.ip}/${bits}`,
      IPv6Address: '',
    };
  }
  return {
    Name: n.name,
    Id: n.id,
    Created: n.created,
    Scope: 'local',
    Driver: driverName(n),
    EnableIPv4: n.driver === 'bridge',
    EnableIPv6: false,
    IPAM: {
      Driver: 'default',
      Options: null,
      Config: n.subnet ? [{ Subnet: n.subnet, Gateway: n.gateway, ...(n.ipRange ? { IPRange: n.ipRange } : {}) }] : [],
    },
    Internal: n.internal,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: containers,
    Options: n.options,
    Labels: n.labels,
  };
}

const FILTERS = ['name', 'id', 'label', 'driver', 'type', 'dangling', 'scope', 'until'];

function matchLabel(labels: Record<string, string>, want: string): boolean {
  const eq = want.indexOf('=');
  if (eq < 0) return want in labels;
  return labels[want.slice(0, eq)] === want.slice(eq + 1);
}

function matches(net: NetworkService, n: NetworkRecord, filters: Filters): boolean {
  for (const key of Object.keys(filters)) {
    if (!FILTERS.includes(key)) throw invalidArgument(`invalid filter '${key}'`);
  }
  const any = (key: string, f: (v: string) => boolean): boolean => {
    const vals = filters[key];
    return !vals || vals.length === 0 || vals.some(f);
  };
  return (
    any('name', (v) => n.name.includes(v)) &&
    any('id', (v) => n.id.startsWith(v)) &&
    (filters.label ?? []).every((l) => matchLabel(n.labels, l)) &&
    any('driver', (v) => driverName(n) === v) &&
    any('scope', (v) => v === 'local') &&
    any('type', (v) => (v === 'builtin' ? n.predefined : v === 'custom' ? !n.predefined : false)) &&
    any('dangling', (v) => (v === 'true' || v === '1') === (!n.predefined && net.endpointsOn(n.id).length === 0)) &&
    any('until', (v) => Date.parse(n.created) < untilMs(v))
  );
}

function untilMs(v: string): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const rel = /^(\d+)(s|m|h)$/.exec(v);
  if (rel) return Date.now() - Number(rel[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[rel[2] as 's' | 'm' | 'h'];
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw invalidArgument(`invalid until filter: ${v}`);
  return t;
}

export function createNetworksApi(opts: {
  network: NetworkService;
  containers: ContainerService;
  /** The container's current name, '' if gone. */
  containerName: (id: string) => string;
}): NetworksApi {
  const { network, containers, containerName } = opts;
  const view = (n: NetworkRecord): NetworkInspect => toNetworkInspect(network, n, containerName);
  return {
    async list(o = {}) {
      return network
        .list()
        .filter((n) => matches(network, n, o.filters ?? {}))
        .map(view);
    },
    async inspect(id) {
      return view(network.get(id));
    },
    async create(body: NetworkCreateRequest) {
      if (!body.Name) throw invalidArgument('network name is required');
      if (body.EnableIPv6) throw new BerthError('not-implemented', 'IPv6 networks are not supported by berth yet');
      const ipam = (body.IPAM?.Config ?? []).filter((c) => c.Subnet || c.Gateway || c.IPRange);
      if (ipam.some((c) => c.Subnet?.includes(':'))) {
        throw new BerthError('not-implemented', 'IPv6 subnets are not supported by berth yet');
      }
      if (ipam.length > 1) throw invalidArgument('berth supports one IPv4 subnet per network');
      if (body.IPAM?.Driver && body.IPAM.Driver !== 'default') {
        throw invalidArgument(`IPAM driver "${body.IPAM.Driver}" is not supported (only default)`);
      }
      const c = ipam[0];
      const rec = await network.create({
        name: body.Name,
        driver: body.Driver,
        ...(c?.Subnet ? { subnet: c.Subnet } : {}),
        ...(c?.Gateway ? { gateway: c.Gateway } : {}),
        ...(c?.IPRange ? { ipRange: c.IPRange } : {}),
        internal: body.Internal === true,
        labels: body.Labels ?? {},
        options: body.Options ?? {},
      });
      return { Id: rec.id, Warning: '' };
    },
    async remove(id) {
      await network.remove(id);
    },
    async prune(o = {}) {
      const deleted: string[] = [];
      for (const n of network.list()) {
        if (n.predefined || network.endpointsOn(n.id).length > 0) continue;
        const f = { ...(o.filters ?? {}) };
        if (!matches(network, n, f)) continue;
        await network.remove(n.id).then(
          () => deleted.push(n.name),
          () => {},
        );
      }
      return { NetworksDeleted: deleted };
    },
    async connect(id, body) {
      await containers.connectNetwork(id, body);
    },
    async disconnect(id, body) {
      await containers.disconnectNetwork(id, body.Container);
    },
  };
}
