import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { LogsOptions } from '../../engine/types.ts';
import { FrameDecoder } from '../../lib/stdcopy.ts';
import { eventually, readUntil, splitHead, startTestServer, type TestServer } from '../testing/harness.ts';

const enc = (s: string) => new TextEncoder().encode(s);

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(async () => {
  await t.close();
});

async function createContainer(name: string, body: object = {}): Promise<string> {
  const r = await t.request('POST', `/v1.47/containers/create?name=${name}`, { body: { Image: 'busybox', ...body } });
  assert.equal(r.status, 201, r.text);
  return (r.json as { Id: string }).Id;
}

function headerOf(head: string, name: string): string | undefined {
  for (const line of head.split('\r\n').slice(1)) {
    const i = line.indexOf(':');
    if (line.slice(0, i).toLowerCase() === name.toLowerCase()) return line.slice(i + 1).trim();
  }
  return undefined;
}

/** Sends an Upgrade request on a raw socket and returns the response head and what followed it. */
async function upgrade(
  path: string,
  body?: object,
  extra = '',
): Promise<{ socket: Socket; head: string; rest: Buffer }> {
  const socket = await t.raw();
  const payload = body === undefined ? '' : JSON.stringify(body);
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: api\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n` +
      (body === undefined
        ? ''
        : `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\n`) +
      `\r\n${payload}${extra}`,
  );
  const buf = await readUntil(socket, (all) => splitHead(all) !== undefined);
  const parts = splitHead(buf);
  assert.ok(parts, `no response head in ${JSON.stringify(buf.toString())}`);
  return { socket, ...parts };
}

describe('system and protocol', () => {
  it('answers /_ping with Docker headers', async () => {
    const r = await t.request('GET', '/_ping');
    assert.equal(r.status, 200);
    assert.equal(r.text, 'OK');
    assert.equal(r.headers['api-version'], '1.47');
    assert.equal(r.headers['builder-version'], '1');
    assert.match(String(r.headers['cache-control']), /no-cache/);
    assert.equal(r.headers['docker-experimental'], 'false');
    assert.equal(r.headers.ostype, 'linux');
    assert.match(String(r.headers.server), /^berth\/0\.1\.0/);
    const head = await t.request('HEAD', '/_ping');
    assert.equal(head.status, 200);
    assert.equal(head.text, '');
    assert.equal(head.headers['api-version'], '1.47');
  });

  it('serves paths with and without a version prefix', async () => {
    for (const path of ['/version', '/v1.47/version', '/v1.24/version', '/v1.41/version']) {
      const r = await t.request('GET', path);
      assert.equal(r.status, 200, path);
      const v = r.json as {
        ApiVersion: string;
        MinAPIVersion: string;
        Components: { Details: Record<string, string> }[];
      };
      assert.equal(v.ApiVersion, '1.47');
      assert.equal(v.MinAPIVersion, '1.24');
      assert.equal(v.Components[0]?.Details.ApiVersion, '1.47');
    }
    assert.equal((await t.request('GET', '/v1.47/info')).status, 200);
  });

  it('refuses API versions out of range', async () => {
    const high = await t.request('GET', '/v1.99/version');
    assert.equal(high.status, 400);
    assert.deepEqual(high.json, { message: 'client version 1.99 is too new. Maximum supported API version is 1.47' });
    assert.equal(high.headers['api-version'], '1.47');
    const low = await t.request('GET', '/v1.12/_ping');
    assert.equal(low.status, 400);
    assert.match(
      (low.json as { message: string }).message,
      /client version 1.12 is too old. Minimum supported API version is 1.24/,
    );
  });

  it('answers unknown routes 404 page not found, and known-unimplemented ones 501', async () => {
    for (const path of ['/nope', '/v1.47/nope', '/containers']) {
      const r = await t.request('GET', path);
      assert.equal(r.status, 404, path);
      assert.deepEqual(r.json, { message: 'page not found' });
    }
    assert.equal((await t.request('PUT', '/containers/x/start')).status, 404);
    for (const path of ['/images/search']) {
      const r = await t.request('GET', path);
      assert.equal(r.status, 501, path);
      assert.match((r.json as { message: string }).message, /berth does not implement GET/);
    }
  });

  it('maps a non-BerthError to 500 with its message', async () => {
    const r = await t.request('GET', '/images/explode/json');
    assert.equal(r.status, 500);
    assert.deepEqual(r.json, { message: 'kaboom: not a BerthError' });
    assert.match(String(r.headers['content-type']), /application\/json/);
  });
});

describe('containers', () => {
  it('creates, validates bodies and names, and maps conflicts', async () => {
    const id = await createContainer('web', { Cmd: 'echo hi', Env: ['A=1'], Bogus: true });
    assert.equal(id.length, 64);
    const call = t.engine.calls.find((c) => c[0] === 'containers.create');
    assert.deepEqual(call?.[1], { Image: 'busybox', Cmd: ['echo hi'], Env: ['A=1'] });
    assert.deepEqual(call?.[2], { name: 'web' });

    const dup = await t.request('POST', '/containers/create?name=web', { body: { Image: 'busybox' } });
    assert.equal(dup.status, 409);
    assert.match((dup.json as { message: string }).message, /already in use/);

    const bad = await t.request('POST', '/containers/create', {
      body: '{"Image": "busybox",',
      headers: { 'Content-Type': 'application/json' },
    });
    assert.equal(bad.status, 400);
    assert.match((bad.json as { message: string }).message, /^invalid JSON: /);

    const empty = await t.request('POST', '/containers/create');
    assert.equal(empty.status, 400);
    assert.deepEqual(empty.json, { message: 'invalid JSON: got EOF while reading request body' });

    const wrongType = await t.request('POST', '/containers/create', { body: { Image: 'busybox', Env: 'A=1' } });
    assert.equal(wrongType.status, 400);
    assert.match((wrongType.json as { message: string }).message, /Env: expected an array/);

    const name = await t.request('POST', '/containers/create?name=bad%20name', { body: { Image: 'busybox' } });
    assert.equal(name.status, 400);
    assert.deepEqual(name.json, {
      message: 'Invalid container name (bad name), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed',
    });

    const ct = await t.request('POST', '/containers/create', {
      body: '{"Image":"busybox"}',
      headers: { 'Content-Type': 'text/plain' },
    });
    assert.equal(ct.status, 400);
    assert.match((ct.json as { message: string }).message, /unsupported Content-Type header \(text\/plain\)/);
  });

  it('answers 404 No such container', async () => {
    for (const [method, path] of [
      ['GET', '/containers/nope/json'],
      ['POST', '/v1.47/containers/nope/start'],
      ['DELETE', '/containers/nope'],
    ] as const) {
      const r = await t.request(method, path);
      assert.equal(r.status, 404, path);
      assert.deepEqual(r.json, { message: 'No such container: nope' });
    }
  });

  it('starts (204), then 304 when already started; 409 removing a running one', async () => {
    await createContainer('s1');
    const first = await t.request('POST', '/containers/s1/start');
    assert.equal(first.status, 204);
    assert.equal(first.text, '');
    const again = await t.request('POST', '/containers/s1/start');
    assert.equal(again.status, 304);
    assert.equal(again.text, '');
    const rm = await t.request('DELETE', '/containers/s1');
    assert.equal(rm.status, 409);
    assert.equal((await t.request('DELETE', '/containers/s1?force=1&v=true')).status, 204);
    assert.deepEqual(t.engine.calls.at(-1), ['containers.remove', 's1', { force: true, v: true }]);
  });

  it('decodes stop/kill/resize parameters and refuses bad ints', async () => {
    await createContainer('s2');
    await t.request('POST', '/containers/s2/start');
    const bad = await t.request('POST', '/containers/s2/stop?t=soon');
    assert.equal(bad.status, 400);
    assert.match((bad.json as { message: string }).message, /"t".*"soon" is not an integer/);
    assert.equal((await t.request('POST', '/containers/s2/resize?h=10')).status, 400);
    assert.equal((await t.request('POST', '/containers/s2/resize?h=10&w=80')).status, 200);
    assert.equal((await t.request('POST', '/containers/s2/stop?t=5&signal=SIGINT')).status, 204);
    assert.deepEqual(
      t.engine.calls.find((c) => c[0] === 'containers.stop' && c[1] === 's2'),
      ['containers.stop', 's2', { t: 5, signal: 'SIGINT' }],
    );
    assert.equal((await t.request('POST', '/containers/s2/stop')).status, 304);
    const kill = await t.request('POST', '/containers/s2/kill?signal=KILL');
    assert.equal(kill.status, 409);
  });

  it('lists with all, limit and both filter forms', async () => {
    await createContainer('lister');
    const map = encodeURIComponent(JSON.stringify({ name: { lister: true } }));
    const r = await t.request('GET', `/containers/json?all=1&limit=5&size=0&filters=${map}`);
    assert.equal(r.status, 200);
    assert.deepEqual(
      (r.json as { Names: string[] }[]).map((c) => c.Names[0]),
      ['/lister'],
    );
    assert.deepEqual(t.engine.calls.at(-1), [
      'containers.list',
      { all: true, size: false, limit: 5, filters: { name: ['lister'] } },
    ]);
    const legacy = encodeURIComponent(JSON.stringify({ name: ['lister'] }));
    assert.equal((await t.request('GET', `/containers/json?all=true&filters=${legacy}`)).status, 200);
    assert.deepEqual(t.engine.calls.at(-1), [
      'containers.list',
      { all: true, size: false, filters: { name: ['lister'] } },
    ]);
    const bad = await t.request('GET', '/containers/json?filters=%7Bnope');
    assert.equal(bad.status, 400);
    assert.equal((await t.request('GET', '/containers/json?limit=x')).status, 400);
  });

  it('flushes wait headers before the result', async () => {
    const id = await createContainer('waiter');
    await t.request('POST', '/containers/waiter/start');
    const socket = await t.raw();
    socket.write(
      `POST /v1.47/containers/${id}/wait?condition=not-running HTTP/1.1\r\nHost: api\r\nContent-Length: 0\r\n\r\n`,
    );
    const headBuf = await readUntil(socket, (all) => splitHead(all) !== undefined);
    const { head, rest } = splitHead(headBuf)!;
    assert.match(head, /^HTTP\/1\.1 200 OK/);
    assert.equal(headerOf(head, 'content-type'), 'application/json');
    assert.equal(rest.byteLength, 0, 'no body before the container exits');
    t.engine.exit(id, 3);
    const body = await readUntil(socket, (all) => all.includes('0\r\n\r\n'));
    assert.match(body.toString(), /\{"StatusCode":3,"Error":null\}/);
    socket.destroy();

    const badCondition = await t.request('POST', `/containers/${id}/wait?condition=sometime`);
    assert.equal(badCondition.status, 400);
    assert.deepEqual(badCondition.json, { message: 'invalid condition: "sometime"' });
  });

  it('streams logs as stdcopy frames, or raw with a TTY', async () => {
    const id = await createContainer('logger');
    t.engine.addLog(id, { stream: 'stdout', data: enc('out line\n') });
    t.engine.addLog(id, { stream: 'stderr', data: enc('err line\n') });
    const r = await t.request('GET', `/v1.47/containers/${id}/logs?stdout=1&stderr=1`);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/vnd.docker.multiplexed-stream');
    const frames = new FrameDecoder().push(Buffer.from(r.text, 'latin1'));
    assert.deepEqual(
      frames.map((f) => [f.stream, Buffer.from(f.data).toString()]),
      [
        ['stdout', 'out line\n'],
        ['stderr', 'err line\n'],
      ],
    );
    const old = await t.request('GET', `/v1.41/containers/${id}/logs?stdout=1`);
    assert.equal(old.headers['content-type'], 'application/vnd.docker.raw-stream');

    const ttyId = await createContainer('ttylogger', { Tty: true });
    t.engine.addLog(ttyId, { stream: 'stdout', data: enc('plain\n') });
    const raw = await t.request('GET', `/containers/${ttyId}/logs?stdout=1&tail=all&since=0`);
    assert.equal(raw.headers['content-type'], 'application/vnd.docker.raw-stream');
    assert.equal(raw.text, 'plain\n');

    const none = await t.request('GET', `/containers/${id}/logs`);
    assert.equal(none.status, 400);
    assert.deepEqual(none.json, { message: 'Bad parameters: you must choose at least one stream' });
  });

  it('ends a followed log stream when the client goes away', async () => {
    const id = await createContainer('follower');
    const socket = await t.raw();
    socket.write(`GET /containers/${id}/logs?stdout=1&follow=1 HTTP/1.1\r\nHost: api\r\n\r\n`);
    await readUntil(socket, (all) => splitHead(all) !== undefined);
    const opts = t.engine.calls.find((c) => c[0] === 'containers.logs' && c[1] === id)?.[2] as LogsOptions;
    assert.equal(opts.follow, true);
    assert.equal(opts.signal?.aborted, false);
    socket.destroy();
    await eventually(() => opts.signal?.aborted === true);
  });
});

describe('hijacked streams', () => {
  it('attaches with Upgrade: 101, stdcopy frames out, stdin in, half-close is EOF', async () => {
    const id = await createContainer('att');
    const { socket, head, rest } = await upgrade(`/v1.47/containers/${id}/attach?stream=1&stdin=1&stdout=1&stderr=1`);
    assert.match(head, /^HTTP\/1\.1 101 UPGRADED\r\n/);
    assert.equal(headerOf(head, 'content-type'), 'application/vnd.docker.multiplexed-stream');
    assert.equal(headerOf(head, 'connection'), 'Upgrade');
    assert.equal(headerOf(head, 'upgrade'), 'tcp');
    assert.equal(headerOf(head, 'api-version'), '1.47');
    assert.equal(rest.byteLength, 0);
    assert.deepEqual(t.engine.calls.at(-1), [
      'containers.attach',
      id,
      { stream: true, stdin: true, stdout: true, stderr: true, logs: false },
    ]);

    const session = t.engine.sessions.at(-1)!;
    session.out.push({ stream: 'stdout', data: enc('hello\n') });
    session.out.push({ stream: 'stderr', data: enc('oops\n') });
    const frames: [string, string][] = [];
    await readUntil(socket, (all) => {
      frames.length = 0;
      for (const f of new FrameDecoder().push(all)) frames.push([f.stream, Buffer.from(f.data).toString()]);
      return frames.length >= 2;
    });
    assert.deepEqual(frames, [
      ['stdout', 'hello\n'],
      ['stderr', 'oops\n'],
    ]);

    socket.write('some input');
    assert.equal(Buffer.from(await session.stdinBytes(10)).toString(), 'some input');
    socket.end();
    await eventually(() => session.stdinClosed);
    assert.equal(session.closed, false, 'half-close is only stdin EOF');

    // Output still flows after the client's half-close; its end ends the connection.
    session.out.push({ stream: 'stdout', data: enc('bye\n') });
    session.out.end();
    const tail = await readUntil(socket, () => false);
    assert.deepEqual(
      new FrameDecoder().push(tail).map((f) => Buffer.from(f.data).toString()),
      ['bye\n'],
    );
    await session.whenClosed;
  });

  it('relays raw bytes with a TTY; a client that goes away is EOF, then a detach once output fails', async () => {
    const id = await createContainer('ttyatt', { Tty: true, OpenStdin: true });
    const { socket, head } = await upgrade(`/containers/${id}/attach?stream=1&stdin=1&stdout=1`);
    assert.equal(headerOf(head, 'content-type'), 'application/vnd.docker.raw-stream');
    const session = t.engine.sessions.at(-1)!;
    session.out.push({ stream: 'stdout', data: enc('$ ') });
    const got = await readUntil(socket, (all) => all.length >= 2);
    assert.equal(got.toString(), '$ ');
    socket.destroy();
    // A FIN cannot tell a half-close from a close: stdin gets EOF, and the
    // session is detached when writing to the gone client fails (as Docker).
    await eventually(() => session.stdinClosed);
    let closed = false;
    void session.whenClosed.then(() => {
      closed = true;
    });
    while (!closed) {
      session.out.push({ stream: 'stdout', data: enc('more output ') });
      await new Promise((r) => setTimeout(r, 10));
    }
  });

  it('ignores client bytes when stdin was not requested', async () => {
    const id = await createContainer('nostdin');
    const { socket } = await upgrade(`/containers/${id}/attach?stream=1&stdout=1`);
    const session = t.engine.sessions.at(-1)!;
    socket.write('ignored');
    socket.end();
    session.out.end();
    await readUntil(socket, () => false);
    await session.whenClosed;
    assert.equal(session.stdin.length, 0);
    assert.equal(session.stdinClosed, false);
  });

  it('uses the raw-stream content type below API 1.42 but still frames', async () => {
    const id = await createContainer('oldapi');
    const { socket, head } = await upgrade(`/v1.41/containers/${id}/attach?stream=1&stdout=1`);
    assert.equal(headerOf(head, 'content-type'), 'application/vnd.docker.raw-stream');
    const session = t.engine.sessions.at(-1)!;
    session.out.push({ stream: 'stdout', data: enc('x') });
    session.out.end();
    const data = await readUntil(socket, () => false);
    assert.deepEqual(
      new FrameDecoder().push(data).map((f) => f.stream),
      ['stdout'],
    );
    socket.destroy();
  });

  it('attaches without Upgrade: 200 and the raw stream until close', async () => {
    const id = await createContainer('plainatt');
    const pending = t.request('POST', `/containers/${id}/attach?stream=1&stdout=1&stderr=1`);
    await eventually(() => t.engine.calls.some((c) => c[0] === 'containers.attach' && c[1] === id));
    const session = t.engine.sessions.at(-1)!;
    session.out.push({ stream: 'stderr', data: enc('e') });
    session.out.end();
    const r = await pending;
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/vnd.docker.multiplexed-stream');
    assert.equal(r.headers['transfer-encoding'], undefined);
    assert.deepEqual(
      new FrameDecoder().push(Buffer.from(r.text, 'latin1')).map((f) => [f.stream, Buffer.from(f.data).toString()]),
      [['stderr', 'e']],
    );
  });

  it('answers an attach error as JSON even on an Upgrade request', async () => {
    const { socket, head, rest } = await upgrade('/containers/ghost/attach?stream=1&stdout=1');
    assert.match(head, /^HTTP\/1\.1 404 Not Found/);
    const body = Buffer.concat([rest, await readUntil(socket, () => false)]);
    assert.deepEqual(JSON.parse(body.toString()), { message: 'No such container: ghost' });
    socket.destroy();
  });

  it('runs exec: create 201, start hijacked with the body and early stdin, detach 200', async () => {
    const id = await createContainer('ex');
    await t.request('POST', `/containers/${id}/start`);
    const none = await t.request('POST', `/containers/${id}/exec`, { body: { AttachStdout: true } });
    assert.equal(none.status, 400);
    assert.deepEqual(none.json, { message: 'No exec command specified' });

    const created = await t.request('POST', `/v1.47/containers/${id}/exec`, {
      body: { AttachStdin: true, AttachStdout: true, Cmd: ['sh', '-c', 'cat'] },
    });
    assert.equal(created.status, 201);
    const execId = (created.json as { Id: string }).Id;

    const { socket, head } = await upgrade(`/v1.47/exec/${execId}/start`, { Detach: false, Tty: false }, 'early');
    assert.match(head, /^HTTP\/1\.1 101 UPGRADED/);
    assert.deepEqual(t.engine.calls.at(-1), ['exec.start', execId, { Detach: false, Tty: false }]);
    const session = t.engine.sessions.at(-1)!;
    assert.equal(Buffer.from(await session.stdinBytes(5)).toString(), 'early');
    session.out.push({ stream: 'stdout', data: enc('early') });
    session.out.end();
    const out = await readUntil(socket, () => false);
    assert.deepEqual(
      new FrameDecoder().push(out).map((f) => Buffer.from(f.data).toString()),
      ['early'],
    );
    socket.destroy();

    const inspect = await t.request('GET', `/exec/${execId}/json`);
    assert.equal((inspect.json as { Running: boolean }).Running, true);
    assert.equal((await t.request('POST', `/exec/${execId}/resize?h=24&w=80`)).status, 200);

    const detached = await t.request('POST', `/exec/${execId}/start`, { body: { Detach: true } });
    assert.equal(detached.status, 200);
    assert.equal(detached.text, '');
    const missing = await t.request('GET', '/exec/nope/json');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.json, { message: 'No such exec instance: nope' });
  });
});

describe('images', () => {
  it('handles names with slashes and colons', async () => {
    const tag = await t.request('POST', '/v1.47/images/busybox/tag?repo=localhost:5000/a/b&tag=t');
    assert.equal(tag.status, 201);
    assert.deepEqual(t.engine.calls.at(-1), ['images.tag', 'busybox', 'localhost:5000/a/b', 't']);
    const inspect = await t.request('GET', '/v1.47/images/localhost:5000/a/b:t/json');
    assert.equal(inspect.status, 200);
    assert.deepEqual((inspect.json as { RepoTags: string[] }).RepoTags, ['localhost:5000/a/b:t']);
    const rm = await t.request('DELETE', '/images/localhost:5000/a/b:t?force=1');
    assert.equal(rm.status, 200);
    assert.deepEqual(rm.json, [{ Untagged: 'localhost:5000/a/b:t' }]);
    assert.deepEqual(t.engine.calls.at(-1), ['images.remove', 'localhost:5000/a/b:t', { force: true, noprune: false }]);
    const gone = await t.request('GET', '/images/localhost:5000/a/b:t/json');
    assert.equal(gone.status, 404);
    assert.deepEqual(gone.json, { message: 'No such image: localhost:5000/a/b:t' });
    assert.equal((await t.request('GET', '/images/json?all=1')).status, 200);
  });

  it('bootstraps through the berth extension, checking the body', async () => {
    const r = await t.request('POST', '/berth/images/bootstrap', { body: { Kind: 'busybox', Tag: 'bb:1' } });
    assert.equal(r.status, 200);
    assert.deepEqual((r.json as { RepoTags: string[] }).RepoTags, ['bb:1']);
    const bad = await t.request('POST', '/v1.47/berth/images/bootstrap', { body: { Tag: 'x' } });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.json, { message: 'invalid JSON: Kind is required' });
  });
});

describe('volumes', () => {
  it('creates (201), lists with filters, inspects, removes (204) and prunes; bodies are checked', async () => {
    const c = await t.request('POST', '/v1.47/volumes/create', {
      body: { Name: 'data', Labels: { a: 'b' }, DriverOpts: { type: 'tmpfs', device: 'tmpfs' }, Bogus: 1 },
    });
    assert.equal(c.status, 201);
    assert.deepEqual(t.engine.calls.at(-1), [
      'volumes.create',
      { Name: 'data', Labels: { a: 'b' }, DriverOpts: { type: 'tmpfs', device: 'tmpfs' } },
    ]);
    const bad = await t.request('POST', '/volumes/create', { body: { Name: 'x', Labels: ['a'] } });
    assert.equal(bad.status, 400);
    assert.match((bad.json as { message: string }).message, /Labels: expected an object/);
    const ls = await t.request('GET', `/volumes?filters=${encodeURIComponent('{"name":{"data":true}}')}`);
    assert.equal(ls.status, 200);
    assert.deepEqual(t.engine.calls.at(-1), ['volumes.list', { filters: { name: ['data'] } }]);
    assert.equal((await t.request('GET', '/volumes/data')).status, 200);
    assert.equal((await t.request('DELETE', '/volumes/data?force=1')).status, 204);
    assert.deepEqual(t.engine.calls.at(-1), ['volumes.remove', 'data', { force: true }]);
    const gone = await t.request('GET', '/volumes/data');
    assert.equal(gone.status, 404);
    assert.deepEqual(gone.json, { message: 'get data: no such volume' });
    const prune = await t.request('POST', '/volumes/prune');
    assert.deepEqual(prune.json, { VolumesDeleted: [], SpaceReclaimed: 0 });
    const check = await t.request('POST', '/berth/system/check?repair=1');
    assert.deepEqual(check.json, { Findings: [] });
    assert.deepEqual(t.engine.calls.at(-1), ['system.check', { repair: true }]);
  });
});
