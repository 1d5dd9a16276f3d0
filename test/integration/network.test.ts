/**
 * Networking on the real kernel: user networks with DNS and isolation,
 * published ports (localhost, any address, hairpin, UDP, live changes),
 * bad input, debris after many containers, and a SIGKILL of berthd under
 * load. One daemon serves the whole file; traffic goes only to 127.0.0.1
 * and to the containers this test creates.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { type RunResult, sleep, startDaemonWithBusybox, type TestDaemon } from '../helpers/daemon.ts';

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

function fails(r: RunResult, pattern: RegExp): void {
  assert.notEqual(r.code, 0, `expected a failure, got: ${r.stdout}`);
  assert.match(r.stderr, pattern);
}

/** A port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function httpGet(port: number, path = '/hostname', host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, timeout: 3000, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString()) : reject(new Error(`${res.statusCode}`)),
      );
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Waits until `fn` resolves (retrying for a few seconds while the server starts). */
async function eventually<T>(fn: () => Promise<T>, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(100);
    }
  }
}

function inspect(name: string): {
  Id: string;
  Config: { Hostname: string };
  NetworkSettings: {
    Gateway: string;
    IPAddress: string;
    Networks: Record<string, { IPAddress: string; Gateway: string }>;
  };
} {
  return JSON.parse(ok(d.berth(['inspect', name])))[0];
}

function nftTable(): string {
  return execFileSync('nft', ['list', 'table', 'ip', d.net.prefix], { encoding: 'utf8' });
}

function elements(set: string): string[] {
  const out = execFileSync('nft', ['-j', 'list', 'set', 'ip', d.net.prefix, set], { encoding: 'utf8' }).toString();
  const j = JSON.parse(out) as { nftables: { set?: { elem?: unknown[] } }[] };
  return (j.nftables.find((x) => x.set)?.set?.elem ?? []).map((e) => JSON.stringify(e));
}

function mapElements(map: string): string[] {
  const out = execFileSync('nft', ['-j', 'list', 'map', 'ip', d.net.prefix, map], { encoding: 'utf8' }).toString();
  const j = JSON.parse(out) as { nftables: { map?: { elem?: unknown[] } }[] };
  return (j.nftables.find((x) => x.map)?.map?.elem ?? []).map((e) => JSON.stringify(e));
}

/** Host objects carrying this daemon's prefix: veths and user bridges. */
function links(kind: 'v' | 'b'): string[] {
  return readdirSync('/sys/class/net').filter((l) => l.startsWith(`${d.net.prefix}${kind}`) && l.length === 15);
}

const HTTPD = ['busybox', 'httpd', '-f', '-p', '80', '-h', '/etc'];

test('containers on a user network reach each other by name and alias; other networks cannot', async () => {
  ok(d.berth(['network', 'create', 'n1']));
  ok(d.berth(['network', 'create', 'n2']));
  ok(d.berth(['run', '-d', '--name', 'a1', '--network', 'n1', '--network-alias', 'web', ...HTTPD]));
  ok(d.berth(['run', '-d', '--name', 'b1', '--network', 'n1', 'busybox', 'sleep', '600']));
  ok(d.berth(['run', '-d', '--name', 'c2', '--network', 'n2', 'busybox', 'sleep', '600']));
  const a1 = inspect('a1');
  const a1ip = a1.NetworkSettings.Networks.n1?.IPAddress ?? '';
  assert.match(a1ip, /^10\./);

  ok(d.berth(['exec', 'b1', 'ping', '-c1', '-W2', 'a1']));
  const page = await eventually(async () => ok(d.berth(['exec', 'b1', 'wget', '-qO-', 'http://web/hostname'])));
  assert.equal(page, a1.Config.Hostname);

  // n2 can neither resolve a1 nor reach its address.
  assert.notEqual(d.berth(['exec', 'c2', 'ping', '-c1', '-W1', a1ip]).code, 0);
  assert.notEqual(d.berth(['exec', 'c2', 'wget', '-qO-', 'http://a1/hostname']).code, 0);

  // connect gives the running container an interface on n1 at once; disconnect takes it away.
  ok(d.berth(['network', 'connect', '--alias', 'client', 'n1', 'c2']));
  assert.equal(ok(d.berth(['exec', 'c2', 'wget', '-qO-', 'http://web/hostname'])), a1.Config.Hostname);
  ok(d.berth(['exec', 'a1', 'ping', '-c1', '-W2', 'client']));
  ok(d.berth(['network', 'disconnect', 'n1', 'c2']));
  assert.notEqual(d.berth(['exec', 'c2', 'ping', '-c1', '-W1', a1ip]).code, 0);

  // /etc/hosts names the container; resolv.conf points at the embedded DNS.
  const n1 = JSON.parse(ok(d.berth(['network', 'inspect', 'n1'])))[0];
  const gw = n1.IPAM.Config[0].Gateway;
  assert.match(ok(d.berth(['exec', 'a1', 'cat', '/etc/resolv.conf'])), new RegExp(`nameserver ${gw}`));
  assert.match(ok(d.berth(['exec', 'a1', 'cat', '/etc/hosts'])), new RegExp(`${a1ip}\\s+${a1.Config.Hostname} a1`));
  assert.ok(n1.Containers[a1.Id], 'network inspect lists the container');
});

test('published ports serve the host on 127.0.0.1 and every address, other containers by hairpin, and change live', async () => {
  const [p1, p2, p3] = [await freePort(), await freePort(), await freePort()];
  ok(d.berth(['run', '-d', '--name', 'pub', '-p', `127.0.0.1:${p1}:80`, '-p', `${p2}:80`, ...HTTPD]));
  const pub = inspect('pub');
  assert.equal(await eventually(() => httpGet(p1)), `${pub.Config.Hostname}\n`);
  assert.equal(await httpGet(p2), `${pub.Config.Hostname}\n`);
  const port = ok(d.berth(['port', 'pub']))
    .split('\n')
    .sort();
  assert.deepEqual(port, [`80/tcp -> 0.0.0.0:${p2}`, `80/tcp -> 127.0.0.1:${p1}`].sort());
  assert.equal(ok(d.berth(['port', 'pub', '80'])).split('\n').length, 2);

  // Hairpin: a container on the same bridge, and one on a user network, through a host address.
  const gw = pub.NetworkSettings.Gateway;
  const viaBridge = ok(d.berth(['run', '--rm', 'busybox', 'wget', '-qO-', `http://${gw}:${p2}/hostname`]));
  assert.equal(viaBridge, pub.Config.Hostname);
  ok(d.berth(['network', 'create', 'n3']));
  const viaOther = ok(
    d.berth(['run', '--rm', '--network', 'n3', 'busybox', 'wget', '-qO-', `http://${gw}:${p2}/hostname`]),
  );
  assert.equal(viaOther, pub.Config.Hostname);
  ok(d.berth(['network', 'rm', 'n3']));

  // berth extension: publish and unpublish on the running container.
  ok(d.berth(['container', 'update', '--publish-add', `${p3}:80`, '--publish-rm', `${p2}`, 'pub']));
  assert.equal(await httpGet(p3), `${pub.Config.Hostname}\n`);
  await assert.rejects(httpGet(p2));
  assert.equal(mapElements('pub_any').length, 1);
});

test('UDP ports are published', async () => {
  const p = await freePort();
  // busybox's nc has no UDP mode: the host's socat runs in the container's namespace (chroot over /usr).
  const recv = 'ln -s usr/lib /r/lib; ln -s usr/lib64 /r/lib64; exec chroot /r /usr/bin/socat -u UDP-RECV:9999 STDOUT';
  ok(
    d.berth(['run', '-d', '--name', 'udp', '-p', `${p}:9999/udp`, '-v', '/usr:/r/usr:ro', 'busybox', 'sh', '-c', recv]),
  );
  const sock = createSocket('udp4');
  try {
    await eventually(async () => {
      sock.send('hello-udp\n', p, '127.0.0.1');
      await sleep(200);
      assert.match(d.berth(['logs', 'udp']).stdout, /hello-udp/);
    });
  } finally {
    sock.close();
  }
});

test('bad input is refused with a clear error and leaves no rules behind', async () => {
  const before = nftTable();
  const n1 = JSON.parse(ok(d.berth(['network', 'inspect', 'n1'])))[0];
  const subnet: string = n1.IPAM.Config[0].Subnet;
  fails(d.berth(['network', 'create', '--subnet', subnet, 'dup']), /overlaps/);
  fails(d.berth(['network', 'create', '--subnet', '10.199.7.0/24', '--gateway', '10.199.8.1', 'gw']), /not in subnet/);
  fails(d.berth(['network', 'create', 'bad name!']), /invalid network name/);
  fails(d.berth(['network', 'create', 'n1']), /already exists/);
  fails(d.berth(['run', '-d', '--ip', '10.1.2.3', 'busybox', 'true']), /user defined networks only/);
  const rm = await d.api('DELETE', '/networks/n1');
  assert.equal(rm.status, 409);
  assert.match(JSON.stringify(rm.body), /active endpoints/);
  const rmBridge = await d.api('DELETE', '/networks/bridge');
  assert.equal(rmBridge.status, 403);

  // A port another container publishes, and one a host process holds.
  const taken = JSON.parse(ok(d.berth(['inspect', 'pub'])))[0].NetworkSettings.Ports['80/tcp'][0].HostPort;
  fails(d.berth(['run', '-d', '--name', 'clash', '-p', `${taken}:80`, ...HTTPD]), /already allocated/);
  const srv = createServer();
  const held = await new Promise<number>((resolve) =>
    srv.listen(0, '127.0.0.1', () => resolve((srv.address() as { port: number }).port)),
  );
  try {
    fails(d.berth(['run', '-d', '--name', 'held', '-p', `127.0.0.1:${held}:80`, ...HTTPD]), /in use/);
  } finally {
    srv.close();
  }
  assert.equal(nftTable(), before, 'failed requests changed no rule');
  ok(d.berth(['rm', '-f', 'clash', 'held']));
  assert.equal(nftTable(), before);
});

test('50 containers on 5 networks leave nothing behind', async () => {
  const vethsBefore = links('v').length;
  const bridgesBefore = links('b').length;
  const pubBefore = mapElements('pub_any').length;
  const nets = ['d1', 'd2', 'd3', 'd4', 'd5'];
  for (const n of nets) ok(d.berth(['network', 'create', n]));
  const ids: string[] = [];
  for (let i = 0; i < 50; i += 10) {
    const batch = await Promise.all(
      Array.from({ length: 10 }, async (_, j) => {
        const net = nets[(i + j) % nets.length] ?? 'd1';
        const body = {
          Image: 'busybox',
          Cmd: ['sleep', '600'],
          ExposedPorts: { '80/tcp': {} },
          HostConfig: { NetworkMode: net, PortBindings: { '80/tcp': [{ HostPort: '' }] } },
        };
        const c = await d.api('POST', `/containers/create?name=many${i + j}`, body);
        assert.equal(c.status, 201, JSON.stringify(c.body));
        const id = (c.body as { Id: string }).Id;
        const s = await d.api('POST', `/containers/${id}/start`);
        assert.equal(s.status, 204, JSON.stringify(s.body));
        return id;
      }),
    );
    ids.push(...batch);
  }
  assert.equal(links('v').length, vethsBefore + 50);
  assert.equal(links('b').length, bridgesBefore + 5);
  assert.equal(mapElements('pub_any').length, pubBefore + 50);
  for (const id of ids) {
    const r = await d.api('DELETE', `/containers/${id}?force=1`);
    assert.equal(r.status, 204);
  }
  for (const n of nets) ok(d.berth(['network', 'rm', n]));
  assert.equal(links('v').length, vethsBefore);
  assert.equal(links('b').length, bridgesBefore);
  assert.equal(mapElements('pub_any').length, pubBefore);
  assert.equal(elements('bridges').length, 1 + bridgesBefore);
  for (const n of JSON.parse(ok(d.berth(['network', 'inspect', 'bridge'])))) {
    for (const c of Object.keys(n.Containers)) assert.ok(!ids.includes(c), 'no lease of a removed container');
  }
});

test('SIGKILL of berthd under load: no request fails, the rules come back unchanged', async () => {
  const p = await freePort();
  ok(d.berth(['run', '-d', '--name', 'dl', '-p', `127.0.0.1:${p}:80`, ...HTTPD]));
  await eventually(() => httpGet(p));
  const rules = nftTable();
  let stop = false;
  let okCount = 0;
  const failures: string[] = [];
  const loop = (async () => {
    while (!stop) {
      try {
        await httpGet(p, '/passwd');
        okCount++;
      } catch (err) {
        failures.push(String(err));
      }
    }
  })();
  await sleep(300);
  await d.kill9();
  await sleep(500);
  const during = okCount;
  await d.restart();
  await sleep(500);
  stop = true;
  await loop;
  assert.deepEqual(failures, []);
  assert.ok(during > 0 && okCount > during, `requests went through while berthd was down (${during}, ${okCount})`);
  assert.equal(nftTable(), rules);
  assert.equal(await httpGet(p), `${inspect('dl').Config.Hostname}\n`);
});

test('berth extension: bandwidth limits from network options and container labels shape the veth pair', async () => {
  fails(d.berth(['network', 'create', '-o', 'berth.bandwidth.ingress=fast', 'bwbad']), /invalid rate/);
  ok(d.berth(['network', 'create', '-o', 'berth.bandwidth.ingress=1mbit', 'bw']));
  ok(
    d.berth([
      'run',
      '-d',
      '--name',
      'bwc',
      '--network',
      'bw',
      '-l',
      'berth.bandwidth.egress=2mbit',
      'busybox',
      'sleep',
      '600',
    ]),
  );
  const bridge = JSON.parse(ok(d.berth(['network', 'inspect', 'bw'])))[0].Options['com.docker.network.bridge.name'];
  const veths = JSON.parse(execFileSync('ip', ['-j', 'link', 'show', 'master', bridge], { encoding: 'utf8' })) as {
    ifname: string;
  }[];
  assert.equal(veths.length, 1);
  const veth = veths[0]?.ifname ?? '';
  type Qdisc = { kind: string; options?: { rate?: number }; drops?: number };
  const qdiscs = (args: string[]): Qdisc[] =>
    JSON.parse(execFileSync(args[0] ?? '', args.slice(1), { encoding: 'utf8' }));
  const hostSide = qdiscs(['tc', '-s', '-j', 'qdisc', 'show', 'dev', veth]).find((q) => q.kind === 'tbf');
  assert.equal(hostSide?.options?.rate, 125_000, 'into the container: 1mbit');
  const pid = String(JSON.parse(ok(d.berth(['inspect', 'bwc'])))[0].State.Pid);
  const inside = qdiscs(['nsenter', '-t', pid, '-n', 'tc', '-j', 'qdisc', 'show', 'dev', 'eth0']).find(
    (q) => q.kind === 'tbf',
  );
  assert.equal(inside?.options?.rate, 250_000, 'out of the container: 2mbit');
  // A burst far above the rate into the container: the bucket drops what it cannot queue.
  const ip = inspect('bwc').NetworkSettings.Networks.bw?.IPAddress ?? '';
  const sock = createSocket('udp4');
  const payload = Buffer.alloc(1400);
  await new Promise<void>((resolve) => {
    let left = 400;
    const next = () => (left-- > 0 ? sock.send(payload, 9, ip, next) : resolve());
    next();
  });
  sock.close();
  const after = qdiscs(['tc', '-s', '-j', 'qdisc', 'show', 'dev', veth]).find((q) => q.kind === 'tbf');
  assert.ok((after?.drops ?? 0) > 0, `the token bucket dropped packets: ${JSON.stringify(after)}`);
  ok(d.berth(['rm', '-f', 'bwc']));
  ok(d.berth(['network', 'rm', 'bw']));
  assert.equal(links('v').filter((l) => l === veth).length, 0);
});

test('removing every container and user network leaves only the default bridge', async () => {
  const all = (await d.api('GET', '/containers/json?all=1')).body as { Id: string }[];
  for (const c of all) assert.equal((await d.api('DELETE', `/containers/${c.Id}?force=1`)).status, 204);
  for (const n of ['n1', 'n2']) ok(d.berth(['network', 'rm', n]));
  assert.deepEqual(links('v'), []);
  assert.deepEqual(links('b'), []);
  assert.deepEqual(mapElements('pub_any'), []);
  assert.deepEqual(mapElements('pub_ip'), []);
  assert.equal(elements('bridges').length, 1);
  assert.deepEqual(Object.keys(JSON.parse(ok(d.berth(['network', 'inspect', 'bridge'])))[0].Containers), []);
});
