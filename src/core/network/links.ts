/**
 * Links on the host and in a container's network namespace, through iproute2
 * (`ip -batch`, one process per side) and nft: bridges, veth pairs, the
 * per-bridge sysctls, and berth's nftables table.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { CommandError, run } from '../../host/exec.ts';
import { invalidArgument } from '../../lib/errors.ts';

/** Runs `ip -batch -` with the given commands. */
async function ipBatch(lines: readonly string[], netnsPath?: string): Promise<void> {
  if (lines.length === 0) return;
  const input = `${lines.join('\n')}\n`;
  if (netnsPath) await run('nsenter', [`--net=${netnsPath}`, 'ip', '-batch', '-'], { input });
  else await run('ip', ['-batch', '-'], { input });
}

/** Applies an nft script in one transaction. */
export async function nftApply(script: string): Promise<void> {
  if (script.trim() === '') return;
  await run('nft', ['-f', '-'], { input: script });
}

export async function nftDeleteTable(table: string): Promise<void> {
  await run('nft', ['delete', 'table', 'ip', table]).catch(() => {});
}

/** The table as nft prints it (to compare before and after a restart). */
export async function nftListTable(table: string): Promise<string> {
  return (await run('nft', ['list', 'table', 'ip', table])).stdout;
}

/** Names of the host's network interfaces. */
export async function linkNames(): Promise<string[]> {
  return readdir('/sys/class/net');
}

export function linkExists(name: string): boolean {
  try {
    readFileSync(`/sys/class/net/${name}/ifindex`);
    return true;
  } catch {
    return false;
  }
}

function writeSysctl(path: string, value: string): boolean {
  try {
    writeFileSync(path, value);
    return true;
  } catch {
    return false;
  }
}

/** Turns on IPv4 forwarding; false when it cannot be (a read-only /proc/sys). */
export function enableForwarding(): boolean {
  try {
    if (readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim() === '1') return true;
  } catch {
    return false;
  }
  return writeSysctl('/proc/sys/net/ipv4/ip_forward', '1');
}

export interface BridgeSpec {
  name: string;
  /** Gateway address with the subnet's prefix length, e.g. `172.17.0.1/16`. */
  address: string;
  mtu: number;
}

/**
 * Creates the bridge if missing, sets its address, brings it up, and lets
 * DNAT from 127.0.0.0/8 out through it (route_localnet, per interface).
 */
export async function ensureBridge(b: BridgeSpec): Promise<void> {
  const lines: string[] = [];
  if (!linkExists(b.name)) lines.push(`link add ${b.name} type bridge`);
  lines.push(`link set ${b.name} mtu ${b.mtu}`, `addr replace ${b.address} dev ${b.name}`, `link set ${b.name} up`);
  await ipBatch(lines);
  writeSysctl(`/proc/sys/net/ipv4/conf/${b.name}/route_localnet`, '1');
}

/** Deletes a link; a missing one is not an error. */
export async function deleteLink(name: string): Promise<void> {
  try {
    await run('ip', ['link', 'del', name]);
  } catch (err) {
    if (err instanceof CommandError && /Cannot find device|does not exist/.test(err.stderr)) return;
    throw err;
  }
}

export interface VethSpec {
  /** Path of the container's network namespace (e.g. /proc/<pid>/ns/net). */
  netns: string;
  veth: string;
  ifname: string;
  bridge: string;
  mtu: number;
  /** `ip/bits` */
  address: string;
  mac: string;
  /** Set a default route through this gateway. */
  gateway?: string;
  /** Rates (tc syntax, e.g. `10mbit`) into and out of the container; a token bucket on each side of the pair. */
  bandwidth?: Bandwidth;
}

/** berth extension: rate limits of an endpoint, in tc's syntax (`500kbit`, `10mbit`, `1gbit`). */
export interface Bandwidth {
  ingress?: string;
  egress?: string;
}

const RATE_RE = /^(\d+(?:\.\d+)?)(bit|kbit|mbit|gbit|bps|kbps|mbps|gbps)$/i;

/** Checks a tc rate; 'invalid-argument' for anything else. */
export function checkRate(rate: string): string {
  if (!RATE_RE.test(rate)) throw invalidArgument(`invalid rate "${rate}": use e.g. 500kbit, 10mbit, 1gbit`);
  return rate.toLowerCase();
}

/** A token bucket for `rate`: the burst must hold a timer tick's worth of bytes (HZ 250), and at least 16 KiB. */
function tbf(dev: string, rate: string): string {
  const m = RATE_RE.exec(rate);
  const n = Number(m?.[1] ?? 0);
  const unit = (m?.[2] ?? 'bit').toLowerCase();
  const bitsPerSec =
    n *
    ({ bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9, bps: 8, kbps: 8e3, mbps: 8e6, gbps: 8e9 } as Record<string, number>)[
      unit
    ]!;
  const burst = Math.max(16384, Math.ceil(bitsPerSec / 8 / 250));
  return `qdisc replace dev ${dev} root tbf rate ${rate} burst ${burst} latency 50ms`;
}

/** Creates a veth pair with one end in the namespace, plugged into the bridge and configured. */
export async function addVeth(v: VethSpec): Promise<void> {
  await ipBatch([
    `link add ${v.veth} mtu ${v.mtu} type veth peer name ${v.ifname} mtu ${v.mtu} netns ${v.netns}`,
    `link set ${v.veth} master ${v.bridge}`,
    `link set ${v.veth} type bridge_slave hairpin on`,
    `link set ${v.veth} up`,
  ]);
  const inside = [
    `link set ${v.ifname} address ${v.mac}`,
    `addr add ${v.address} dev ${v.ifname}`,
    // No IPv6 link-local address (IPv6 is not configured): no router solicitations or MLD reports.
    `link set ${v.ifname} addrgenmode none`,
    `link set ${v.ifname} up`,
    'link set lo up',
  ];
  if (v.gateway) inside.push(`route replace default via ${v.gateway} dev ${v.ifname}`);
  try {
    await ipBatch(inside, v.netns);
    // Into the container: the host side's egress; out of it: the container side's egress (no policing
    // action is needed, which kernels without act_police lack).
    if (v.bandwidth?.ingress) await run('tc', ['-batch', '-'], { input: `${tbf(v.veth, v.bandwidth.ingress)}\n` });
    if (v.bandwidth?.egress) {
      await run('nsenter', [`--net=${v.netns}`, 'tc', '-batch', '-'], {
        input: `${tbf(v.ifname, v.bandwidth.egress)}\n`,
      });
    }
  } catch (err) {
    await deleteLink(v.veth).catch(() => {});
    throw err;
  }
}

/** The host's IPv4 routes' destinations (to keep new subnets clear of them). */
export async function hostRoutes(): Promise<string[]> {
  const { stdout } = await run('ip', ['-j', '-4', 'route', 'show', 'table', 'all']);
  const routes = JSON.parse(stdout) as { dst?: string; type?: string }[];
  return routes
    .filter((r) => r.dst && r.dst !== 'default' && (r.type === undefined || r.type === 'unicast'))
    .map((r) => (r.dst?.includes('/') ? r.dst : `${r.dst}/32`));
}
