/**
 * The networking flags of `create`/`run` → the create body's fields, as the
 * docker CLI builds them: `-p` into PortBindings (and ExposedPorts), `-P`,
 * `--expose`, `--network` (repeatable: the first is the mode, every one gets
 * an EndpointsConfig entry when it has options), `--ip`, `--network-alias`,
 * `--mac-address` and `--link`.
 */
import type { EndpointSettings, HostConfig, NetworkingConfig, PortMap } from '../engine/types.ts';
import { type FlagSpec, type ParsedArgs, UsageError } from './argv.ts';

export const NETWORK_FLAGS: FlagSpec[] = [
  { long: 'publish', short: 'p', type: 'list', description: "Publish a container's port(s) to the host" },
  {
    long: 'publish-all',
    short: 'P',
    type: 'bool',
    description: 'Publish all exposed ports to random ports',
  },
  { long: 'expose', type: 'list', description: 'Expose a port or a range of ports' },
  {
    long: 'network',
    type: 'list',
    valueName: 'network',
    description: 'Connect a container to a network (bridge, host, none, container:<name|id>, or a network name)',
  },
  { long: 'net', type: 'list', valueName: 'network', description: 'Connect a container to a network', hidden: true },
  { long: 'ip', type: 'string', description: 'IPv4 address (e.g., 172.30.100.104)' },
  { long: 'network-alias', type: 'list', description: 'Add network-scoped alias for the container' },
  { long: 'net-alias', type: 'list', description: 'Add network-scoped alias for the container', hidden: true },
  { long: 'mac-address', type: 'string', description: 'Container MAC address (e.g., 92:d0:c6:0a:29:33)' },
  { long: 'link', type: 'list', description: 'Add link to another container' },
];

function splitRange(text: string, what: string, spec: string): [number, number] {
  if (text === '' || (text === '0' && what === 'hostPort')) return [0, 0];
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  const a = Number(m?.[1]);
  const b = m?.[2] === undefined ? a : Number(m[2]);
  if (!m || a < 1 || b > 65535 || b < a) throw new UsageError(`invalid ${what} "${text}" in "${spec}"`);
  return [a, b];
}

/** Adds one `-p` value to the bindings and exposed ports. */
export function addPublish(spec: string, bindings: PortMap, exposed: Record<string, Record<string, never>>): void {
  let rest = spec;
  let proto = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    proto = rest.slice(slash + 1).toLowerCase();
    rest = rest.slice(0, slash);
  }
  if (proto !== 'tcp' && proto !== 'udp' && proto !== 'sctp') throw new UsageError(`invalid proto: ${proto}`);
  let hostIp = '';
  let hostPort = '';
  let containerPort = rest;
  const bracket = /^\[([^\]]+)\]:(.*)$/.exec(rest);
  if (bracket) {
    hostIp = bracket[1] ?? '';
    rest = bracket[2] ?? '';
  }
  const parts = rest.split(':');
  if (!bracket && parts.length === 3) [hostIp = '', hostPort = '', containerPort = ''] = parts;
  else if (parts.length === 2) [hostPort = '', containerPort = ''] = parts;
  else if (parts.length === 1) containerPort = parts[0] ?? '';
  else throw new UsageError(`invalid port format for --publish: ${spec}`);
  if (containerPort === '') throw new UsageError(`no port specified: ${spec}<empty>`);
  const [c1, c2] = splitRange(containerPort, 'containerPort', spec);
  const [h1, h2] = splitRange(hostPort, 'hostPort', spec);
  if (c2 > c1 && h1 !== 0 && h2 - h1 !== c2 - c1) {
    throw new UsageError(`invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`);
  }
  for (let i = 0; i <= c2 - c1; i++) {
    const key = `${c1 + i}/${proto}`;
    let hp = '';
    if (h1 !== 0) hp = c2 > c1 ? String(h1 + i) : h2 > h1 ? `${h1}-${h2}` : String(h1);
    exposed[key] = {};
    const list = bindings[key] ?? [];
    list.push({ HostIp: hostIp, HostPort: hp });
    bindings[key] = list;
  }
}

/** The create body's networking fields. */
export interface NetworkFields {
  ExposedPorts: Record<string, Record<string, never>>;
  MacAddress?: string;
  HostConfig: Pick<HostConfig, 'NetworkMode' | 'PortBindings' | 'PublishAllPorts' | 'Links'>;
  NetworkingConfig: NetworkingConfig;
}

export function networkFields(p: ParsedArgs): NetworkFields {
  const bindings: PortMap = {};
  const exposed: Record<string, Record<string, never>> = {};
  for (const spec of p.list('publish')) addPublish(spec, bindings, exposed);
  for (const e of p.list('expose')) {
    const [port = '', proto = 'tcp'] = e.split('/');
    const [a, b] = splitRange(port, 'port', e);
    for (let i = a; i <= b; i++) exposed[`${i}/${proto}`] = {};
  }
  const networks = [...p.list('network'), ...p.list('net')].filter((n) => n !== '');
  const mode = networks[0] ?? 'default';
  const aliases = [...p.list('network-alias'), ...p.list('net-alias')];
  const ip = p.string('ip');
  const mac = p.string('mac-address');
  const endpoints: Record<string, EndpointSettings> = {};
  for (const n of networks) endpoints[n] = {};
  const first: EndpointSettings = {};
  if (ip) first.IPAMConfig = { IPv4Address: ip };
  if (aliases.length > 0) first.Aliases = aliases;
  if (mac) first.MacAddress = mac;
  if (Object.keys(first).length > 0) endpoints[mode] = { ...endpoints[mode], ...first };
  if (networks.length > 1 && ['host', 'none'].some((m) => networks.includes(m))) {
    throw new UsageError('conflicting options: cannot attach both user-defined and non-user-defined network-modes');
  }
  const links = p.list('link');
  return {
    ExposedPorts: exposed,
    HostConfig: {
      NetworkMode: mode,
      PortBindings: bindings,
      PublishAllPorts: p.bool('publish-all'),
      ...(links.length > 0 ? { Links: links } : {}),
    },
    NetworkingConfig: { EndpointsConfig: Object.keys(endpoints).length > 0 ? endpoints : null },
  };
}
