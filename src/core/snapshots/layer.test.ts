import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Header, pack as tarPack } from 'tar-stream';
import { sha256Digest } from '../../lib/digest.ts';
import { isCode } from '../../lib/errors.ts';
import { readTar, type TarHeader } from '../../lib/tar.ts';
import { translateLayer } from './layer.ts';

type Entry = [Partial<Header> & { name: string }, string?];

async function makeTar(entries: Entry[]): Promise<Uint8Array> {
  const p = tarPack();
  for (const [h, body] of entries) p.entry({ mtime: new Date(0), ...h }, body ?? '');
  p.finalize();
  const parts: Uint8Array[] = [];
  for await (const c of p as AsyncIterable<Uint8Array>) parts.push(c);
  return Buffer.concat(parts);
}

async function translate(input: Uint8Array): Promise<{ headers: TarHeader[]; diffId: string; size: number }> {
  const layer = translateLayer(
    (async function* () {
      yield input;
    })(),
  );
  const out: Uint8Array[] = [];
  for await (const c of layer.tar) out.push(c);
  const headers: TarHeader[] = [];
  for await (const { header } of readTar(
    (async function* () {
      yield Buffer.concat(out);
    })(),
  )) {
    headers.push(header);
  }
  return { headers, ...layer.summary() };
}

test('translateLayer() turns OCI whiteouts into overlay whiteouts', async () => {
  const input = await makeTar([
    [{ name: 'etc/', type: 'directory', mode: 0o755 }],
    [{ name: 'etc/.wh.motd', uid: 5, gid: 6 }],
    [{ name: 'var/', type: 'directory', mode: 0o711 }],
    [{ name: 'var/.wh..wh..opq' }],
    [{ name: 'var/new' }, 'abc'],
    [{ name: '.wh..wh.plnk/', type: 'directory' }],
    [{ name: '.wh..wh.plnk/123.456' }, 'aufs'],
    [{ name: '.wh.gone' }],
  ]);
  const { headers, diffId, size } = await translate(input);
  assert.equal(diffId, sha256Digest(input));
  assert.equal(size, 3);
  const summary = headers.map((h) => `${h.type}:${h.name}`);
  assert.deepEqual(summary, [
    'directory:etc/',
    'char:etc/motd',
    'directory:var/',
    'file:var/new',
    'char:gone',
    'directory:var/',
  ]);
  const wh = headers[1]!;
  assert.deepEqual([wh.devmajor, wh.devminor, wh.uid, wh.gid], [0, 0, 5, 6]);
  const opq = headers[5]!;
  assert.equal(new TextDecoder().decode(opq.pax.get('SCHILY.xattr.trusted.overlay.opaque')), 'y');
  assert.equal(opq.mode, 0o711);
});

test('translateLayer() drops overlay xattrs that come from the layer itself', async () => {
  const input = await makeTar([
    [
      {
        name: 'd/',
        type: 'directory',
        pax: { 'SCHILY.xattr.trusted.overlay.opaque': 'y', 'SCHILY.xattr.user.k': 'v' },
      },
    ],
  ]);
  const { headers } = await translate(input);
  assert.deepEqual(
    [...headers[0]!.pax.keys()].filter((k) => k.includes('xattr')),
    ['SCHILY.xattr.user.k'],
  );
});

test('translateLayer() keeps absolute names inside the layer', async () => {
  const { headers } = await translate(
    await makeTar([
      [{ name: '/etc/hosts' }, 'x'],
      [{ name: './a/./b' }, 'y'],
    ]),
  );
  assert.deepEqual(
    headers.map((h) => h.name),
    ['etc/hosts', 'a/b'],
  );
});

test('translateLayer() refuses entries that would escape the layer', async () => {
  const cases: [string, Entry[]][] = [
    ['dot-dot name', [[{ name: '../outside' }, 'x']]],
    ['dot-dot inside a name', [[{ name: 'a/../../outside' }, 'x']]],
    ['dot-dot whiteout', [[{ name: '../.wh.x' }]]],
    ['hard link out of the layer', [[{ name: 'shadow', type: 'link', linkname: '../../etc/shadow' }]]],
    ['hard link to nothing in the layer', [[{ name: 'shadow', type: 'link', linkname: '/etc/shadow' }]]],
    [
      'write through a symlink',
      [[{ name: 'evil', type: 'symlink', linkname: '/etc' }], [{ name: 'evil/passwd' }, 'root::0:0::/:/bin/sh']],
    ],
    [
      'write through a relative symlink',
      [[{ name: 'evil', type: 'symlink', linkname: '../../../../tmp' }], [{ name: 'evil/x/y' }, 'x']],
    ],
    [
      'hard link through a symlink',
      [
        [{ name: 'evil', type: 'symlink', linkname: '/etc' }],
        [{ name: 'shadow', type: 'link', linkname: 'evil/shadow' }],
      ],
    ],
    [
      'whiteout through a symlink',
      [[{ name: 'evil', type: 'symlink', linkname: '/etc' }], [{ name: 'evil/.wh.passwd' }]],
    ],
  ];
  for (const [what, entries] of cases) {
    await assert.rejects(translate(await makeTar(entries)), (e: unknown) => isCode(e, 'invalid-argument'), what);
  }
});

test('translateLayer() allows a path once a directory replaces a symlink', async () => {
  const { headers } = await translate(
    await makeTar([
      [{ name: 'x', type: 'symlink', linkname: '/etc' }],
      [{ name: 'x/', type: 'directory' }],
      [{ name: 'x/f' }, 'ok'],
      [{ name: 'x/g', type: 'link', linkname: 'x/f' }],
    ]),
  );
  assert.deepEqual(
    headers.map((h) => `${h.type}:${h.name}`),
    ['symlink:x', 'directory:x/', 'file:x/f', 'link:x/g'],
  );
});

test('translateLayer() refuses a truncated archive', async () => {
  const input = await makeTar([[{ name: 'big' }, 'y'.repeat(5000)]]);
  await assert.rejects(translate(input.subarray(0, 2048)), (e: unknown) => isCode(e, 'invalid-argument'));
});
