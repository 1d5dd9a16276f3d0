/**
 * berthd's API server on a unix socket. Start-up removes a stale socket file
 * but refuses to take over one another daemon still answers on; the socket is
 * made 0660 and, when the group exists, owned by group `berth` (root-only
 * otherwise). `close()` stops accepting, drops every open connection
 * (streams and hijacked sessions included: sessions detach, containers keep
 * running) and removes the socket file.
 */
import { chmod, chown, lstat, readFile, unlink } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Engine } from '../engine/engine.ts';
import { BerthError } from '../lib/errors.ts';
import type { Logger } from '../lib/log.ts';
import { createApi } from './http/api.ts';
import type { Route } from './http/router.ts';

export interface ServerOptions {
  engine: Engine;
  socketPath: string;
  log: Logger;
  /** Group to own the socket; default 'berth'. Skipped when the group does not exist. */
  group?: string;
  /** Routes to serve instead of the standard set (tests). */
  routes?: Route[];
}

/** A running API server. */
export interface ApiServer {
  readonly socketPath: string;
  /** Stops accepting, closes all connections, removes the socket file. Idempotent. */
  close(): Promise<void>;
}

export async function startServer(opts: ServerOptions): Promise<ApiServer> {
  const { socketPath, log } = opts;
  await clearStaleSocket(socketPath);

  const api = createApi({ engine: opts.engine, log, ...(opts.routes ? { routes: opts.routes } : {}) });
  const server = createServer({ requestTimeout: 0, keepAliveTimeout: 5_000 });
  const sockets = new Set<Duplex>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('request', api.onRequest);
  server.on('upgrade', api.onUpgrade);
  server.on('clientError', (err, socket) => {
    log.debug('client error', { err });
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  await listen(server, socketPath);
  try {
    await chmod(socketPath, 0o660);
    const gid = await groupId(opts.group ?? 'berth');
    if (gid !== undefined) await chown(socketPath, -1, gid);
  } catch (err) {
    await closeServer(server, sockets);
    throw err;
  }
  log.info('API listening', { socket: socketPath });

  let closing: Promise<void> | undefined;
  return {
    socketPath,
    close() {
      closing ??= closeServer(server, sockets).then(() => unlink(socketPath).catch(() => {}));
      return closing;
    },
  };
}

/**
 * Removes a leftover socket file; refuses ('conflict') when a live daemon
 * answers on it or the path is not a socket. main calls it before wiring the
 * engine, so a second daemon stops before touching any state.
 */
export async function clearStaleSocket(socketPath: string): Promise<void> {
  let st: Awaited<ReturnType<typeof lstat>>;
  try {
    st = await lstat(socketPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!st.isSocket()) {
    throw new BerthError('conflict', `${socketPath} exists and is not a socket`, {
      hint: 'remove it or choose another path with -H',
    });
  }
  if (await answers(socketPath)) {
    throw new BerthError('conflict', `another daemon is already listening on ${socketPath}`, {
      hint: 'stop it first, or choose another socket with -H',
    });
  }
  await unlink(socketPath);
}

function answers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(socketPath);
    const timer = setTimeout(() => {
      s.destroy();
      resolve(true);
    }, 2_000);
    s.once('connect', () => {
      clearTimeout(timer);
      s.destroy();
      resolve(true);
    });
    s.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

function listen(server: Server, socketPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(socketPath, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function closeServer(server: Server, sockets: Set<Duplex>): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    for (const s of sockets) s.destroy();
    sockets.clear();
  });
}

/** The gid of `name` from /etc/group, or undefined when there is no such group. */
export async function groupId(name: string, groupFile = '/etc/group'): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(groupFile, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const [group, , gid] = line.split(':');
    if (group === name && gid !== undefined && /^\d+$/.test(gid)) return Number.parseInt(gid, 10);
  }
  return undefined;
}
