/**
 * IPv4 address arithmetic and allocation, as pure functions: parsing CIDRs,
 * overlap checks, carving subnets from address pools, and picking the lowest
 * free address of a range.
 */
import { invalidArgument } from '../../lib/errors.ts';

/** An IPv4 prefix: `base` is the network address as an unsigned 32-bit number. */
export interface Cidr {
  base: number;
  bits: number;
}

export function parseIp(text: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text.trim());
  if (!m) throw invalidArgument(`invalid IPv4 address: ${text}`);
  const parts = m.slice(1).map((p) => Number.parseInt(p, 10));
  if (parts.some((p) => p > 255)) throw invalidArgument(`invalid IPv4 address: ${text}`);
  return (((parts[0] ?? 0) << 24) | ((parts[1] ?? 0) << 16) | ((parts[2] ?? 0) << 8) | (parts[3] ?? 0)) >>> 0;
}

export function isIpv4(text: string): boolean {
  try {
    parseIp(text);
    return true;
  } catch {
    return false;
  }
}

export function formatIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function mask(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** Parses `a.b.c.d/n`; host bits are cleared unless `strict`, which refuses them. */
export function parseCidr(text: string, opts: { strict?: boolean } = {}): Cidr {
  const [ip = '', bitsText, extra] = text.trim().split('/');
  if (bitsText === undefined || extra !== undefined || !/^\d{1,2}$/.test(bitsText)) {
    throw invalidArgument(`invalid CIDR address: ${text}`);
  }
  const bits = Number.parseInt(bitsText, 10);
  if (bits > 32) throw invalidArgument(`invalid CIDR address: ${text}`);
  const addr = parseIp(ip);
  const base = (addr & mask(bits)) >>> 0;
  if (opts.strict && base !== addr) throw invalidArgument(`invalid subnet ${text}: it has host bits set`);
  return { base, bits };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.base)}/${c.bits}`;
}

export function lastAddress(c: Cidr): number {
  return (c.base | ~mask(c.bits)) >>> 0;
}

export function contains(c: Cidr, ip: number): boolean {
  return (ip & mask(c.bits)) >>> 0 === c.base;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base <= lastAddress(b) && b.base <= lastAddress(a);
}

/** The prefix length of a dotted mask (`255.255.0.0` → 16). */
export function maskBits(c: Cidr): string {
  return formatIp(mask(c.bits));
}

/** An address pool subnets are carved from (daemon.json `default-address-pools`). */
export interface AddressPool {
  base: string;
  size: number;
}

/**
 * The first subnet of `size` bits in the pools that overlaps none of `taken`
 * (this daemon's networks and the host's routes); undefined when all are used.
 */
export function carveSubnet(pools: readonly AddressPool[], taken: readonly Cidr[]): Cidr | undefined {
  for (const pool of pools) {
    const p = parseCidr(pool.base);
    if (pool.size < p.bits || pool.size > 30) continue;
    const step = 2 ** (32 - pool.size);
    for (let base = p.base; base <= lastAddress(p); base += step) {
      const c = { base: base >>> 0, bits: pool.size };
      if (!taken.some((t) => overlaps(t, c))) return c;
    }
  }
  return undefined;
}

/**
 * The lowest free host address of `range` (inside `subnet`), skipping the
 * network and broadcast addresses and everything in `used`.
 */
export function allocateIp(subnet: Cidr, range: Cidr, used: ReadonlySet<number>): number | undefined {
  const first = Math.max(range.base, subnet.base + 1);
  const last = Math.min(lastAddress(range), lastAddress(subnet) - 1);
  for (let ip = first; ip <= last; ip++) if (!used.has(ip)) return ip;
  return undefined;
}

/** Docker's MAC for an address: 02:42 followed by the four bytes of the IPv4 address. */
export function macFor(ip: number): string {
  return [
    '02',
    '42',
    ...[ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].map((b) => b.toString(16).padStart(2, '0')),
  ].join(':');
}
