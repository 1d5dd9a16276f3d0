/**
 * A container's files from outside, through berthd and the docker CLI: `cp`
 * both ways and the archive endpoints stay inside the container root
 * (symlinks to `/`, `../..` and absolute host paths; malicious tar bodies),
 * on running and stopped containers; `diff`, `rename`, `export`,
 * `container prune` and `system df`.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { encodeHeader, endOfArchive, padding, type TarHeaderInput } from '../../src/lib/tar.ts';
import { mountsUnder, startDaemonWithBusybox, type TestDaemon } from '../helpers/daemon.ts';

let d: TestDaemon;
/** A host directory the container's symlinks point at; nothing may appear in it. */
let sentinel: string;
const tag = `${process.pid}-${Date.now()}`;

before(async () => {
  d = await startDaemonWithBusybox();
  sentinel = mkdtempSync('/tmp/berth-cp-sentinel-');
  writeFileSync(join(sentinel, 'secret'), 'host secret\n');
  ok(
    d.berth([
      'run',
      '-d',
      '--name',
      'box',
      'busybox',
      'sh',
      '-c',
      `ln -s / /abs && ln -s ../.. /up && mkdir -p /tmp/deep && ln -s ../../../../../.. /tmp/deep/up && ln -s ${sentinel} /hostdir && ln -s ${sentinel}/secret /hostfile && ln -s /etc /hostetc && touch /ready && sleep 600`,
    ]),
  );
  ok(d.berth(['exec', 'box', 'sh', '-c', 'while [ ! -e /ready ]; do sleep 0.05; done']));
});

after(async () => {
  await d?.cleanup();
  rmSync(sentinel, { recursive: true, force: true });
});

function ok(r: { code: number; stdout: string; stderr: string }): string {
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

function sentinelUntouched(): void {
  assert.deepEqual(execFileSync('ls', ['-A', sentinel], { encoding: 'utf8' }), 'secret\n');
  assert.equal(readFileSync(join(sentinel, 'secret'), 'utf8'), 'host secret\n');
}

function tarOf(entries: (TarHeaderInput & { body?: string })[]): Buffer {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.body ?? '');
    parts.push(encodeHeader({ ...e, size: e.type === 'file' ? body.byteLength : 0 }));
    if (e.type === 'file') parts.push(body, padding(body.byteLength));
  }
  parts.push(endOfArchive());
  return Buffer.concat(parts);
}

function put(container: string, path: string, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath: d.socket,
        method: 'PUT',
        path: `/v1.47/containers/${container}/archive?path=${encodeURIComponent(path)}&noOverwriteDirNonDir=1`,
        headers: { 'content-type': 'application/x-tar', 'content-length': body.byteLength },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

test('docker cp out of a container: symlinks resolve inside it, never to the host', () => {
  const out = mkdtempSync('/tmp/berth-cp-out-');
  try {
    // Through a link to the container's /etc: the container's passwd, not the host's.
    ok(d.docker(['cp', 'box:/hostetc/passwd', join(out, 'passwd')]));
    assert.match(readFileSync(join(out, 'passwd'), 'utf8'), /^root:x:0:0:root:\/root:\/bin\/sh\n/);
    for (const via of ['/abs', '/up', '/tmp/deep/up']) {
      ok(d.docker(['cp', `box:${via}/etc/group`, join(out, 'group')]));
      assert.equal(readFileSync(join(out, 'group'), 'utf8'), 'root:x:0:\nnobody:x:65534:\n', via);
    }
    // A link to a host path is copied as a link; following it looks inside the container, where it does not exist.
    ok(d.docker(['cp', 'box:/hostfile', join(out, 'link')]));
    assert.equal(execFileSync('readlink', [join(out, 'link')], { encoding: 'utf8' }).trim(), `${sentinel}/secret`);
    const followed = d.docker(['cp', '-L', 'box:/hostfile', join(out, 'followed')]);
    assert.notEqual(followed.code, 0);
    assert.equal(existsSync(join(out, 'followed')), false);
    assert.notEqual(d.docker(['cp', `box:/hostdir/secret`, join(out, 'secret')]).code, 0);
    assert.equal(existsSync(join(out, 'secret')), false);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('docker cp into a container: symlinked destinations land inside the container root', () => {
  const src = mkdtempSync('/tmp/berth-cp-src-');
  try {
    writeFileSync(join(src, `f-${tag}`), 'payload\n');
    ok(d.docker(['cp', join(src, `f-${tag}`), 'box:/abs/']));
    ok(d.docker(['cp', join(src, `f-${tag}`), 'box:/up/tmp/']));
    ok(d.docker(['cp', join(src, `f-${tag}`), 'box:/tmp/deep/up/etc/']));
    ok(d.docker(['cp', join(src, `f-${tag}`), 'box:/hostetc/']));
    assert.equal(existsSync(`/f-${tag}`), false);
    assert.equal(existsSync(`/tmp/f-${tag}`), false);
    assert.equal(existsSync(`/etc/f-${tag}`), false);
    const seen = ok(d.berth(['exec', 'box', 'sh', '-c', `cat /f-${tag} /tmp/f-${tag} /etc/f-${tag}`]));
    assert.equal(seen, 'payload\npayload\npayload\n');
    // Into the link to a host directory: it is a path inside the container, which does not exist there.
    assert.notEqual(d.docker(['cp', join(src, `f-${tag}`), 'box:/hostdir/']).code, 0);
    sentinelUntouched();
  } finally {
    rmSync(src, { recursive: true, force: true });
  }
});

test('malicious archives are refused or confined, the host untouched', async () => {
  const refused = [
    tarOf([{ name: `../../../../tmp/esc-${tag}`, type: 'file', body: 'x' }]),
    tarOf([
      { name: 'evil', type: 'symlink', linkname: sentinel },
      { name: 'evil/pwned', type: 'file', body: 'x' },
    ]),
    tarOf([
      { name: 'rel', type: 'symlink', linkname: '../../../../../..' },
      { name: `rel/tmp/esc-${tag}`, type: 'file', body: 'x' },
    ]),
    tarOf([{ name: `abs/tmp/esc-${tag}`, type: 'file', body: 'x' }]), // through the container's own link to /
    tarOf([{ name: 'hostdir/pwned', type: 'file', body: 'x' }]),
    tarOf([{ name: `hl-${tag}`, type: 'link', linkname: '../../etc/shadow' }]),
    tarOf([{ name: 'abs', type: 'directory' }]), // a directory over a symlink
  ];
  for (const [i, body] of refused.entries()) {
    const r = await put('box', '/', body);
    assert.equal(r.status, 400, `archive ${i}: ${r.text}`);
  }
  assert.equal(existsSync(`/tmp/esc-${tag}`), false);
  sentinelUntouched();
  // Absolute names are made relative to the destination.
  const r = await put('box', '/tmp', tarOf([{ name: `/abs-${tag}`, type: 'file', body: 'inside\n' }]));
  assert.equal(r.status, 200, r.text);
  assert.equal(existsSync(`/abs-${tag}`), false);
  assert.equal(ok(d.berth(['exec', 'box', 'cat', `/tmp/abs-${tag}`])), 'inside\n');
  // A symlink out of the root may be created as a leaf; it is then only a link.
  const leaf = await put('box', '/tmp', tarOf([{ name: 'leaf', type: 'symlink', linkname: sentinel }]));
  assert.equal(leaf.status, 200, leaf.text);
  assert.equal((await put('box', '/tmp', tarOf([{ name: 'leaf/x', type: 'file', body: 'x' }]))).status, 400);
  sentinelUntouched();
});

test('cp, stat and export on a stopped container; nothing stays mounted', async () => {
  ok(d.berth(['create', '--name', 'cold', 'busybox', 'true']));
  const src = mkdtempSync('/tmp/berth-cp-src-');
  try {
    writeFileSync(join(src, 'note'), 'cold copy\n');
    ok(d.docker(['cp', join(src, 'note'), 'cold:/etc/note']));
    ok(d.docker(['cp', 'cold:/etc/note', join(src, 'back')]));
    assert.equal(readFileSync(join(src, 'back'), 'utf8'), 'cold copy\n');
    const head = await d.api('HEAD', '/v1.47/containers/cold/archive?path=/etc/note');
    assert.equal(head.status, 200);
    assert.equal((await d.api('HEAD', '/v1.47/containers/cold/archive?path=/nope')).status, 404);
    const exported = execFileSync('sh', ['-c', `docker export cold | tar -t | grep -x -e etc/note -e bin/busybox`], {
      encoding: 'utf8',
      env: { ...process.env, DOCKER_HOST: d.host },
    });
    assert.equal(exported, 'bin/busybox\netc/note\n');
  } finally {
    rmSync(src, { recursive: true, force: true });
  }
  const id = ok(d.berth(['inspect', '--format', '{{.Id}}', 'cold'])).trim();
  assert.deepEqual(mountsUnder(join(d.dataRoot, 'containers', id)), []);
  ok(d.berth(['rm', 'cold']));
});

test('diff shows A/C/D; rename; container prune with filters; system df', () => {
  ok(
    d.berth([
      'run',
      '--name',
      'changer',
      'busybox',
      'sh',
      '-c',
      'echo x > /tmp/new && rm /etc/group && echo y >> /etc/passwd',
    ]),
  );
  const diff = ok(d.docker(['diff', 'changer']))
    .trim()
    .split('\n');
  for (const line of ['C /tmp', 'A /tmp/new', 'C /etc', 'D /etc/group', 'C /etc/passwd']) {
    assert.ok(diff.includes(line), `${line} not in ${diff.join(', ')}`);
  }
  ok(d.docker(['rename', 'changer', 'changed']));
  assert.equal(d.berth(['inspect', 'changer']).code === 0, false);
  assert.match(ok(d.berth(['inspect', '--format', '{{.Name}}', 'changed'])), /^\/changed\n$/);
  const taken = d.docker(['rename', 'changed', 'box']);
  assert.notEqual(taken.code, 0);
  assert.match(taken.stderr, /is already in use/);

  ok(d.berth(['create', '--name', 'keepme', '--label', 'keep=1', 'busybox', 'true']));
  ok(d.berth(['create', '--name', 'dropme', 'busybox', 'true']));
  const pruned = ok(d.docker(['container', 'prune', '--force', '--filter', 'label!=keep=1']));
  assert.match(pruned, /Deleted Containers:/);
  const names = ok(d.berth(['ps', '-a', '--format', '{{.Names}}']))
    .trim()
    .split('\n')
    .sort();
  assert.deepEqual(names, ['box', 'keepme']);
  const df = ok(d.docker(['system', 'df']));
  assert.match(df, /^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE\n/);
  assert.match(df, /\nImages\s+1\s+1\s/);
  assert.match(df, /\nContainers\s+2\s+1\s/);
  assert.match(ok(d.berth(['system', 'df'])), /\nContainers\s+2\s+1\s/);
  ok(d.berth(['rm', 'keepme']));
});

test('berth cp both ways (a directory, a renamed file, a tar on stdout), berth diff, berth export', () => {
  const work = mkdtempSync('/tmp/berth-cp-work-');
  try {
    execFileSync('mkdir', ['-p', join(work, 'tree/sub')]);
    writeFileSync(join(work, 'tree/sub/a'), 'A\n');
    ok(d.berth(['cp', join(work, 'tree'), 'box:/tmp/']));
    ok(d.berth(['cp', join(work, 'tree/sub/a'), 'box:/tmp/renamed']));
    assert.equal(ok(d.berth(['exec', 'box', 'cat', '/tmp/tree/sub/a', '/tmp/renamed'])), 'A\nA\n');
    ok(d.berth(['cp', 'box:/tmp/tree', join(work, 'back')]));
    assert.equal(readFileSync(join(work, 'back/sub/a'), 'utf8'), 'A\n');
    const listing = execFileSync('sh', ['-c', `${process.execPath} bin/berth.ts cp box:/tmp/tree - | tar -t | sort`], {
      encoding: 'utf8',
      env: { ...process.env, BERTH_HOST: d.host },
    });
    assert.equal(listing, 'tree/\ntree/sub/\ntree/sub/a\n');
    assert.match(ok(d.berth(['diff', 'box'])), /^A \/tmp\/renamed$/m);
    const exported = execFileSync(
      'sh',
      ['-c', `${process.execPath} bin/berth.ts export box | tar -t | grep -c ^tmp/tree/sub/a$`],
      {
        encoding: 'utf8',
        env: { ...process.env, BERTH_HOST: d.host },
      },
    );
    assert.equal(exported, '1\n');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
