import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isCode } from '../lib/errors.ts';
import { silentLogger } from '../lib/log.ts';
import { groupId, startServer } from './server.ts';
import { createFakeEngine } from './testing/fake-engine.ts';
import { readUntil, request, splitHead } from './testing/harness.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berthd-server-test-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const start = (socketPath: string) =>
  startServer({ engine: createFakeEngine(), socketPath, log: silentLogger(), group: 'no-such-group-berth-test' });

describe('startServer', () => {
  it('listens with mode 0660 and removes the socket on close', async () => {
    const socketPath = join(dir, 'a.sock');
    const server = await start(socketPath);
    assert.equal((await stat(socketPath)).mode & 0o777, 0o660);
    assert.equal((await request(socketPath, 'GET', '/_ping')).text, 'OK');
    await server.close();
    await server.close();
    assert.equal(existsSync(socketPath), false);
  });

  it('replaces a stale socket file', async () => {
    const socketPath = join(dir, 'stale.sock');
    // A process that dies while listening leaves its socket file behind.
    const r = spawnSync(process.execPath, [
      '-e',
      `require('node:net').createServer().listen(${JSON.stringify(socketPath)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]);
    assert.equal(r.signal, 'SIGKILL');
    assert.ok((await stat(socketPath)).isSocket());
    const server = await start(socketPath);
    assert.equal((await request(socketPath, 'GET', '/_ping')).status, 200);
    await server.close();
  });

  it('refuses a socket another daemon answers on, and a path that is not a socket', async () => {
    const socketPath = join(dir, 'live.sock');
    const other = createServer((s) => s.destroy());
    await new Promise<void>((resolve) => other.listen(socketPath, resolve));
    await assert.rejects(start(socketPath), (err) => isCode(err, 'conflict') && /already listening/.test(err.message));
    await new Promise((resolve) => other.close(resolve));

    const file = join(dir, 'file');
    await writeFile(file, 'x');
    await assert.rejects(start(file), (err) => isCode(err, 'conflict') && /not a socket/.test(err.message));
  });

  it('closes open streams and sessions on close, without touching containers', async () => {
    const socketPath = join(dir, 'busy.sock');
    const engine = createFakeEngine();
    const server = await startServer({ engine, socketPath, log: silentLogger(), group: 'no-such-group-berth-test' });
    const created = await request(socketPath, 'POST', '/containers/create?name=busy', { body: { Image: 'busybox' } });
    const id = (created.json as { Id: string }).Id;
    await request(socketPath, 'POST', `/containers/${id}/start`);

    const { connect } = await import('node:net');
    const s = connect(socketPath);
    s.write(
      `POST /containers/${id}/attach?stream=1&stdin=1&stdout=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`,
    );
    await readUntil(s, (all) => splitHead(all) !== undefined);
    const w = connect(socketPath);
    w.write(`POST /containers/${id}/wait HTTP/1.1\r\nHost: x\r\n\r\n`);
    await readUntil(w, (all) => splitHead(all) !== undefined);

    await server.close();
    await engine.sessions[0]!.whenClosed;
    assert.equal(
      engine.calls.some((c) => c[0] === 'containers.stop' || c[0] === 'containers.kill'),
      false,
    );
    s.destroy();
    w.destroy();
  });
});

describe('groupId', () => {
  it('reads a gid from a group file', async () => {
    const file = join(dir, 'group');
    await writeFile(file, 'root:x:0:\nberth:x:998:alice,bob\nberthx:x:5:\n');
    assert.equal(await groupId('berth', file), 998);
    assert.equal(await groupId('nobody-here', file), undefined);
    assert.equal(await groupId('berth', join(dir, 'missing')), undefined);
  });
});
