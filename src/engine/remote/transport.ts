/**
 * HTTP to berthd: plain requests over a keep-alive agent, and hijacked
 * connections (attach, exec start) that turn into raw byte streams. Knows the
 * Docker Engine API's conventions (version prefix, `{"message"}` error bodies,
 * `Upgrade: tcp`) and nothing of the individual endpoints.
 */
import type { IncomingMessage, OutgoingHttpHeaders, RequestOptions as HttpRequestOptions } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import { BerthError } from '../../lib/errors.ts';
import { errorFromHttp } from '../errors.ts';
import { markTransportError } from './transport-errors.ts';

export { isTransportError } from './transport-errors.ts';

import { API_VERSION, BERTH_VERSION } from '../version.ts';

// Not `import http from 'node:http'`: an ES import of node:http evaluates its lazy
// exports (WebSocket, via undici) and costs ~40 ms of CLI start-up.
const http = process.getBuiltinModule('node:http');

/** The API version berth speaks; every path but `/_ping` is prefixed with it. */
export { API_VERSION };

const USER_AGENT = `Berth-Client/${BERTH_VERSION}`;

/** Where berthd listens, parsed from `unix:///path`, a bare path, or `tcp://host:port`. */
export type DaemonAddress =
  | { kind: 'unix'; socketPath: string; display: string }
  | { kind: 'tcp'; hostname: string; port: number; display: string };

/** Query parameters; `undefined` and `false` are left out, `true` is sent as `1`. */
export type Query = Record<string, string | number | boolean | undefined>;

/** One API call: method, path below the version prefix, query and JSON body. */
export interface RequestOptions {
  method: 'GET' | 'POST' | 'DELETE' | 'HEAD';
  path: string;
  query?: Query;
  /** Sent as JSON when defined. */
  body?: unknown;
  /** Set false for paths outside the version prefix (`/_ping`). */
  versioned?: boolean;
  signal?: AbortSignal;
}

/**
 * A hijacked connection. `head` holds bytes that arrived with the response
 * headers. When the daemon answered `101`, `output` is the socket itself;
 * when it answered `200` and streamed (as old Docker daemons do), `output`
 * is the response body and writes still go to the socket.
 */
export interface Hijacked {
  socket: Duplex;
  output: Readable;
  head: Uint8Array;
}

/**
 * The connection to one daemon. `request` resolves when response headers
 * arrive (the body is left to the caller) and rejects with a BerthError on a
 * non-2xx status; `hijack` resolves with the raw connection after `101`.
 * `close` drops idle keep-alive connections.
 */
export interface Transport {
  readonly address: DaemonAddress;
  request(opts: RequestOptions): Promise<IncomingMessage>;
  hijack(opts: RequestOptions): Promise<Hijacked>;
  close(): void;
}

/** The default socket of berthd. */
export const DEFAULT_HOST = 'unix:///run/berth/berth.sock';

export function parseHost(host: string): DaemonAddress {
  if (host.startsWith('unix://')) {
    const socketPath = host.slice('unix://'.length);
    if (socketPath === '') throw new BerthError('invalid-argument', `invalid host: ${host}`);
    return { kind: 'unix', socketPath, display: host };
  }
  if (host.startsWith('/') || host.startsWith('./')) {
    return { kind: 'unix', socketPath: host, display: `unix://${host}` };
  }
  const m = /^(?:tcp|http):\/\/(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(host);
  if (m) {
    const hostname = m[1]!.replace(/^\[|\]$/g, '');
    const port = m[2] === undefined ? 2375 : Number(m[2]);
    return { kind: 'tcp', hostname, port, display: `tcp://${m[1]}:${port}` };
  }
  throw new BerthError('invalid-argument', `invalid host: ${host}`, {
    hint: 'use unix:///path/to/berth.sock (or a path) or tcp://host:port',
  });
}

/** Encodes a value as a path segment, keeping `/`, `:` and `@` readable as image references need. */
export function pathSegment(value: string): string {
  return encodeURIComponent(value).replace(/%2F/gi, '/').replace(/%3A/gi, ':').replace(/%40/gi, '@');
}

export function buildPath(opts: Pick<RequestOptions, 'path' | 'query' | 'versioned'>): string {
  const prefix = opts.versioned === false ? '' : `/v${API_VERSION}`;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(opts.query ?? {})) {
    if (v === undefined || v === false) continue;
    params.append(k, v === true ? '1' : String(v));
  }
  const qs = params.toString();
  return prefix + opts.path + (qs === '' ? '' : `?${qs}`);
}

export function createTransport(host: string): Transport {
  const address = parseHost(host);
  const agent = new http.Agent({ keepAlive: true });
  const target: HttpRequestOptions =
    address.kind === 'unix' ? { socketPath: address.socketPath } : { host: address.hostname, port: address.port };

  function baseOptions(opts: RequestOptions, body: string | undefined): HttpRequestOptions {
    const headers: OutgoingHttpHeaders = { 'User-Agent': USER_AGENT };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = Buffer.byteLength(body);
    }
    return { ...target, method: opts.method, path: buildPath(opts), headers, signal: opts.signal };
  }

  function request(opts: RequestOptions): Promise<IncomingMessage> {
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    return new Promise((resolve, reject) => {
      const req = http.request({ ...baseOptions(opts, body), agent }, (res) => {
        if (isSuccess(res.statusCode)) resolve(res);
        else errorOfResponse(res).then(reject, reject);
      });
      req.on('error', (err) => reject(connectionError(err, address)));
      req.end(body);
    });
  }

  function hijack(opts: RequestOptions): Promise<Hijacked> {
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    return new Promise((resolve, reject) => {
      const base = baseOptions(opts, body);
      const req = http.request({
        ...base,
        agent: false,
        headers: { ...base.headers, Connection: 'Upgrade', Upgrade: 'tcp' },
      });
      req.on('upgrade', (_res, socket, head) => {
        resolve({ socket, output: socket, head: new Uint8Array(head) });
      });
      req.on('response', (res) => {
        if (isSuccess(res.statusCode)) resolve({ socket: res.socket, output: res, head: new Uint8Array(0) });
        else errorOfResponse(res).then(reject, reject);
      });
      req.on('error', (err) => reject(connectionError(err, address)));
      req.end(body);
    });
  }

  return { address, request, hijack, close: () => agent.destroy() };
}

function isSuccess(status: number | undefined): boolean {
  return status !== undefined && status >= 200 && status < 300;
}

/** Reads a whole response body. */
export async function readBody(res: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of res) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** Reads a response body as JSON. */
export async function readJson<T>(res: Readable): Promise<T> {
  const text = (await readBody(res)).toString('utf8');
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new BerthError('internal', `invalid JSON from the daemon: ${text.slice(0, 200)}`, { cause: err });
  }
}

/** The BerthError for an error response: Docker's `{"message": …}` body, mapped by status. */
async function errorOfResponse(res: IncomingMessage): Promise<BerthError> {
  const status = res.statusCode ?? 500;
  let text = '';
  try {
    text = (await readBody(res)).toString('utf8').trim();
  } catch {
    // The status alone still says what happened.
  }
  let message = text;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && 'message' in parsed && typeof parsed.message === 'string') {
      message = parsed.message;
    }
  } catch {
    // Not JSON: the text is the message.
  }
  if (message === '') message = status === 304 ? 'not modified' : (http.STATUS_CODES[status] ?? `HTTP ${status}`);
  return errorFromHttp(status, message);
}

function connectionError(err: Error, address: DaemonAddress): Error {
  if (err.name === 'AbortError') return err;
  const code = (err as NodeJS.ErrnoException).code;
  let out: BerthError;
  if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'ENOTSOCK' || code === 'EHOSTUNREACH') {
    out = new BerthError(
      'unavailable',
      `Cannot connect to the berth daemon at ${address.display}. Is berthd running?`,
      {
        hint: 'start it with: berthd &   (or: make demo)',
        cause: err,
      },
    );
  } else if (code === 'EACCES' || code === 'EPERM') {
    out = new BerthError(
      'forbidden',
      `permission denied while trying to connect to the berth daemon socket at ${address.display}`,
      { hint: 'run as root or as a member of the berth group', cause: err },
    );
  } else {
    out = new BerthError('unavailable', `error during connect: ${err.message}`, { cause: err });
  }
  return markTransportError(out);
}

/** Wraps an error met while reading a response body. */
export function streamError(err: unknown, what: string): BerthError {
  if (err instanceof BerthError) return err;
  const out = new BerthError('unavailable', `${what}: ${err instanceof Error ? err.message : String(err)}`, {
    cause: err,
  });
  return markTransportError(out);
}
