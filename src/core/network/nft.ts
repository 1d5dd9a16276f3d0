/**
 * berth's one nftables table, as text for `nft -f` (pure). The rules are
 * fixed; everything that changes is an element of a set or map, so creating
 * a network, starting a container or publishing a port adds elements and
 * never rules:
 *
 * - `bridges`, `pairs` (bridge . bridge), `internal`: isolation in `forward`:
 *   traffic into a bridge is accepted from the same bridge, as a reply, or
 *   when published (DNAT); anything else is dropped, so networks cannot reach
 *   each other. Internal networks cannot leave their bridge.
 * - `nat_subnets`: masquerade for traffic leaving through a non-berth link.
 * - `subnets`: hairpin; a container reaching a published port through a host
 *   address is masqueraded so the reply comes back the same way. Connections
 *   from 127.0.0.0/8 are masqueraded too (the bridges have route_localnet).
 * - `pub_any` (proto . port → ip . port) and `pub_ip` (host ip . proto . port →
 *   ip . port): one element per published port, looked up for packets to a
 *   local address in prerouting (from other hosts and containers) and output
 *   (from this host).
 */

/** One published port: host side → container side. */
export interface PublishedPort {
  proto: 'tcp' | 'udp';
  /** '' or '0.0.0.0' for every local address. */
  hostIp: string;
  hostPort: number;
  ip: string;
  port: number;
}

/** What the rules need to know of a network. */
export interface RuledNetwork {
  bridge: string;
  subnet: string;
  internal: boolean;
}

export function isAnyAddress(hostIp: string): boolean {
  return hostIp === '' || hostIp === '0.0.0.0';
}

const q = (name: string): string => JSON.stringify(name);

/** Element lines to add or delete for a network. */
export function networkElements(op: 'add' | 'delete', table: string, n: RuledNetwork): string[] {
  const lines = [
    `${op} element ip ${table} bridges { ${q(n.bridge)} }`,
    `${op} element ip ${table} pairs { ${q(n.bridge)} . ${q(n.bridge)} }`,
    `${op} element ip ${table} subnets { ${n.subnet} }`,
  ];
  if (n.internal) lines.push(`${op} element ip ${table} internal { ${q(n.bridge)} }`);
  else lines.push(`${op} element ip ${table} nat_subnets { ${n.subnet} }`);
  return lines;
}

/** Element lines to add or delete for published ports. */
export function portElements(op: 'add' | 'delete', table: string, ports: readonly PublishedPort[]): string[] {
  return ports.map((p) => {
    const value = op === 'add' ? ` : ${p.ip} . ${p.port}` : '';
    return isAnyAddress(p.hostIp)
      ? `${op} element ip ${table} pub_any { ${p.proto} . ${p.hostPort}${value} }`
      : `${op} element ip ${table} pub_ip { ${p.hostIp} . ${p.proto} . ${p.hostPort}${value} }`;
  });
}

/**
 * The whole table, replacing whatever is there in one transaction (existing
 * connections keep their NAT in conntrack).
 */
export function fullRuleset(table: string, networks: readonly RuledNetwork[], ports: readonly PublishedPort[]): string {
  return [
    `table ip ${table} {}`,
    `delete table ip ${table}`,
    `table ip ${table} {`,
    '  set bridges { type ifname; }',
    '  set internal { type ifname; }',
    '  set pairs { type ifname . ifname; }',
    '  set subnets { type ipv4_addr; flags interval; }',
    '  set nat_subnets { type ipv4_addr; flags interval; }',
    '  map pub_any { type inet_proto . inet_service : ipv4_addr . inet_service; }',
    '  map pub_ip { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service; }',
    '  chain publish {',
    '    dnat ip to ip daddr . meta l4proto . th dport map @pub_ip',
    '    dnat ip to meta l4proto . th dport map @pub_any',
    '  }',
    '  chain prerouting {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    '    fib daddr type local jump publish',
    '  }',
    '  chain output {',
    '    type nat hook output priority -100; policy accept;',
    '    fib daddr type local jump publish',
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    '    oifname @bridges ct status dnat ip saddr 127.0.0.0/8 masquerade',
    '    oifname @bridges ct status dnat ip saddr @subnets masquerade',
    '    oifname != @bridges ip saddr @nat_subnets masquerade',
    '  }',
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
    '    oifname @bridges jump to_bridge',
    '    iifname @internal drop',
    '  }',
    '  chain to_bridge {',
    '    iifname . oifname @pairs accept',
    '    ct state established,related accept',
    '    ct status dnat accept',
    '    drop',
    '  }',
    '}',
    ...networks.flatMap((n) => networkElements('add', table, n)),
    ...portElements('add', table, ports),
    '',
  ].join('\n');
}

/** The table name of a prefix: nft identifiers are letters, digits and `_`. */
export function tableName(prefix: string): string {
  return prefix.replace(/[^A-Za-z0-9_]/g, '_');
}
