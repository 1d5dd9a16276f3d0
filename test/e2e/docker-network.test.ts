/**
 * The real docker CLI's network commands and port publishing against
 * berthd: network create/ls/inspect/connect/disconnect/rm/prune, run -p and
 * -P, and docker port. Traffic goes only to 127.0.0.1 and the test's containers.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { freeSubnet, type RunResult, sleep, startDaemonWithBusybox, type TestDaemon } from '../helpers/daemon.ts';

let d: TestDaemon;

before(async () => {
  d = await startDaemonWithBusybox();
});

after(async () => {
  await d?.cleanup();
});

function ok(r: RunResult): string {
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  return r.stdout.trim();
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function get(port: number, path: string): Promise<string> {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      return await new Promise<string>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path, timeout: 2000, agent: false }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(Buffer.concat(chunks).toString()));
        });
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', reject);
        req.end();
      });
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(100);
    }
  }
}

test('docker network create, ls, inspect, connect, disconnect, rm, prune', () => {
  const { subnet, base } = freeSubnet();
  const id = ok(
    d.docker(['network', 'create', '--subnet', subnet, '--gateway', `${base}.254`, '--label', 'k=v', 'dn1']),
  );
  assert.match(id, /^[0-9a-f]{64}$/);
  const ls = ok(d.docker(['network', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Scope}}']));
  assert.match(ls, /^bridge bridge local$/m);
  assert.match(ls, /^dn1 bridge local$/m);
  assert.match(ls, /^host host local$/m);
  assert.match(ls, /^none null local$/m);
  const ins = JSON.parse(ok(d.docker(['network', 'inspect', 'dn1'])))[0];
  assert.equal(ins.IPAM.Config[0].Subnet, subnet);
  assert.equal(ins.IPAM.Config[0].Gateway, `${base}.254`);
  assert.deepEqual(ins.Labels, { k: 'v' });

  ok(d.docker(['run', '-d', '--name', 'srv', '--network', 'dn1', '--ip', `${base}.10`, 'busybox', 'sleep', '600']));
  ok(d.docker(['run', '-d', '--name', 'cli', 'busybox', 'sleep', '600']));
  assert.equal(
    ok(d.docker(['inspect', 'srv', '--format', '{{(index .NetworkSettings.Networks "dn1").IPAddress}}'])),
    `${base}.10`,
  );
  assert.notEqual(d.docker(['exec', 'cli', 'ping', '-c1', '-W1', `${base}.10`]).code, 0);
  ok(d.docker(['network', 'connect', 'dn1', 'cli']));
  ok(d.docker(['exec', 'cli', 'ping', '-c1', '-W2', `${base}.10`]));
  const members = JSON.parse(ok(d.docker(['network', 'inspect', 'dn1'])))[0].Containers;
  assert.equal(Object.keys(members).length, 2);
  ok(d.docker(['network', 'disconnect', 'dn1', 'cli']));
  assert.notEqual(d.docker(['exec', 'cli', 'ping', '-c1', '-W1', `${base}.10`]).code, 0);

  const inUse = d.docker(['network', 'rm', 'dn1']);
  assert.notEqual(inUse.code, 0);
  assert.match(inUse.stderr, /active endpoints/);
  ok(d.docker(['rm', '-f', 'srv', 'cli']));
  assert.equal(ok(d.docker(['network', 'rm', 'dn1'])), 'dn1');
  ok(d.docker(['network', 'create', 'dn2']));
  assert.match(ok(d.docker(['network', 'prune', '-f'])), /dn2/);
  assert.doesNotMatch(ok(d.docker(['network', 'ls'])), /dn2/);
});

test('docker run -p and -P publish, docker port lists them', async () => {
  const p = await freePort();
  ok(
    d.docker([
      'run',
      '-d',
      '--name',
      'web',
      '-p',
      `127.0.0.1:${p}:80`,
      '--expose',
      '81',
      '-P',
      'busybox',
      'httpd',
      '-f',
      '-p',
      '80',
      '-h',
      '/etc',
    ]),
  );
  const hostname = ok(d.docker(['inspect', 'web', '--format', '{{.Config.Hostname}}']));
  assert.equal((await get(p, '/hostname')).trim(), hostname);
  assert.equal(ok(d.docker(['port', 'web', '80'])), `127.0.0.1:${p}`);
  const all = ok(d.docker(['port', 'web'])).split('\n');
  assert.ok(all.includes(`80/tcp -> 127.0.0.1:${p}`), all.join('\n'));
  assert.ok(
    all.some((l) => /^81\/tcp -> 0\.0\.0\.0:\d+$/.test(l)),
    all.join('\n'),
  );
  assert.match(ok(d.docker(['ps', '--format', '{{.Ports}}'])), new RegExp(`127\\.0\\.0\\.1:${p}->80/tcp`));
  ok(d.docker(['rm', '-f', 'web']));
});
