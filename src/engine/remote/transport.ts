/**
 * HTTP/1.1 to berthd over a plain `node:net` socket: requests with JSON
 * bodies, responses framed by Content-Length, chunked encoding or the end of
 * the connection, idle connections kept for reuse, and hijacked connections
 * (attach, exec start) that turn into raw byte streams. Knows the Docker
 * Engine API's conventions (version prefix, `{"message"}` error bodies,
 * `Upgrade: tcp`) and nothing of the individual endpoints.
 *
 * Not node:http: loading it and sending the first request through it cost the
 * CLI about 20 ms (its agent even compiles an IPv6 regex to name a unix
 * socket); the client needs only the small part of HTTP written here.
 */
import type { Socket } from 'node:net';
import type { Duplex, Readable } from 'node:stream';
import { BerthError } from '../../lib/errors.ts';
import { errorFromHttp } from '../errors.ts';
import { API_VERSION, BERTH_VERSION } from '../version.ts';
import { markTransportError } from './transport-errors.ts';

export { isTransportError } from './transport-errors.ts';

// Not ES imports: those build the builtins' ES facades, which evaluate lazy exports.
const net = process.getBuiltinModule('node:net');
const stream = process.getBuiltinModule('node:stream');

/** The API version berth speaks; every path but `/_ping` is prefixed with it. */
export { API_VERSION };

const USER_AGENT = `Berth-Client/${BERTH_VERSION}`;

/** Where berthd listens, parsed from `unix:///path`, a bare path, or `tcp://host:port`. */
export type DaemonAddress =
  | { kind: 'unix'; socketPath: string; display: string }
  | { kind: 'tcp'; hostname: string; port: number; display: string };

/** Query parameters; `undefined` and `false` are left out, `true` is sent as `1`. */
export type Query = Record<string, string | number | boolean | undefined | readonly string[]>;

/** One API call: method, path below the version prefix, query and JSON body. */
export interface RequestOptions {
  method: 'GET' | 'POST' | 'DELETE' | 'HEAD' | 'PUT';
  path: string;
  query?: Query;
  /** Sent as JSON when defined. */
  body?: unknown;
  /** A streamed body (sent chunked, e.g. a tar) instead of `body`. */
  upload?: { contentType: string; data: AsyncIterable<Uint8Array> };
  /** Set false for paths outside the version prefix (`/_ping`). */
  versioned?: boolean;
  signal?: AbortSignal;
}

/**
 * A response whose headers have arrived. Its body is read whole (`bytes`),
 * as a stream (`stream`, for bodies read as they come: logs), or dropped
 * (`discard`); the connection is reused once the body is in, whichever.
 */
export interface HttpResponse {
  status: number;
  /** Header names in lower case; repeated headers joined with `, `. */
  headers: Readonly<Record<string, string>>;
  /** The whole body once it is in; rejects if the connection breaks first. */
  bytes(): Promise<Buffer>;
  /** The body as a stream; errors if the connection breaks first. */
  stream(): Readable;
  /** Lets the body go unread. */
  discard(): void;
}

/**
 * A hijacked connection. `head` holds bytes that arrived with the response
 * headers. When the daemon answered `101`, `output` is the socket itself;
 * when it answered `200` and streamed (as old Docker daemons do), `output`
 * is the response body and writes still go to the socket. `contentType` is
 * the response's, which says whether the stream is multiplexed.
 */
export interface Hijacked {
  socket: Duplex;
  output: Readable;
  head: Uint8Array;
  contentType: string | undefined;
}

/**
 * The connection to one daemon. `request` resolves when response headers
 * arrive (the body is left to the caller) and rejects with a BerthError on a
 * non-2xx status; `hijack` resolves with the raw connection after `101`.
 * `close` drops idle keep-alive connections (they never keep the process alive).
 */
export interface Transport {
  readonly address: DaemonAddress;
  request(opts: RequestOptions): Promise<HttpResponse>;
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
    if (Array.isArray(v)) for (const item of v) params.append(k, item);
    else params.append(k, v === true ? '1' : String(v));
  }
  const qs = params.toString();
  return prefix + opts.path + (qs === '' ? '' : `?${qs}`);
}

/** The Host header node:http would send: `localhost` for a unix socket. */
function hostHeader(address: DaemonAddress): string {
  if (address.kind === 'unix') return 'localhost';
  const name = address.hostname.includes(':') ? `[${address.hostname}]` : address.hostname;
  return address.port === 80 ? name : `${name}:${address.port}`;
}

/** The request as bytes to write: request line, headers and the JSON body. */
export function serializeRequest(opts: RequestOptions, host: string, upgrade: boolean): string {
  let out = `${opts.method} ${buildPath(opts)} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: ${USER_AGENT}\r\n`;
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  if (opts.upload !== undefined) {
    out += `Content-Type: ${opts.upload.contentType}\r\nTransfer-Encoding: chunked\r\n`;
  } else if (body !== undefined) {
    out += `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`;
  } else if (opts.method === 'POST' || opts.method === 'PUT') {
    out += 'Content-Length: 0\r\n';
  }
  if (upgrade) out += 'Connection: Upgrade\r\nUpgrade: tcp\r\n';
  return `${out}\r\n${body ?? ''}`;
}

export function createTransport(host: string): Transport {
  const address = parseHost(host);
  const hostValue = hostHeader(address);
  /** Idle connections, each with the listener that drops it if the daemon closes it. */
  const idle = new Map<Socket, () => void>();
  let closed = false;

  function connect(): Socket {
    if (address.kind === 'unix') return net.createConnection(address.socketPath);
    return net.createConnection({ host: address.hostname, port: address.port, noDelay: true });
  }

  function park(socket: Socket): void {
    if (closed || socket.destroyed) {
      socket.destroy();
      return;
    }
    // Anything the daemon sends on an idle connection (its end, an error) retires it.
    const retire = () => {
      if (idle.get(socket) !== retire) return;
      idle.delete(socket);
      socket.off('data', retire).off('end', retire).off('error', retire).off('close', retire);
      socket.destroy();
    };
    socket.on('data', retire).on('end', retire).on('error', retire).on('close', retire);
    socket.resume();
    socket.unref();
    idle.set(socket, retire);
  }

  function take(): Socket | undefined {
    for (const [socket, retire] of idle) {
      idle.delete(socket);
      socket.off('data', retire).off('end', retire).off('error', retire).off('close', retire);
      if (socket.destroyed || !socket.readable || !socket.writable) {
        socket.destroy();
        continue;
      }
      socket.ref();
      return socket;
    }
    return undefined;
  }

  async function request(opts: RequestOptions): Promise<HttpResponse> {
    if (opts.signal?.aborted) throw abortError(opts.signal);
    const data = serializeRequest(opts, hostValue, false);
    const socket = take() ?? connect();
    let got: Received;
    try {
      got = await exchange(socket, data, {
        method: opts.method,
        upgrade: false,
        signal: opts.signal,
        upload: opts.upload?.data,
        done: (reusable) => (reusable ? park(socket) : socket.destroy()),
      });
    } catch (err) {
      throw connectionError(err as Error, address);
    }
    const res = got.response!;
    if (!isSuccess(res.status)) throw await errorOfResponse(res, got.reason);
    return res;
  }

  async function hijack(opts: RequestOptions): Promise<Hijacked> {
    if (opts.signal?.aborted) throw abortError(opts.signal);
    const data = serializeRequest(opts, hostValue, true);
    const socket = connect();
    let got: Received;
    try {
      // The connection is the caller's from here: never parked, not destroyed when a 2xx body ends.
      got = await exchange(socket, data, { method: opts.method, upgrade: true, signal: opts.signal, done: () => {} });
    } catch (err) {
      throw connectionError(err as Error, address);
    }
    // The caller reads the connection's errors where it reads its bytes; unheard, they would crash the process.
    socket.on('error', () => {});
    const contentType = got.headers['content-type'];
    const res = got.response;
    if (res === undefined) return { socket, output: socket, head: new Uint8Array(got.rest), contentType };
    if (isSuccess(res.status)) return { socket, output: res.stream(), head: new Uint8Array(0), contentType };
    try {
      throw await errorOfResponse(res, got.reason);
    } finally {
      socket.destroy();
    }
  }

  function close(): void {
    closed = true;
    for (const retire of [...idle.values()]) retire();
  }

  return { address, request, hijack, close };
}

/** What {@link exchange} resolves with: the response head, and the response unless the connection was upgraded. */
interface Received {
  status: number;
  reason: string;
  headers: Record<string, string>;
  /** Undefined after `101 Switching Protocols`: the socket is then raw, and `rest` holds what came after the head. */
  response: HttpResponse | undefined;
  rest: Buffer;
}

/**
 * A response body as it arrives: gathered into chunks until someone asks for
 * a stream, then pushed into that (pausing the socket when the reader lags).
 * Whole-body reads, the common case, so never touch stream machinery.
 */
class IncomingBody {
  chunks: Buffer[] = [];
  stream: Readable | undefined;
  dropped = false;
  complete = false;
  error: Error | undefined;
  waiter: { resolve(b: Buffer): void; reject(e: Error): void } | undefined;
  /** Called when a stream reader wants more (resume the socket) or gives up (drop the connection). */
  readonly onRead: () => void;
  readonly onClose: () => void;

  constructor(onRead: () => void, onClose: () => void) {
    this.onRead = onRead;
    this.onClose = onClose;
  }

  /** Takes bytes; false when a stream reader asks the socket to pause. */
  push(bytes: Buffer): boolean {
    if (this.stream !== undefined) return this.stream.push(bytes);
    if (!this.dropped) this.chunks.push(bytes);
    return true;
  }

  end(): void {
    this.complete = true;
    if (this.stream !== undefined) this.stream.push(null);
    else if (this.waiter !== undefined) this.waiter.resolve(this.take());
  }

  fail(err: Error): void {
    if (this.complete || this.error !== undefined) return;
    this.error = err;
    if (this.stream !== undefined) this.stream.destroy(err);
    else this.waiter?.reject(err);
  }

  bytes(): Promise<Buffer> {
    if (this.stream !== undefined || this.waiter !== undefined) throw new Error('response body already taken');
    if (this.error !== undefined) return Promise.reject(this.error);
    if (this.complete) return Promise.resolve(this.take());
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  toStream(): Readable {
    if (this.stream !== undefined || this.waiter !== undefined) throw new Error('response body already taken');
    const s = new stream.Readable({ read: this.onRead });
    s.once('close', this.onClose);
    for (const c of this.chunks) s.push(c);
    this.chunks = [];
    if (this.error !== undefined) s.destroy(this.error);
    else if (this.complete) s.push(null);
    this.stream = s;
    return s;
  }

  discard(): void {
    this.dropped = true;
    this.chunks = [];
  }

  private take(): Buffer {
    const { chunks } = this;
    this.chunks = [];
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }
}

interface ExchangeOptions {
  method: RequestOptions['method'];
  /** A `101` answer hands the socket over rather than being skipped as an interim response. */
  upgrade: boolean;
  signal: AbortSignal | undefined;
  /** Called once the response is complete, with whether the connection can carry another request. */
  done(reusable: boolean): void;
  /** A request body to send chunked after the head. */
  upload?: AsyncIterable<Uint8Array>;
}

const HEAD_END = Buffer.from('\r\n\r\n');
const EMPTY: Buffer = Buffer.alloc(0);
/** The most bytes of status line and headers accepted (node:http's default). */
const MAX_HEAD = 16 * 1024;

type Framing = 'none' | 'length' | 'chunked' | 'close';

/**
 * Writes one request on `socket` and reads its response. Resolves when the
 * head is in (with the body as a stream fed from the socket); rejects with
 * the socket's error, or ECONNRESET when the daemon closes it first.
 */
function exchange(socket: Socket, data: string, opts: ExchangeOptions): Promise<Received> {
  return new Promise((resolve, reject) => {
    let buf: Buffer = EMPTY;
    let body: IncomingBody | undefined;
    let framing: Framing = 'none';
    let reusable = false;
    /** Bytes left in the body (length) or in the current chunk (chunked). */
    let remaining = 0;
    let chunkState: 'size' | 'data' | 'crlf' | 'trailer' = 'size';
    let finished = false;
    let paused = false;

    const detach = () => {
      socket.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      opts.signal?.removeEventListener('abort', onAbort);
    };
    const fail = (err: Error) => {
      if (finished) return;
      finished = true;
      detach();
      socket.destroy();
      if (body === undefined) reject(err);
      else body.fail(err);
    };
    const complete = () => {
      finished = true;
      detach();
      body!.end();
      opts.done(reusable && buf.byteLength === 0);
    };
    const deliver = (bytes: Buffer) => {
      if (bytes.byteLength > 0 && !body!.push(bytes) && !paused) {
        paused = true;
        socket.pause();
      }
    };

    /** Parses the head once it is all in; false while more bytes are needed. */
    const readHead = (): boolean => {
      for (;;) {
        const end = buf.indexOf(HEAD_END);
        if (end < 0) {
          if (buf.byteLength > MAX_HEAD) fail(new Error('response headers too large'));
          return false;
        }
        const head = parseHead(buf.toString('latin1', 0, end));
        buf = buf.subarray(end + HEAD_END.byteLength);
        if (head === undefined) {
          fail(new Error('malformed response from the daemon'));
          return false;
        }
        if (head.status === 101 && opts.upgrade) {
          finished = true;
          detach();
          socket.pause();
          resolve({ ...head, response: undefined, rest: buf });
          return false;
        }
        if (head.status >= 100 && head.status < 200) continue; // interim (100 Continue): the real answer follows
        const { status, headers } = head;
        const te = headers['transfer-encoding'];
        const length = headers['content-length'];
        if (opts.method === 'HEAD' || status === 204 || status === 304) framing = 'none';
        else if (te !== undefined && /\bchunked\b/i.test(te)) framing = 'chunked';
        else if (length !== undefined) {
          remaining = Number(length);
          if (!Number.isSafeInteger(remaining) || remaining < 0) {
            fail(new Error(`invalid Content-Length from the daemon: ${length}`));
            return false;
          }
          framing = remaining === 0 ? 'none' : 'length';
        } else framing = 'close';
        reusable = head.version === '1.1' && framing !== 'close' && !/\bclose\b/i.test(headers.connection ?? '');
        const b = new IncomingBody(
          () => {
            if (paused && !finished) {
              paused = false;
              socket.resume();
            }
          },
          // A stream reader that gives up on the body leaves the connection mid-response: drop it.
          () => {
            if (!finished) fail(prematureClose());
          },
        );
        body = b;
        const response: HttpResponse = {
          status,
          headers,
          bytes: () => b.bytes(),
          stream: () => b.toStream(),
          discard: () => b.discard(),
        };
        resolve({ ...head, response, rest: EMPTY });
        return true;
      }
    };

    /** Feeds buffered body bytes to the stream; completes the response at its end. */
    const readBody = () => {
      if (framing === 'none') {
        complete();
        return;
      }
      if (framing === 'close') {
        deliver(buf);
        buf = EMPTY;
        return;
      }
      if (framing === 'length') {
        const n = Math.min(remaining, buf.byteLength);
        deliver(buf.subarray(0, n));
        buf = buf.subarray(n);
        remaining -= n;
        if (remaining === 0) complete();
        return;
      }
      for (;;) {
        if (chunkState === 'data') {
          const n = Math.min(remaining, buf.byteLength);
          deliver(buf.subarray(0, n));
          buf = buf.subarray(n);
          remaining -= n;
          if (remaining > 0) return;
          chunkState = 'crlf';
        }
        if (chunkState === 'crlf') {
          if (buf.byteLength < 2) return;
          if (buf[0] !== 13 || buf[1] !== 10) {
            fail(new Error('malformed chunked encoding from the daemon'));
            return;
          }
          buf = buf.subarray(2);
          chunkState = 'size';
        }
        const eol = buf.indexOf('\r\n');
        if (eol < 0) {
          if (buf.byteLength > MAX_HEAD) fail(new Error('malformed chunked encoding from the daemon'));
          return;
        }
        const line = buf.toString('latin1', 0, eol);
        buf = buf.subarray(eol + 2);
        if (chunkState === 'trailer') {
          if (line === '') {
            complete();
            return;
          }
          continue;
        }
        const sizeText = line.split(';', 1)[0]!.trim();
        const size = /^[0-9a-f]+$/i.test(sizeText) ? Number.parseInt(sizeText, 16) : Number.NaN;
        if (!Number.isSafeInteger(size)) {
          fail(new Error('malformed chunked encoding from the daemon'));
          return;
        }
        if (size === 0) chunkState = 'trailer';
        else {
          remaining = size;
          chunkState = 'data';
        }
      }
    };

    function onData(chunk: Buffer) {
      buf = buf.byteLength === 0 ? chunk : Buffer.concat([buf, chunk]);
      if (body === undefined && !readHead()) return;
      if (!finished) readBody();
    }
    function onEnd() {
      if (body !== undefined && framing === 'close') complete();
      else fail(body === undefined ? hangUp() : aborted());
    }
    function onError(err: Error) {
      fail(err);
    }
    function onClose() {
      fail(body === undefined ? hangUp() : aborted());
    }
    function onAbort() {
      fail(abortError(opts.signal!));
    }

    socket.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    socket.resume();
    socket.write(data);
    if (opts.upload !== undefined) void sendChunked(socket, opts.upload).catch((err: Error) => fail(err));
  });
}

/** Writes `data` as an HTTP/1.1 chunked body, waiting for the socket to drain. */
async function sendChunked(socket: Socket, data: AsyncIterable<Uint8Array>): Promise<void> {
  const write = (b: Uint8Array | string) =>
    new Promise<void>((resolve, reject) => {
      if (socket.destroyed) return reject(Object.assign(new Error('socket closed'), { code: 'EPIPE' }));
      if (socket.write(b)) resolve();
      else {
        const done = () => {
          socket.off('drain', done).off('close', done);
          resolve();
        };
        socket.on('drain', done).on('close', done);
      }
    });
  for await (const chunk of data) {
    if (chunk.byteLength === 0) continue;
    await write(`${chunk.byteLength.toString(16)}\r\n`);
    await write(chunk);
    await write('\r\n');
  }
  await write('0\r\n\r\n');
}

/** A status line and headers; undefined when they are not HTTP/1.x. */
function parseHead(
  text: string,
): { version: string; status: number; reason: string; headers: Record<string, string> } | undefined {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(lines[0]!);
  if (m === null) return undefined;
  const headers: Record<string, string> = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { version: `1.${m[1]}`, status: Number(m[2]), reason: m[3] ?? '', headers };
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

function hangUp(): Error {
  return Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
}

function aborted(): Error {
  return Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
}

function prematureClose(): Error {
  return Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}

function abortError(signal: AbortSignal): Error {
  const err = Object.assign(new Error('The operation was aborted', { cause: signal.reason }), { code: 'ABORT_ERR' });
  err.name = 'AbortError';
  return err;
}

/** Reads a response body as JSON. */
export async function readJson<T>(res: HttpResponse): Promise<T> {
  const text = (await res.bytes()).toString('utf8');
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new BerthError('internal', `invalid JSON from the daemon: ${text.slice(0, 200)}`, { cause: err });
  }
}

/** The BerthError for an error response: Docker's `{"message": …}` body, mapped by status. */
async function errorOfResponse(res: HttpResponse, reason: string): Promise<BerthError> {
  const { status } = res;
  let text = '';
  try {
    text = (await res.bytes()).toString('utf8').trim();
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
  if (message === '') message = status === 304 ? 'not modified' : reason !== '' ? reason : `HTTP ${status}`;
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
