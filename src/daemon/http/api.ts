/**
 * The Docker Engine API as node:http handlers: strips and checks the version
 * prefix, matches a route, runs it, and writes its Reply — or the error as
 * Docker does (`{"message": …}` with the status from the one code↔status
 * table; anything that is not a BerthError is a 500). Plain requests and
 * `Upgrade` requests (attach, exec start) go through the same router.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Engine } from '../../engine/engine.ts';
import { httpStatusOf } from '../../engine/errors.ts';
import { BerthError, invalidArgument, toBerthError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/log.ts';
import { MAX_JSON_BODY } from './decode.ts';
import { type RespondContext, respond, type Transport } from './respond.ts';
import { type ApiRequest, createRouter, type Reply, type Route, type Router } from './router.ts';
import { allRoutes } from './routes/index.ts';
import { API_VERSION, negotiateVersion, splitVersion } from './version.ts';

/** The API's two entry points, for node:http's 'request' and 'upgrade' events. */
export interface ApiHandler {
  onRequest(req: IncomingMessage, res: ServerResponse): void;
  onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

export interface ApiOptions {
  engine: Engine;
  log: Logger;
  /** Routes to serve instead of the standard set (tests). */
  routes?: Route[];
}

export function createApi(opts: ApiOptions): ApiHandler {
  const router = createRouter(opts.routes ?? allRoutes(opts.engine));
  const log = opts.log;
  return {
    onRequest(req, res) {
      void handle(router, log, { kind: 'http', req, res });
    },
    onUpgrade(req, socket, head) {
      socket.on('error', (err) => log.debug('upgraded connection error', { err }));
      void handle(router, log, { kind: 'upgrade', req, socket, head });
    },
  };
}

async function handle(router: Router, log: Logger, transport: Transport): Promise<void> {
  const { req } = transport;
  const started = performance.now();
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'http://berth');
  const { version, path } = splitVersion(url.pathname);
  const controller = new AbortController();
  const onClose = () => controller.abort();
  if (transport.kind === 'http') transport.res.once('close', onClose);
  else transport.socket.once('close', onClose);

  let apiVersion = API_VERSION;
  let reply: Reply;
  try {
    const match = router.match(method, path);
    if (!match) throw new BerthError('not-found', 'page not found');
    apiVersion = negotiateVersion(version);
    const request: ApiRequest = {
      method,
      path,
      params: match.params,
      query: url.searchParams,
      headers: req.headers,
      apiVersion,
      body: () => readBody(req, MAX_JSON_BODY),
      bodyStream: () => req,
      signal: controller.signal,
    };
    reply = await match.route.handle(request);
  } catch (err) {
    reply = errorReply(err, log, { method, path: url.pathname });
  }

  const ctx: RespondContext = { transport, apiVersion, log };
  try {
    await respond(reply, ctx);
  } catch (err) {
    log.warn('response failed', { method, path: url.pathname, err });
    if (transport.kind === 'http') transport.res.destroy();
    else transport.socket.destroy();
  }
  if (log.enabled('debug')) {
    log.debug('request', {
      method,
      path: url.pathname,
      status: replyStatus(reply),
      ms: Math.round(performance.now() - started),
    });
  }
}

/** Maps a thrown value to Docker's error reply; unexpected errors are logged. */
export function errorReply(err: unknown, log: Logger, where: { method: string; path: string }): Reply {
  const e = toBerthError(err);
  const status = httpStatusOf(e.code);
  if (status >= 500) log.error('request failed', { ...where, err: e, cause: e.cause });
  return { kind: 'json', status, body: { message: e.message } };
}

function replyStatus(reply: Reply): number {
  switch (reply.kind) {
    case 'json':
    case 'empty':
    case 'text':
    case 'bytes':
      return reply.status;
    default:
      return 200;
  }
}

/** Reads a whole request body, refusing more than `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    if (req.readableEnded) return resolve(new Uint8Array(0));
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) {
        cleanup();
        req.resume();
        reject(invalidArgument(`request body exceeds ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onAborted = () => {
      cleanup();
      reject(new BerthError('invalid-argument', 'request body incomplete: the client closed the connection'));
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onAborted);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onAborted);
  });
}
