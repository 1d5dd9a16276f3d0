/**
 * Writes a {@link Reply} to the client, on either transport a request can come
 * on: a plain HTTP exchange (ServerResponse) or a connection node:http handed
 * over after an `Upgrade` request (a raw socket). Streams respect
 * backpressure; a failure after the headers are sent tears the connection
 * down so the client sees a truncated stream rather than a clean end.
 */
import { type IncomingMessage, STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { IoSession, OutputChunk, OutputStream, WaitResponse } from '../../engine/types.ts';
import type { Logger } from '../../lib/log.ts';
import { encodeFrame } from '../../lib/stdcopy.ts';
import type { Reply } from './router.ts';
import { commonHeaders, compareVersions } from './version.ts';

/** Where a reply goes: the plain HTTP response, or the raw socket of an Upgrade request. */
export type Transport =
  | { kind: 'http'; req: IncomingMessage; res: ServerResponse }
  | { kind: 'upgrade'; req: IncomingMessage; socket: Duplex; head: Uint8Array };

export interface RespondContext {
  transport: Transport;
  apiVersion: string;
  log: Logger;
}

export const RAW_STREAM = 'application/vnd.docker.raw-stream';
export const MULTIPLEXED_STREAM = 'application/vnd.docker.multiplexed-stream';

/** Docker's media type for a process stream: multiplexed (stdcopy) without a TTY from API 1.42 on. */
export function streamContentType(tty: boolean, apiVersion: string): string {
  return !tty && compareVersions(apiVersion, '1.42') >= 0 ? MULTIPLEXED_STREAM : RAW_STREAM;
}

/** Grace period for a client to close a hijacked connection after its output ended. */
const LINGER_MS = 30_000;

/** Writes `reply`; resolves when the exchange is over (stream ended, socket closed). */
export async function respond(reply: Reply, ctx: RespondContext): Promise<void> {
  switch (reply.kind) {
    case 'json': {
      const noBody = reply.status === 204 || reply.status === 304;
      const body = noBody ? '' : `${JSON.stringify(reply.body)}\n`;
      return sendFixed(ctx, reply.status, { 'Content-Type': 'application/json', ...reply.headers }, body);
    }
    case 'empty':
      return sendFixed(ctx, reply.status, { ...reply.headers }, '');
    case 'text':
      return sendFixed(ctx, reply.status, { 'Content-Type': reply.contentType, ...reply.headers }, reply.body);
    case 'output':
      return sendOutput(ctx, reply.stream);
    case 'wait':
      return sendWait(ctx, reply.handle.result);
    case 'bytes':
      return sendBytes(ctx, reply);
    case 'session':
      return ctx.transport.kind === 'upgrade'
        ? hijack(ctx, ctx.transport.socket, { session: reply.session, stdin: reply.stdin, head: ctx.transport.head })
        : streamSessionOverHttp(ctx, ctx.transport.res, reply.session);
  }
}

/** A complete response with a known body. */
function sendFixed(ctx: RespondContext, status: number, headers: Record<string, string>, body: string): Promise<void> {
  const t = ctx.transport;
  const bytes = Buffer.from(body, 'utf8');
  const noBody = status === 204 || status === 304 || (status >= 100 && status < 200);
  const all: Record<string, string> = { ...commonHeaders(), ...headers };
  if (!noBody) all['Content-Length'] = String(bytes.byteLength);
  if (t.kind === 'http') {
    t.res.writeHead(status, all);
    t.res.end(noBody ? undefined : bytes);
    return finished(t.res);
  }
  writeRawHead(t.socket, status, { ...all, Connection: 'close' });
  return endSocket(t.socket, noBody || t.req.method === 'HEAD' ? undefined : bytes);
}

/** A streamed body of unknown length: chunked over HTTP, raw until close on an upgraded socket. */
interface BodyWriter {
  write(data: Uint8Array): Promise<boolean>;
  end(): Promise<void>;
  abort(): void;
}

function openStream(ctx: RespondContext, status: number, headers: Record<string, string>, raw: boolean): BodyWriter {
  const t = ctx.transport;
  const all = { ...commonHeaders(), ...headers };
  if (t.kind === 'http') {
    const res = t.res;
    if (raw) {
      // Docker's non-upgraded hijack: no framing, the body runs until the connection closes.
      res.removeHeader('Content-Length');
      res.removeHeader('Transfer-Encoding');
    }
    res.writeHead(status, all);
    res.flushHeaders();
    return writerFor(
      res,
      () => res.end(),
      () => res.destroy(),
    );
  }
  const socket = t.socket;
  socket.resume(); // drain what the client still sends; the request is complete
  writeRawHead(socket, status, { ...all, Connection: 'close' });
  return writerFor(
    socket,
    () => socket.end(),
    () => socket.destroy(),
  );
}

/** What the body writers need of a ServerResponse or a socket. */
interface Sink {
  readonly destroyed: boolean;
  readonly writableEnded: boolean;
  write(chunk: Uint8Array): boolean;
  once(event: 'drain' | 'close' | 'finish', listener: () => void): unknown;
  off(event: 'drain' | 'close' | 'finish', listener: () => void): unknown;
}

function writerFor(sink: Sink, end: () => void, destroy: () => void): BodyWriter {
  return {
    write: (data) => writeWithBackpressure(sink, data),
    end: () => {
      if (!sink.destroyed && !sink.writableEnded) end();
      return finishedWritable(sink);
    },
    abort: destroy,
  };
}

/** Writes and waits for 'drain' when the buffer is full; resolves false once the sink is gone. */
function writeWithBackpressure(sink: Sink, data: Uint8Array): Promise<boolean> {
  if (sink.destroyed || sink.writableEnded) return Promise.resolve(false);
  if (sink.write(data)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const settle = (ok: boolean) => {
      sink.off('drain', onDrain);
      sink.off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => settle(true);
    const onClose = () => settle(false);
    sink.once('drain', onDrain);
    sink.once('close', onClose);
  });
}

function finishedWritable(sink: Sink): Promise<void> {
  if (sink.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    sink.once('close', () => resolve());
    sink.once('finish', () => resolve());
  });
}

function finished(res: ServerResponse): Promise<void> {
  if (res.writableFinished || res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    res.once('finish', () => resolve());
    res.once('close', () => resolve());
  });
}

function encodeChunk(tty: boolean, chunk: OutputChunk): Uint8Array {
  return tty ? chunk.data : encodeFrame(chunk);
}

/** Pumps an OutputStream into a body writer; true when the output ended normally. */
async function pumpOutput(stream: OutputStream, out: BodyWriter): Promise<boolean> {
  for await (const chunk of stream.output) {
    if (chunk.data.byteLength === 0) continue;
    if (!(await out.write(encodeChunk(stream.tty, chunk)))) return false;
  }
  return true;
}

/** GET /containers/{id}/logs: streams until the OutputStream ends. */
async function sendOutput(ctx: RespondContext, stream: OutputStream): Promise<void> {
  const out = openStream(ctx, 200, { 'Content-Type': streamContentType(stream.tty, ctx.apiVersion) }, false);
  try {
    if (await pumpOutput(stream, out)) await out.end();
  } catch (err) {
    ctx.log.warn('output stream failed', { err });
    out.abort();
  }
}

/** A streamed body (tar, JSON lines): chunked; a failure part way drops the connection (a truncated body). */
async function sendBytes(ctx: RespondContext, reply: Extract<Reply, { kind: 'bytes' }>): Promise<void> {
  const headers = { 'Content-Type': reply.contentType, ...reply.headers };
  if (ctx.transport.req.method === 'HEAD') return sendFixed(ctx, reply.status, headers, '');
  const out = openStream(ctx, reply.status, headers, false);
  try {
    for await (const chunk of reply.body) {
      if (chunk.byteLength > 0 && !(await out.write(chunk))) return;
    }
    await out.end();
  } catch (err) {
    ctx.log.warn('stream failed', { err });
    out.abort();
  }
}

/** POST /containers/{id}/wait: headers now (the waiter is registered), the WaitResponse when it settles. */
async function sendWait(ctx: RespondContext, result: Promise<WaitResponse>): Promise<void> {
  const out = openStream(ctx, 200, { 'Content-Type': 'application/json' }, false);
  let body: WaitResponse;
  try {
    body = await result;
  } catch (err) {
    ctx.log.warn('wait failed', { err });
    body = { StatusCode: -1, Error: { Message: err instanceof Error ? err.message : String(err) } };
  }
  if (await out.write(Buffer.from(`${JSON.stringify(body)}\n`))) await out.end();
}

/**
 * Attach/exec without `Upgrade`: the stream as the body of a 200 response,
 * raw until the connection closes (as Docker does); the client's input is not
 * relayed, since node:http owns the request side of the connection.
 */
async function streamSessionOverHttp(ctx: RespondContext, res: ServerResponse, session: IoSession): Promise<void> {
  const out = openStream(ctx, 200, { 'Content-Type': streamContentType(session.tty, ctx.apiVersion) }, true);
  res.once('close', () => session.close());
  try {
    if (await pumpOutput(session, out)) await out.end();
  } catch (err) {
    ctx.log.warn('session stream failed', { err });
    out.abort();
  } finally {
    session.close();
  }
}

/**
 * Attach/exec with `Upgrade: tcp`: answers `101 UPGRADED`, then relays
 * session output → socket (stdcopy frames unless TTY) and, with `stdin`,
 * socket → session stdin; the client's half-close is stdin EOF, its close
 * detaches the session. When the output ends the socket is ended; the client
 * is expected to close it.
 */
async function hijack(
  ctx: RespondContext,
  socket: Duplex,
  opts: { session: IoSession; stdin: boolean; head: Uint8Array },
): Promise<void> {
  const { session } = opts;
  writeRawHead(socket, 101, {
    'Content-Type': streamContentType(session.tty, ctx.apiVersion),
    Connection: 'Upgrade',
    Upgrade: 'tcp',
    ...commonHeaders(),
  });
  socket.once('close', () => session.close());
  if (opts.stdin) {
    if (opts.head.byteLength > 0) session.write(opts.head);
    socket.on('data', (data: Buffer) => session.write(data));
    socket.once('end', () => session.closeStdin());
  } else {
    socket.resume();
  }
  const out = writerFor(
    socket,
    () => socket.end(),
    () => socket.destroy(),
  );
  try {
    if (await pumpOutput(session, out)) {
      await endSocket(socket, undefined);
    }
  } catch (err) {
    ctx.log.warn('session stream failed', { err });
    socket.destroy();
  }
}

/** Writes a status line and headers on a raw socket. */
export function writeRawHead(socket: Duplex, status: number, headers: Record<string, string>): void {
  const reason = status === 101 ? 'UPGRADED' : (STATUS_CODES[status] ?? 'Unknown');
  let head = `HTTP/1.1 ${status} ${reason}\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  socket.write(`${head}\r\n`);
}

/**
 * Ends a raw socket after `body`, draining what the client still sends (so
 * closing does not reset the connection), and destroys it if the client does
 * not close its side within the linger period.
 */
function endSocket(socket: Duplex, body: Uint8Array | undefined): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  socket.resume();
  lingerThenDestroy(socket);
  return new Promise((resolve) => socket.end(body, () => resolve()));
}

function lingerThenDestroy(socket: Duplex): void {
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}
