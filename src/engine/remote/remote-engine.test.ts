import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net, { type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BerthError, isCode } from '../../lib/errors.ts';
import { encodeFrame } from '../../lib/stdcopy.ts';
import type { OutputChunk } from '../types.ts';
import { createRemoteEngine, encodeFilters, formatTimestamp } from './remote-engine.ts';
import { buildPath, isTransportError, parseHost } from './transport.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** What the fake daemon saw. */
interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;
type UpgradeHandler = (req: http.IncomingMessage, socket: Socket, head: Buffer) => void;

const dir = mkdtempSync(join(tmpdir(), 'berth-remote-'));
const socketPath = join(dir, 'berthd.sock');
const seen: Seen[] = [];
const routes = new Map<string, Handler>();
const upgrades = new Map<string, UpgradeHandler>();
let server: http.Server;

/** A stand-in for berthd: routes keyed by "METHOD /path" (without query). */
function route(key: string, h: Handler): void {
  routes.set(key, h);
}

function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(value));
}

const inspectOf = (tty: boolean) => ({ Id: 'c'.repeat(64), Name: '/web', Config: { Tty: tty } });

before(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const key = `${req.method} ${(req.url ?? '').split('?')[0]}`;
      const h = routes.get(key);
      if (h) h(req, res, body);
      else sendJson(res, 404, { message: `page not found: ${key}` });
    });
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: '' });
    const h = upgrades.get(`${req.method} ${(req.url ?? '').split('?')[0]}`);
    if (h) h(req, socket, head);
    else socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});

after(() => {
  server.close();
  server.closeAllConnections();
  rmSync(dir, { recursive: true, force: true });
});

const engine = () => createRemoteEngine({ host: `unix://${socketPath}` });

async function collect(output: AsyncIterable<OutputChunk>): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for await (const c of output) out.push([c.stream, dec.decode(c.data)]);
  return out;
}

test('parseHost() accepts unix URLs, bare paths and tcp URLs', () => {
  assert.deepEqual(parseHost('unix:///run/berth/berth.sock'), {
    kind: 'unix',
    socketPath: '/run/berth/berth.sock',
    display: 'unix:///run/berth/berth.sock',
  });
  assert.equal(parseHost('/tmp/x.sock').display, 'unix:///tmp/x.sock');
  assert.deepEqual(parseHost('tcp://127.0.0.1:2375'), {
    kind: 'tcp',
    hostname: '127.0.0.1',
    port: 2375,
    display: 'tcp://127.0.0.1:2375',
  });
  assert.throws(
    () => parseHost('ftp://x'),
    (err) => isCode(err, 'invalid-argument'),
  );
});

test('buildPath() prefixes the API version and encodes queries as the docker CLI does', () => {
  assert.equal(
    buildPath({ path: '/containers/json', query: { all: true, size: false, limit: 3, x: undefined } }),
    '/v1.47/containers/json?all=1&limit=3',
  );
  assert.equal(buildPath({ path: '/_ping', versioned: false }), '/_ping');
  assert.equal(
    encodeFilters({ name: ['web'], status: ['running', 'exited'] }),
    '{"name":{"web":true},"status":{"running":true,"exited":true}}',
  );
  assert.equal(encodeFilters({}), undefined);
  assert.equal(formatTimestamp(1700000000.5), '1700000000.500000000');
  assert.equal(formatTimestamp(12), '12.000000000');
});

test('create() posts the body with the name in the query and returns the reply', async () => {
  route('POST /v1.47/containers/create', (_req, res) => sendJson(res, 201, { Id: 'abc', Warnings: [] }));
  const e = engine();
  const got = await e.containers.create({ Image: 'busybox', Cmd: ['true'] }, { name: 'web' });
  assert.deepEqual(got, { Id: 'abc', Warnings: [] });
  const req = seen.at(-1)!;
  assert.equal(req.url, '/v1.47/containers/create?name=web');
  assert.equal(req.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(req.body), { Image: 'busybox', Cmd: ['true'] });
  e.close();
});

test('error replies become BerthErrors by status with the daemon message', async () => {
  route('GET /v1.47/containers/nope/json', (_req, res) => sendJson(res, 404, { message: 'No such container: nope' }));
  route('DELETE /v1.47/containers/web', (_req, res) =>
    sendJson(res, 409, { message: 'You cannot remove a running container' }),
  );
  route('POST /v1.47/containers/web/start', (_req, res) => {
    res.writeHead(304);
    res.end();
  });
  route('GET /v1.47/info', (_req, res) => {
    res.writeHead(500, { 'Content-Type': 'text/plain' });
    res.end('boom\n');
  });
  const e = engine();
  await assert.rejects(e.containers.inspect('nope'), (err) => {
    assert.ok(err instanceof BerthError);
    assert.equal(err.code, 'not-found');
    assert.equal(err.message, 'No such container: nope');
    assert.equal(isTransportError(err), false);
    return true;
  });
  await assert.rejects(e.containers.remove('web'), (err) => isCode(err, 'conflict'));
  await assert.rejects(e.containers.start('web'), (err) => isCode(err, 'not-modified'));
  await assert.rejects(e.system.info(), (err) => isCode(err, 'internal') && err.message === 'boom');
  e.close();
});

test('stop, kill and remove send their options as query parameters', async () => {
  for (const k of ['POST /v1.47/containers/web/stop', 'POST /v1.47/containers/web/kill']) {
    route(k, (_req, res) => {
      res.writeHead(204);
      res.end();
    });
  }
  route('DELETE /v1.47/containers/web', (_req, res) => {
    res.writeHead(204);
    res.end();
  });
  const e = engine();
  await e.containers.stop('web', { t: 3, signal: 'SIGINT' });
  assert.equal(seen.at(-1)!.url, '/v1.47/containers/web/stop?t=3&signal=SIGINT');
  await e.containers.kill('web', { signal: 'HUP' });
  assert.equal(seen.at(-1)!.url, '/v1.47/containers/web/kill?signal=HUP');
  await e.containers.remove('web', { force: true, v: true });
  assert.equal(seen.at(-1)!.url, '/v1.47/containers/web?force=1&v=1');
  e.close();
});

test('wait() resolves when headers arrive and result when the body arrives', async () => {
  let finish: (() => void) | undefined;
  route('POST /v1.47/containers/web/wait', (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    finish = () => res.end(JSON.stringify({ StatusCode: 7, Error: null }));
  });
  const e = engine();
  const handle = await e.containers.wait('web', { condition: 'next-exit' });
  assert.equal(seen.at(-1)!.url, '/v1.47/containers/web/wait?condition=next-exit');
  assert.ok(finish, 'the daemon has the request while the body is still pending');
  let settled = false;
  void handle.result.then(() => {
    settled = true;
  });
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(settled, false);
  finish();
  assert.deepEqual(await handle.result, { StatusCode: 7, Error: null });
  e.close();
});

test('wait() result rejects when the connection drops before the body', async () => {
  route('POST /v1.47/containers/gone/wait', (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    setTimeout(() => res.socket?.destroy(), 10);
  });
  const e = engine();
  const handle = await e.containers.wait('gone');
  await assert.rejects(handle.result, (err) => err instanceof BerthError);
  e.close();
});

test('attach() hijacks the connection, decodes stdcopy frames and relays stdin', async () => {
  route('GET /v1.47/containers/web/json', (_req, res) => sendJson(res, 200, inspectOf(false)));
  const stdin: string[] = [];
  upgrades.set('POST /v1.47/containers/web/attach', (_req, socket) => {
    socket.write(
      'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n',
    );
    socket.write(encodeFrame({ stream: 'stdout', data: enc.encode('hello ') }));
    socket.on('data', (d: Buffer) => stdin.push(d.toString()));
    socket.on('end', () => {
      // stdin closed: echo what came in on stderr, then end the output.
      const frame = encodeFrame({ stream: 'stderr', data: enc.encode(stdin.join('')) });
      socket.write(frame.subarray(0, 5));
      socket.end(frame.subarray(5));
    });
  });
  const e = engine();
  const session = await e.containers.attach('web', { stream: true, stdin: true, stdout: true, stderr: true });
  const req = seen.at(-1)!;
  assert.equal(req.url, '/v1.47/containers/web/attach?stream=1&stdin=1&stdout=1&stderr=1');
  assert.equal(req.headers.connection, 'Upgrade');
  assert.equal(req.headers.upgrade, 'tcp');
  assert.equal(session.tty, false);
  session.write(enc.encode('ping'));
  session.closeStdin();
  assert.deepEqual(await collect(session.output), [
    ['stdout', 'hello '],
    ['stderr', 'ping'],
  ]);
  e.close();
});

test('attach() to a TTY container yields raw bytes as stdout, and close() ends the output', async () => {
  upgrades.set('POST /v1.47/containers/tty/attach', (_req, socket) => {
    socket.write(
      'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n$ ',
    );
  });
  const e = engine();
  const before = seen.length;
  const session = await e.containers.attach('tty', { stream: true, stdout: true });
  assert.equal(session.tty, true);
  // The Content-Type said raw-stream: no inspect was needed.
  assert.deepEqual(
    seen.slice(before).map((s) => `${s.method} ${s.url}`),
    ['POST /v1.47/containers/tty/attach?stream=1&stdout=1'],
  );
  const it = session.output[Symbol.asyncIterator]();
  const first = await it.next();
  assert.equal(first.done, false);
  assert.deepEqual(first.done ? undefined : [first.value.stream, dec.decode(first.value.data)], ['stdout', '$ ']);
  session.close();
  assert.equal((await it.next()).done, true);
  e.close();
});

test('attach() without a Content-Type on the upgrade reads the TTY setting from inspect', async () => {
  route('GET /v1.47/containers/old/json', (_req, res) => sendJson(res, 200, inspectOf(true)));
  upgrades.set('POST /v1.47/containers/old/attach', (_req, socket) => {
    socket.end('HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\nraw');
  });
  const e = engine();
  const before = seen.length;
  const session = await e.containers.attach('old', { stream: true, stdout: true });
  assert.deepEqual(
    seen.slice(before).map((s) => `${s.method} ${s.url}`),
    ['POST /v1.47/containers/old/attach?stream=1&stdout=1', 'GET /v1.47/containers/old/json'],
  );
  assert.equal(session.tty, true);
  assert.deepEqual(await collect(session.output), [['stdout', 'raw']]);
  e.close();
});

test("attach() to a missing container fails with the daemon's not-found answer to the upgrade", async () => {
  upgrades.set('POST /v1.47/containers/nope/attach', (_req, socket) => {
    const body = JSON.stringify({ message: 'No such container: nope' });
    socket.end(
      `HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  const e = engine();
  await assert.rejects(e.containers.attach('nope', { stream: true }), (err) => {
    assert.ok(err instanceof BerthError);
    assert.equal(err.code, 'not-found');
    assert.equal(err.message, 'No such container: nope');
    assert.equal(isTransportError(err), false);
    return true;
  });
  e.close();
});

test('exec start hijacks with the JSON body and accepts a 200 streaming reply', async () => {
  route('POST /v1.47/containers/web/exec', (_req, res) => sendJson(res, 201, { Id: 'e1' }));
  upgrades.set('POST /v1.47/exec/e1/start', (req, socket) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      seen.push({ method: 'BODY', url: req.url ?? '', headers: req.headers, body });
    });
    // A 200 with the stream on the body, as old daemons answer a hijack.
    socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n');
    socket.end(encodeFrame({ stream: 'stdout', data: enc.encode('out') }));
  });
  const e = engine();
  const { Id } = await e.exec.create('web', { Cmd: ['ls'], AttachStdout: true });
  const session = await e.exec.start(Id, { Tty: false });
  assert.ok(session);
  assert.deepEqual(await collect(session.output), [['stdout', 'out']]);
  const body = seen.find((s) => s.method === 'BODY');
  assert.deepEqual(JSON.parse(body?.body ?? '{}'), { Detach: false, Tty: false });
  e.close();
});

test('exec start with Detach is a plain request and returns null', async () => {
  route('POST /v1.47/exec/e2/start', (_req, res) => {
    res.writeHead(200);
    res.end();
  });
  const e = engine();
  assert.equal(await e.exec.start('e2', { Detach: true }), null);
  assert.deepEqual(JSON.parse(seen.at(-1)!.body), { Detach: true, Tty: false });
  e.close();
});

test('logs() takes the TTY setting from the Content-Type and decodes frames', async () => {
  route('GET /v1.47/containers/web/logs', (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/vnd.docker.multiplexed-stream' });
    res.write(encodeFrame({ stream: 'stdout', data: enc.encode('a\n') }));
    res.end(encodeFrame({ stream: 'stderr', data: enc.encode('b\n') }));
  });
  const e = engine();
  const before = seen.length;
  const logs = await e.containers.logs('web', { stdout: true, stderr: true, tail: 5, since: 10 });
  assert.deepEqual(
    seen.slice(before).map((s) => s.url),
    ['/v1.47/containers/web/logs?stdout=1&stderr=1&since=10.000000000&tail=5'],
  );
  assert.equal(logs.tty, false);
  assert.deepEqual(await collect(logs.output), [
    ['stdout', 'a\n'],
    ['stderr', 'b\n'],
  ]);
  e.close();
});

test('logs() without a Content-Type reads the TTY setting from inspect', async () => {
  route('GET /v1.47/containers/old/json', (_req, res) => sendJson(res, 200, inspectOf(true)));
  route('GET /v1.47/containers/old/logs', (_req, res) => {
    res.writeHead(200);
    res.end('raw\n');
  });
  const e = engine();
  const logs = await e.containers.logs('old', { stdout: true });
  assert.equal(seen.at(-1)!.url, '/v1.47/containers/old/json');
  assert.equal(logs.tty, true);
  assert.deepEqual(await collect(logs.output), [['stdout', 'raw\n']]);
  e.close();
});

test('logs() of a missing container fails with not-found', async () => {
  route('GET /v1.47/containers/nope/logs', (_req, res) => sendJson(res, 404, { message: 'No such container: nope' }));
  const e = engine();
  await assert.rejects(e.containers.logs('nope', { stdout: true }), (err) => isCode(err, 'not-found'));
  e.close();
});

test('image calls use the reference in the path unescaped', async () => {
  route('POST /v1.47/images/docker.io/library/busybox:1/tag', (_req, res) => {
    res.writeHead(201);
    res.end();
  });
  route('DELETE /v1.47/images/foo:1', (_req, res) => sendJson(res, 200, [{ Untagged: 'foo:1' }]));
  route('POST /v1.47/berth/images/bootstrap', (_req, res) => sendJson(res, 200, { Id: 'sha256:x' }));
  const e = engine();
  await e.images.tag('docker.io/library/busybox:1', 'foo', '1');
  assert.equal(seen.at(-1)!.url, '/v1.47/images/docker.io/library/busybox:1/tag?repo=foo&tag=1');
  assert.deepEqual(await e.images.remove('foo:1', { force: true }), [{ Untagged: 'foo:1' }]);
  assert.equal(seen.at(-1)!.url, '/v1.47/images/foo:1?force=1');
  await e.images.bootstrap({ Kind: 'busybox', Tag: 'bb:1' });
  assert.deepEqual(JSON.parse(seen.at(-1)!.body), { Kind: 'busybox', Tag: 'bb:1' });
  e.close();
});

test('volume calls and system check send what the docker CLI sends', async () => {
  const vol = {
    Name: 'data',
    Driver: 'local',
    Mountpoint: '/m',
    CreatedAt: '',
    Labels: {},
    Scope: 'local',
    Options: {},
  };
  route('POST /v1.47/volumes/create', (_req, res) => sendJson(res, 201, vol));
  route('GET /v1.47/volumes', (_req, res) => sendJson(res, 200, { Volumes: [vol], Warnings: [] }));
  route('GET /v1.47/volumes/data', (_req, res) => sendJson(res, 200, vol));
  route('DELETE /v1.47/volumes/data', (_req, res) => {
    res.writeHead(204);
    res.end();
  });
  route('DELETE /v1.47/volumes/busy', (_req, res) =>
    sendJson(res, 409, { message: 'remove busy: volume is in use - [c1]' }),
  );
  route('POST /v1.47/volumes/prune', (_req, res) => sendJson(res, 200, { VolumesDeleted: ['a'], SpaceReclaimed: 3 }));
  route('POST /v1.47/berth/system/check', (_req, res) => sendJson(res, 200, { Findings: [] }));
  const e = engine();
  assert.deepEqual(await e.volumes.create({ Name: 'data', DriverOpts: { type: 'tmpfs' } }), vol);
  assert.deepEqual(JSON.parse(seen.at(-1)!.body), { Name: 'data', DriverOpts: { type: 'tmpfs' } });
  assert.equal((await e.volumes.list({ filters: { dangling: ['true'] } })).Volumes.length, 1);
  assert.equal(seen.at(-1)!.url, `/v1.47/volumes?filters=${encodeURIComponent('{"dangling":{"true":true}}')}`);
  assert.equal((await e.volumes.inspect('data')).Name, 'data');
  await e.volumes.remove('data', { force: true });
  assert.equal(seen.at(-1)!.url, '/v1.47/volumes/data?force=1');
  await assert.rejects(e.volumes.remove('busy'), (err) => isCode(err, 'conflict') && /in use/.test(err.message));
  assert.deepEqual(await e.volumes.prune({ filters: { all: ['true'] } }), { VolumesDeleted: ['a'], SpaceReclaimed: 3 });
  assert.deepEqual(await e.system.check({ repair: true }), { Findings: [] });
  assert.equal(seen.at(-1)!.url, '/v1.47/berth/system/check?repair=1');
  e.close();
});

test('commit, archive (HEAD/GET/PUT streamed), events and df send what the docker CLI sends', async () => {
  const stat = { name: 'f', size: 3, mode: 0o644, mtime: '2026-01-01T00:00:00Z', linkTarget: '' };
  const statHeader = Buffer.from(JSON.stringify(stat)).toString('base64');
  route('POST /v1.47/commit', (_req, res) => sendJson(res, 201, { Id: 'sha256:1' }));
  route('HEAD /v1.47/containers/web/archive', (_req, res) => {
    res.writeHead(200, { 'X-Docker-Container-Path-Stat': statHeader });
    res.end();
  });
  route('GET /v1.47/containers/web/archive', (_req, res) => {
    res.writeHead(200, { 'X-Docker-Container-Path-Stat': statHeader, 'Content-Type': 'application/x-tar' });
    res.end('tarbytes');
  });
  route('PUT /v1.47/containers/web/archive', (_req, res) => {
    res.writeHead(200);
    res.end();
  });
  route('GET /v1.47/events', (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write('{"Type":"container","Action":"start"}\n{"Type":"im');
    res.end('age","Action":"tag"}\n');
  });
  route('GET /v1.47/system/df', (_req, res) =>
    sendJson(res, 200, { LayersSize: 1, Images: [], Containers: [], Volumes: [], BuildCache: [] }),
  );
  const e = engine();
  assert.deepEqual(await e.containers.commit('web', { repo: 'x', pause: false, changes: ['ENV A=1', 'CMD ["a"]'] }), {
    Id: 'sha256:1',
  });
  const q = new URL(seen.at(-1)!.url, 'http://x').searchParams;
  assert.equal(q.get('container'), 'web');
  assert.equal(q.get('pause'), '0');
  assert.deepEqual(q.get('changes')?.split('\n'), ['ENV A=1', 'CMD ["a"]']);
  assert.deepEqual(await e.containers.statPath('web', '/f'), stat);
  const got = await e.containers.getArchive('web', '/f');
  assert.deepEqual(got.stat, stat);
  let bytes = '';
  for await (const c of got.tar) bytes += dec.decode(c);
  assert.equal(bytes, 'tarbytes');
  await e.containers.putArchive('web', {
    path: '/tmp',
    tar: (async function* () {
      yield enc.encode('part1-');
      yield enc.encode('part2');
    })(),
    noOverwriteDirNonDir: true,
  });
  assert.equal(seen.at(-1)!.body, 'part1-part2');
  assert.equal(seen.at(-1)!.headers['transfer-encoding'], 'chunked');
  assert.equal(seen.at(-1)!.url, '/v1.47/containers/web/archive?path=%2Ftmp&noOverwriteDirNonDir=1');
  const events = [];
  for await (const ev of await e.system.events({ since: 1, filters: { type: ['container'] } })) events.push(ev.Action);
  assert.deepEqual(events, ['start', 'tag']);
  assert.equal((await e.system.df()).LayersSize, 1);
  e.close();
});

test('ping() is not version-prefixed', async () => {
  route('GET /_ping', (_req, res) => {
    res.writeHead(200, { 'API-Version': '1.47' });
    res.end('OK');
  });
  const e = engine();
  await e.system.ping();
  assert.equal(seen.at(-1)!.url, '/_ping');
  e.close();
});

test('a daemon that does not answer gives unavailable with the socket and a hint', async () => {
  const e = createRemoteEngine({ host: `unix://${join(dir, 'nobody.sock')}` });
  await assert.rejects(e.containers.list(), (err) => {
    assert.ok(err instanceof BerthError);
    assert.equal(err.code, 'unavailable');
    assert.equal(
      err.message,
      `Cannot connect to the berth daemon at unix://${join(dir, 'nobody.sock')}. Is berthd running?`,
    );
    assert.equal(err.hint, 'start it with: berthd &   (or: make demo)');
    assert.equal(isTransportError(err), true);
    return true;
  });
  await assert.rejects(e.containers.attach('x', { stream: true }), (err) => isCode(err, 'unavailable'));
  e.close();
});

test('requests reuse one idle connection, and close() drops it', async () => {
  const sockets = new Set<unknown>();
  route('GET /v1.47/containers/json', (req, res) => {
    sockets.add(req.socket);
    sendJson(res, 200, []);
  });
  const e = engine();
  assert.deepEqual(await e.containers.list(), []);
  assert.deepEqual(await e.containers.list(), []);
  assert.deepEqual(await e.containers.list({ all: true }), []);
  assert.equal(sockets.size, 1);
  const socket = [...sockets][0] as Socket;
  e.close();
  await new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
});

test('an idle connection the daemon closed is not reused', async () => {
  const sockets = new Set<Socket>();
  route('GET /v1.47/info', (req, res) => {
    sockets.add(req.socket as Socket);
    sendJson(res, 200, { ID: 'x' });
  });
  const e = engine();
  await e.system.info();
  const [first] = sockets;
  first!.destroy();
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(await e.system.info(), { ID: 'x' });
  assert.equal(sockets.size, 2);
  e.close();
});

test('logs() with a signal: aborting ends a followed stream quietly', async () => {
  route('GET /v1.47/containers/follow/logs', (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/vnd.docker.multiplexed-stream' });
    res.write(encodeFrame({ stream: 'stdout', data: enc.encode('line\n') }));
  });
  const e = engine();
  const ac = new AbortController();
  const logs = await e.containers.logs('follow', { stdout: true, follow: true, signal: ac.signal });
  const got: string[] = [];
  for await (const c of logs.output) {
    got.push(dec.decode(c.data));
    ac.abort();
  }
  assert.deepEqual(got, ['line\n']);
  await assert.rejects(e.containers.logs('follow', { stdout: true, signal: ac.signal }), { name: 'AbortError' });
  e.close();
});

/** Ends the connection when it comes up in a raw daemon's reply. */
const END = Symbol('end');

/**
 * A raw daemon: answers each request with the next of `replies`, written
 * piece by piece a moment apart; `END` closes the connection.
 */
async function rawDaemon(replies: (string | typeof END)[][]): Promise<{ host: string; requests: string[] }> {
  const path = join(dir, `raw-${replies.length}-${Date.now()}.sock`);
  const requests: string[] = [];
  const srv = net.createServer((socket) => {
    let pending = '';
    socket.on('data', async (d: Buffer) => {
      pending += d.toString('latin1');
      const end = pending.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = /content-length: (\d+)/i.exec(pending.slice(0, end));
      if (pending.length < end + 4 + Number(length?.[1] ?? 0)) return;
      requests.push(pending);
      pending = '';
      for (const piece of replies.shift() ?? [END]) {
        if (piece === END) socket.end();
        else socket.write(piece);
        await new Promise((r) => setTimeout(r, 2));
      }
    });
  });
  await new Promise<void>((resolve) => srv.listen(path, resolve));
  after(() => srv.close());
  return { host: `unix://${path}`, requests };
}

test('responses are read however the daemon frames and splits them', async () => {
  const raw = await rawDaemon([
    // Chunked, with an extension and a trailer, split mid-line and mid-chunk.
    [
      'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r',
      '\n5;ext=1\r\n[{"Id',
      '\r\n7\r\n":"a"}',
      ']\r',
      '\n0\r\nX-Trailer: 1\r\n\r\n',
    ],
    // An interim 100 Continue, then a body split across writes.
    ['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[', ']'],
    // An error whose message is plain text in a chunked body.
    ['HTTP/1.1 409 Conflict\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbusy\r\n0\r\n\r\n'],
    // No length: the body runs until the daemon closes the connection.
    ['HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"ID":', '"raw"}', END],
    // A 500 with an empty body: the reason phrase is the message.
    ['HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n'],
  ]);
  const e = createRemoteEngine({ host: raw.host });
  assert.deepEqual(await e.containers.list(), [{ Id: 'a' }]);
  assert.deepEqual(await e.images.list(), []);
  await assert.rejects(e.containers.remove('x'), (err) => isCode(err, 'conflict') && err.message === 'busy');
  assert.deepEqual(await e.system.info(), { ID: 'raw' });
  await assert.rejects(e.system.info(), (err) => isCode(err, 'internal') && err.message === 'Internal Server Error');
  assert.equal(raw.requests.length, 5);
  assert.match(
    raw.requests[0]!,
    /^GET \/v1\.47\/containers\/json HTTP\/1\.1\r\nHost: localhost\r\nUser-Agent: Berth-Client\/[^\r]+\r\n\r\n$/,
  );
  assert.match(raw.requests[2]!, /^DELETE \/v1\.47\/containers\/x HTTP\/1\.1\r\n/);
  e.close();
});

test('a connection that breaks mid-body fails the read, and one that closes before answering is a transport error', async () => {
  const raw = await rawDaemon([['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n[1,', END], [END]]);
  const e = createRemoteEngine({ host: raw.host });
  await assert.rejects(e.containers.list(), { message: 'aborted', code: 'ECONNRESET' });
  await assert.rejects(e.containers.list(), (err) => {
    assert.ok(err instanceof BerthError);
    assert.equal(err.code, 'unavailable');
    assert.equal(err.message, 'error during connect: socket hang up');
    assert.equal(isTransportError(err), true);
    return true;
  });
  e.close();
});
