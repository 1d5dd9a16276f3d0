/**
 * The HTTP face's vocabulary and its router. A route is a method, a path
 * pattern and a handler that turns an {@link ApiRequest} into a {@link Reply}:
 * handlers never touch sockets or ServerResponse objects, so they stay pure
 * decode → Engine → encode steps, and respond.ts writes every Reply to
 * whichever transport the request came on (plain HTTP or an upgraded socket).
 *
 * Path patterns: literal segments, `{name}` for one segment, `{name*}` for one
 * or more segments matched greedily (Docker's `{name:.*}`, for image names
 * such as `localhost:5000/a/b:t`). Parameters are percent-decoded.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { IoSession, OutputStream, WaitHandle } from '../../engine/types.ts';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

/** One decoded request, as handlers see it. */
export interface ApiRequest {
  readonly method: string;
  /** The path without its `/v1.NN` prefix and without the query. */
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** The effective API version (the prefix's, else the current one). */
  readonly apiVersion: string;
  /** Reads the whole body (bounded); empty when there is none. Call at most once. */
  body(): Promise<Uint8Array>;
  /** The body as a stream, unbounded (archives, tars); call at most once, and not with `body`. */
  bodyStream(): AsyncIterable<Uint8Array>;
  /** Aborted when the client disconnects. */
  readonly signal: AbortSignal;
}

/**
 * What a handler answers. `output` streams a process's output until it ends
 * (logs); `session` hijacks the connection for a bidirectional stdio session
 * (attach, exec start), relaying the client's bytes to stdin only when `stdin`;
 * `wait` sends the headers at once and the WaitResponse when it settles;
 * `bytes` streams a body of unknown length (tars, JSON lines), chunked, and
 * drops the connection if the iterable throws after the headers went out.
 */
export type Reply =
  | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'empty'; status: number; headers?: Record<string, string> }
  | { kind: 'text'; status: number; body: string; contentType: string; headers?: Record<string, string> }
  | { kind: 'output'; stream: OutputStream }
  | { kind: 'session'; session: IoSession; stdin: boolean }
  | { kind: 'wait'; handle: WaitHandle }
  | {
      kind: 'bytes';
      status: number;
      contentType: string;
      body: AsyncIterable<Uint8Array>;
      headers?: Record<string, string>;
    };

export type Handler = (req: ApiRequest) => Promise<Reply>;

/** JSON values as the body of a `bytes` reply: one value a line, each sent as it comes (events, stats). */
export async function* jsonLines(values: AsyncIterable<unknown>): AsyncGenerator<Uint8Array> {
  for await (const v of values) yield Buffer.from(`${JSON.stringify(v)}\n`);
}

/** A route: `path` is a pattern as described in this module's comment. */
export interface Route {
  method: HttpMethod;
  path: string;
  handle: Handler;
}

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

/** Matches requests to routes; the first registered route that matches wins. */
export interface Router {
  match(method: string, path: string): RouteMatch | undefined;
}

interface Compiled {
  route: Route;
  regex: RegExp;
  names: string[];
}

export function json(body: unknown, status = 200): Reply {
  return { kind: 'json', status, body };
}

export function empty(status: number): Reply {
  return { kind: 'empty', status };
}

export function createRouter(routes: readonly Route[]): Router {
  const compiled = routes.map(compile);
  return {
    match(method, path) {
      for (const c of compiled) {
        if (c.route.method !== method) continue;
        const m = c.regex.exec(path);
        if (!m) continue;
        const params: Record<string, string> = {};
        let ok = true;
        c.names.forEach((name, i) => {
          const raw = m[i + 1] ?? '';
          try {
            params[name] = decodeURIComponent(raw);
          } catch {
            ok = false;
          }
        });
        if (ok) return { route: c.route, params };
      }
      return undefined;
    },
  };
}

function compile(route: Route): Compiled {
  const names: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      const param = /^\{([A-Za-z_][A-Za-z0-9_]*)(\*?)\}$/.exec(segment);
      if (!param) return escapeRegex(segment);
      names.push(param[1]!);
      return param[2] === '*' ? '(.+)' : '([^/]+)';
    })
    .join('/');
  return { route, regex: new RegExp(`^${source}$`), names };
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
