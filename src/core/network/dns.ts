/**
 * berthd's embedded DNS server: one UDP socket on each user network's gateway
 * address. Names of containers on that network (name, aliases, short ID)
 * are answered from berth's records; every other query is relayed as it is
 * to the host's resolvers and the answer relayed back.
 *
 * The codec is written here rather than taken from `dns-packet`: berth needs
 * only the header and the first question of a query and A records in an
 * answer, about 60 lines, and relays everything else untouched.
 */
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';

const TYPE_A = 1;
const TYPE_AAAA = 28;
const CLASS_IN = 1;

/** The first question of a DNS message. */
export interface Question {
  id: number;
  name: string;
  type: number;
  qclass: number;
  /** Offset just past the question (where answers start in a reply). */
  end: number;
  /** Recursion desired. */
  rd: boolean;
}

/** Parses a query's header and first question; undefined for anything else. */
export function parseQuery(msg: Uint8Array): Question | undefined {
  if (msg.length < 12) return undefined;
  const view = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  const flags = view.getUint16(2);
  if (flags & 0x8000) return undefined; // a response
  if (((flags >> 11) & 0xf) !== 0) return undefined; // not a standard query
  if (view.getUint16(4) < 1) return undefined;
  const labels: string[] = [];
  let off = 12;
  while (off < msg.length) {
    const len = msg[off] ?? 0;
    off++;
    if (len === 0) break;
    if (len > 63 || off + len > msg.length) return undefined;
    labels.push(Buffer.from(msg.subarray(off, off + len)).toString('latin1'));
    off += len;
  }
  if (off + 4 > msg.length) return undefined;
  return {
    id: view.getUint16(0),
    name: labels.join('.').toLowerCase(),
    type: view.getUint16(off),
    qclass: view.getUint16(off + 2),
    end: off + 4,
    rd: (flags & 0x0100) !== 0,
  };
}

/** A reply to `query` with A records for `ips` (none: an empty NOERROR answer). */
export function answer(query: Uint8Array, q: Question, ips: readonly string[], ttl = 600): Buffer {
  const head = Buffer.from(query.subarray(0, q.end));
  head.writeUInt16BE(0x8000 | 0x0400 | (q.rd ? 0x0100 : 0) | 0x0080, 2); // QR AA RD RA, NOERROR
  head.writeUInt16BE(1, 4);
  head.writeUInt16BE(ips.length, 6);
  head.writeUInt16BE(0, 8);
  head.writeUInt16BE(0, 10);
  const records = ips.map((ip) => {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question
    rr.writeUInt16BE(TYPE_A, 2);
    rr.writeUInt16BE(CLASS_IN, 4);
    rr.writeUInt32BE(ttl, 6);
    rr.writeUInt16BE(4, 10);
    ip.split('.').forEach((b, i) => {
      rr.writeUInt8(Number.parseInt(b, 10), 12 + i);
    });
    return rr;
  });
  return Buffer.concat([head.subarray(0, q.end), ...records]);
}

/** The host's nameservers from /etc/resolv.conf. */
export function hostNameservers(path = '/etc/resolv.conf'): string[] {
  try {
    return readFileSync(path, 'utf8')
      .split('\n')
      .map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1])
      .filter((s): s is string => s !== undefined && /^\d+\.\d+\.\d+\.\d+$/.test(s));
  } catch {
    return [];
  }
}

/** Answers `name` for the client `client` that asked the server on `server`: addresses, or undefined when unknown. */
export type Lookup = (server: string, client: string, name: string) => string[] | undefined;

const RELAY_TIMEOUT_MS = 5_000;

export class DnsServer {
  readonly #sockets = new Map<string, Socket>();
  readonly #lookup: Lookup;
  readonly #upstream: () => string[];
  readonly #log: (msg: string, fields?: Record<string, unknown>) => void;

  constructor(opts: {
    lookup: Lookup;
    upstream?: () => string[];
    log?: (msg: string, fields?: Record<string, unknown>) => void;
  }) {
    this.#lookup = opts.lookup;
    this.#upstream = opts.upstream ?? (() => hostNameservers());
    this.#log = opts.log ?? (() => {});
  }

  /** Starts answering on `address`:53 (an address of this host: a gateway). */
  async listen(address: string): Promise<void> {
    if (this.#sockets.has(address)) return;
    const sock = createSocket({ type: 'udp4', reuseAddr: true });
    sock.on('message', (msg, rinfo) => this.#handle(sock, address, msg, rinfo));
    sock.on('error', (err) => this.#log('dns socket error', { address, err: String(err) }));
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(53, address, () => {
        sock.off('error', reject);
        resolve();
      });
    });
    this.#sockets.set(address, sock);
  }

  close(address: string): void {
    const s = this.#sockets.get(address);
    if (!s) return;
    this.#sockets.delete(address);
    s.close();
  }

  closeAll(): void {
    for (const a of [...this.#sockets.keys()]) this.close(a);
  }

  #handle(sock: Socket, server: string, msg: Buffer, rinfo: { address: string; port: number }): void {
    const q = parseQuery(msg);
    if (q && q.qclass === CLASS_IN && (q.type === TYPE_A || q.type === TYPE_AAAA)) {
      const ips = this.#lookup(server, rinfo.address, q.name);
      if (ips !== undefined) {
        sock.send(answer(msg, q, q.type === TYPE_A ? ips : []), rinfo.port, rinfo.address);
        return;
      }
    }
    this.#relay(msg, (reply) => sock.send(reply, rinfo.port, rinfo.address));
  }

  /** Sends the query to the first host resolver and hands back its reply. */
  #relay(msg: Buffer, reply: (b: Buffer) => void): void {
    const upstream = this.#upstream()[0];
    if (!upstream) return;
    const out = createSocket('udp4');
    const timer = setTimeout(() => out.close(), RELAY_TIMEOUT_MS);
    out.on('error', () => {
      clearTimeout(timer);
      out.close();
    });
    out.once('message', (res) => {
      clearTimeout(timer);
      out.close();
      reply(res);
    });
    out.send(msg, 53, upstream);
  }
}
