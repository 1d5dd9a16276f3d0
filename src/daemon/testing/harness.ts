/**
 * Test harness for the HTTP face: a server with a fake engine on a socket in
 * a fresh temp directory, and small clients: `request` (node:http, whole
 * body) and `raw` (a bare socket, for Upgrade and streaming checks).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../lib/log.ts';
import { type ApiServer, startServer } from '../server.ts';
import { createFakeEngine, type FakeEngine } from './fake-engine.ts';

export interface TestResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export interface TestServer {
  engine: FakeEngine;
  server: ApiServer;
  socketPath: string;
  dir: string;
  request(
    method: string,
    path: string,
    opts?: { body?: string | object; headers?: Record<string, string> },
  ): Promise<TestResponse>;
  /** Opens a bare connection to the server's socket. */
  raw(): Promise<Socket>;
  close(): Promise<void>;
}

export async function startTestServer(): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'berthd-test-'));
  const socketPath = join(dir, 'api.sock');
  const engine = createFakeEngine();
  const server = await startServer({ engine, socketPath, log: silentLogger(), group: 'no-such-group-berth-test' });
  return {
    engine,
    server,
    socketPath,
    dir,
    request: (method, path, opts = {}) => request(socketPath, method, path, opts),
    raw: () =>
      new Promise((resolve, reject) => {
        const s = connect(socketPath, () => resolve(s));
        s.once('error', reject);
      }),
    async close() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function request(
  socketPath: string,
  method: string,
  path: string,
  opts: { body?: string | object; headers?: Record<string, string> } = {},
): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    const body =
      opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    const headers: Record<string, string> = { ...opts.headers };
    if (body !== undefined) {
      headers['Content-Length'] = String(Buffer.byteLength(body));
      if (typeof opts.body === 'object' && headers['Content-Type'] === undefined)
        headers['Content-Type'] = 'application/json';
    }
    const req = httpRequest({ socketPath, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Collects bytes from a socket until `pred` holds for everything read so far (or the socket ends). */
export function readUntil(socket: Socket, pred: (all: Buffer) => boolean, timeoutMs = 5_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let all = Buffer.alloc(0);
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out; read so far: ${JSON.stringify(all.toString('latin1'))}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      all = Buffer.concat([all, d]);
      if (pred(all)) {
        cleanup();
        resolve(all);
      }
    };
    const onEnd = () => {
      cleanup();
      resolve(all);
    };
    const cleanup = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.pause();
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.resume();
  });
}

/** Splits a raw HTTP response head from what follows it. */
export function splitHead(buf: Buffer): { head: string; rest: Buffer } | undefined {
  const i = buf.indexOf('\r\n\r\n');
  if (i < 0) return undefined;
  return { head: buf.subarray(0, i).toString('latin1'), rest: buf.subarray(i + 4) };
}

/** Waits until `pred` holds, polling. */
export async function eventually(pred: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
