/**
 * A container's networking in Docker API terms (mostly pure): which networks
 * a create request joins, the `-p`/`-P` bindings to publish, and the
 * NetworkSettings and port map that inspect and ps report.
 */
import type {
  ContainerConfig,
  ContainerCreateRequest,
  EndpointSettings,
  HostConfig,
  NetworkSettings,
  Port,
} from '../types.ts';
import { invalidArgument } from '../../lib/errors.ts';
import {
  BANDWIDTH_EGRESS,
  BANDWIDTH_INGRESS,
  type ContainerNetworking,
  type PortRequest,
} from '../../core/network/service.ts';
import { type Bandwidth, checkRate } from '../../core/network/links.ts';
import type { EndpointConfig, EndpointRecord, NetworkRecord, PortRecord } from '../../core/network/types.ts';

/** Network modes that mean the default bridge. */
export function isDefaultMode(mode: string): boolean {
  return mode === '' || mode === 'default' || mode === 'bridge';
}

/** `container:<ref>` → ref, else undefined. */
export function containerModeTarget(mode: string): string | undefined {
  return mode.startsWith('container:') ? mode.slice('container:'.length) : undefined;
}

/** Whether the container gets endpoints on bridge networks (not none, host or another container's). */
export function usesBridges(mode: string): boolean {
  return mode !== 'none' && mode !== 'host' && containerModeTarget(mode) === undefined;
}

function endpointConfig(s: EndpointSettings | undefined): EndpointConfig {
  const ip = s?.IPAMConfig?.IPv4Address || undefined;
  if (s?.IPAMConfig?.IPv6Address) throw invalidArgument('IPv6 addresses are not supported by berth yet');
  return {
    ...(ip ? { ip } : {}),
    aliases: [...new Set(s?.Aliases ?? [])],
    ...(s?.MacAddress ? { mac: s.MacAddress.toLowerCase() } : {}),
    links: s?.Links ?? [],
  };
}

/**
 * The networks a create request joins, by name, with what it asks on each:
 * the network mode's network plus every EndpointsConfig entry (the docker
 * CLI sends `--ip`, `--network-alias`, `--mac-address` and extra `--network`
 * flags there). `--mac-address` as the old top-level field goes to the first.
 */
export function requestedEndpoints(mode: string, body: ContainerCreateRequest): Record<string, EndpointConfig> {
  const given = body.NetworkingConfig?.EndpointsConfig ?? {};
  const legacyMac = (body as { MacAddress?: string }).MacAddress;
  if (!usesBridges(mode)) {
    const other = Object.keys(given).filter((k) => k !== mode);
    if (other.length > 0) {
      throw invalidArgument(`conflicting options: a container in network mode "${mode}" cannot join other networks`);
    }
    return {};
  }
  const primary = isDefaultMode(mode) ? 'bridge' : mode;
  const out: Record<string, EndpointConfig> = {};
  const primarySettings = given[primary] ?? (isDefaultMode(mode) ? (given.default ?? given.bridge) : undefined);
  out[primary] = endpointConfig(primarySettings);
  if (legacyMac && !out[primary].mac) out[primary].mac = legacyMac.toLowerCase();
  for (const [name, s] of Object.entries(given)) {
    if (name === primary || (isDefaultMode(mode) && isDefaultMode(name))) continue;
    out[name] = endpointConfig(s);
  }
  return out;
}

function parsePortKey(key: string): { port: number; proto: 'tcp' | 'udp' } {
  const [portText = '', proto = 'tcp'] = key.split('/');
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalidArgument(`invalid port: ${key}`);
  if (proto !== 'tcp' && proto !== 'udp') throw invalidArgument(`invalid protocol "${proto}" in ${key}: tcp or udp`);
  return { port, proto };
}

function parseHostPort(text: string): { start: number; end: number } {
  if (text === '' || text === '0') return { start: 0, end: 0 };
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  const start = Number(m?.[1]);
  const end = m?.[2] === undefined ? start : Number(m[2]);
  if (!m || start < 1 || start > 65535 || end < start || end > 65535)
    throw invalidArgument(`invalid host port: ${text}`);
  return { start, end };
}

/** The ports to publish at start: `-p` bindings, plus every exposed port with `-P`. */
export function portRequests(config: ContainerConfig, hc: HostConfig): PortRequest[] {
  const out: PortRequest[] = [];
  const bound = new Set<string>();
  for (const [key, bindings] of Object.entries(hc.PortBindings ?? {})) {
    const { port, proto } = parsePortKey(key);
    bound.add(`${port}/${proto}`);
    for (const b of bindings ?? [{}]) {
      const hp = parseHostPort(b.HostPort ?? '');
      out.push({ proto, hostIp: b.HostIp ?? '', hostPort: hp.start, hostPortEnd: hp.end, containerPort: port });
    }
  }
  if (hc.PublishAllPorts) {
    for (const key of Object.keys(config.ExposedPorts ?? {})) {
      const { port, proto } = parsePortKey(key);
      if (bound.has(`${port}/${proto}`)) continue;
      out.push({ proto, hostIp: '', hostPort: 0, hostPortEnd: 0, containerPort: port });
    }
  }
  return out;
}

/** Checks PortBindings at create (a bad one is a 400 before anything exists). */
export function validatePorts(config: ContainerConfig, hc: HostConfig, mode: string): string[] {
  const warnings: string[] = [];
  const reqs = portRequests(config, hc);
  for (const r of reqs) {
    if (r.hostIp && r.hostIp !== '0.0.0.0' && !/^\d+\.\d+\.\d+\.\d+$/.test(r.hostIp)) {
      throw invalidArgument(`invalid host IP ${r.hostIp}: berth publishes on IPv4 addresses`);
    }
  }
  if (reqs.length > 0 && containerModeTarget(mode) !== undefined) {
    throw invalidArgument('conflicting options: port publishing and the container type network mode');
  }
  if (reqs.length > 0 && mode === 'host') {
    warnings.push('Published ports are discarded when using host network mode');
  }
  return warnings;
}

/**
 * `-p` syntax to port requests: `[ip:][hostPort[-end]:]containerPort[-end][/proto]`
 * (a container range maps onto a host range of the same length).
 */
export function parsePublishSpec(spec: string): PortRequest[] {
  let rest = spec.trim();
  let proto: 'tcp' | 'udp' = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    const p = rest.slice(slash + 1);
    if (p !== 'tcp' && p !== 'udp') throw invalidArgument(`invalid protocol "${p}" in ${spec}: tcp or udp`);
    proto = p;
    rest = rest.slice(0, slash);
  }
  const parts = rest.split(':');
  if (parts.length > 3) throw invalidArgument(`invalid port specification: ${spec}`);
  const containerText = parts.pop() ?? '';
  const hostText = parts.pop() ?? '';
  const hostIp = parts.pop() ?? '';
  const c = parseHostPort(containerText);
  if (c.start === 0) throw invalidArgument(`invalid container port in ${spec}`);
  const h = parseHostPort(hostText);
  const count = c.end - c.start;
  if (count > 0 && h.start !== 0 && h.end - h.start !== count) {
    throw invalidArgument(`invalid port range ${spec}: host and container ranges differ in length`);
  }
  const out: PortRequest[] = [];
  for (let i = 0; i <= count; i++) {
    const hostPort = h.start === 0 ? 0 : count > 0 ? h.start + i : h.start;
    const hostPortEnd = h.start === 0 ? 0 : count > 0 ? h.start + i : h.end;
    out.push({ proto, hostIp, hostPort, hostPortEnd, containerPort: c.start + i });
  }
  return out;
}

/** `[ip:]hostPort[/proto]` of a port to stop publishing. */
export function parseUnpublishSpec(spec: string): { proto: 'tcp' | 'udp'; hostIp: string; hostPort: number } {
  let rest = spec.trim();
  let proto = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    proto = rest.slice(slash + 1);
    rest = rest.slice(0, slash);
  }
  const colon = rest.lastIndexOf(':');
  const hostIp = colon >= 0 ? rest.slice(0, colon) : '';
  const hostPort = Number(rest.slice(colon + 1));
  if ((proto !== 'tcp' && proto !== 'udp') || !Number.isInteger(hostPort) || hostPort < 1 || hostPort > 65535) {
    throw invalidArgument(`invalid port to unpublish: ${spec} (want [ip:]hostPort[/tcp|udp])`);
  }
  return { proto, hostIp, hostPort };
}

/** The port map of inspect: every exposed or published port, with its host bindings (null if none). */
export function portMap(
  config: ContainerConfig,
  ports: readonly PortRecord[],
  running: boolean,
): NetworkSettings['Ports'] {
  const out: NetworkSettings['Ports'] = {};
  if (!running) return out;
  for (const key of Object.keys(config.ExposedPorts ?? {})) out[key.includes('/') ? key : `${key}/tcp`] = null;
  for (const p of ports) {
    const key = `${p.port}/${p.proto}`;
    const list = out[key] ?? [];
    list.push({ HostIp: p.hostIp || '0.0.0.0', HostPort: String(p.hostPort) });
    out[key] = list;
  }
  return out;
}

/** The Ports column of ps. */
export function summaryPorts(config: ContainerConfig, ports: readonly PortRecord[], running: boolean): Port[] {
  const out: Port[] = ports.map((p) => ({
    IP: p.hostIp || '0.0.0.0',
    PrivatePort: p.port,
    PublicPort: p.hostPort,
    Type: p.proto,
  }));
  if (!running) return [];
  for (const key of Object.keys(config.ExposedPorts ?? {})) {
    const [port = '', proto = 'tcp'] = key.split('/');
    if (!ports.some((p) => String(p.port) === port && p.proto === proto)) {
      out.push({ PrivatePort: Number(port), Type: proto as Port['Type'] });
    }
  }
  return out;
}

/** One endpoint as inspect shows it under NetworkSettings.Networks. */
export function endpointSettings(
  net: NetworkRecord,
  e: EndpointRecord | undefined,
  containerId: string,
): EndpointSettings {
  const bits = net.subnet ? Number(net.subnet.split('/')[1]) : 0;
  return {
    IPAMConfig: e?.config.ip ? { IPv4Address: e.config.ip } : null,
    Links: e?.config.links.length ? e.config.links : null,
    Aliases: e?.config.aliases.length ? e.config.aliases : null,
    MacAddress: e?.lease?.mac ?? '',
    DriverOpts: null,
    NetworkID: net.id,
    EndpointID: e?.lease ? `${containerId.slice(0, 32)}${net.id.slice(0, 32)}` : '',
    Gateway: e?.lease ? net.gateway : '',
    IPAddress: e?.lease?.ip ?? '',
    IPPrefixLen: e?.lease ? bits : 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    DNSNames: e && !net.predefined ? [e.containerName, ...e.config.aliases, containerId.slice(0, 12)] : null,
  };
}

/** `/etc/hosts` lines for the container's own addresses. */
export function ownHostsLines(net: ContainerNetworking | undefined, hostname: string, name: string): string[] {
  const first = net?.endpoints[0];
  if (!first) return [];
  const names = [hostname, ...(first.network.predefined ? [] : [name])];
  return [`${first.lease.ip}\t${[...new Set(names)].join(' ')}`];
}

/**
 * The container's resolv.conf base: the embedded DNS on user networks (with
 * the host's search and options lines), otherwise the host's file with
 * loopback nameservers dropped (a container cannot reach the host's
 * 127.0.0.x; as Docker, Google's resolvers stand in when none is left).
 */
export function resolvBase(hostResolv: string, dnsServer: string | undefined, hostMode: boolean): string {
  if (hostMode) return hostResolv;
  const lines = hostResolv.split('\n');
  const keep = lines.filter((l) => {
    const ns = /^\s*nameserver\s+(\S+)/.exec(l)?.[1];
    if (ns === undefined) return l.trim() !== '';
    if (dnsServer) return false;
    return !ns.startsWith('127.') && ns !== '::1';
  });
  if (dnsServer) keep.unshift(`nameserver ${dnsServer}`);
  else if (!keep.some((l) => /^\s*nameserver\s/.test(l))) keep.push('nameserver 8.8.8.8', 'nameserver 8.8.4.4');
  return `${keep.join('\n')}\n`;
}

/** berth extension: the labels `berth.bandwidth.ingress`/`egress` limit a container's rate on every network. */
export function bandwidthLabels(labels: Record<string, string>): Bandwidth | undefined {
  const ingress = labels[BANDWIDTH_INGRESS];
  const egress = labels[BANDWIDTH_EGRESS];
  if (ingress === undefined && egress === undefined) return undefined;
  return {
    ...(ingress !== undefined ? { ingress: checkRate(ingress) } : {}),
    ...(egress !== undefined ? { egress: checkRate(egress) } : {}),
  };
}
