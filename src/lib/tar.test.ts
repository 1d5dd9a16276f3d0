import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeHeader, endOfArchive, padding, readTar } from './tar.ts';

const enc = new TextEncoder();

async function* chunks(parts: Uint8Array[], size = 7): AsyncGenerator<Uint8Array> {
  const all = Buffer.concat(parts);
  for (let i = 0; i < all.byteLength; i += size) yield all.subarray(i, i + size);
}

test('encodeHeader() and readTar() round-trip long names, binary pax values and big ids', async () => {
  const longName = `${'d'.repeat(120)}/${'f'.repeat(120)}`;
  const cap = new Uint8Array([0x01, 0x00, 0x00, 0x02, 0xff, 0x80, 0x00, 0x00]);
  const body = enc.encode('contents');
  const archive = [
    encodeHeader({ name: 'dir', type: 'directory', mode: 0o755 }),
    encodeHeader({
      name: longName,
      type: 'file',
      size: body.byteLength,
      uid: 3_000_000,
      mtime: 1_700_000_000,
      pax: new Map([['SCHILY.xattr.security.capability', cap]]),
    }),
    body,
    padding(body.byteLength),
    encodeHeader({ name: 'ünïcode-link', type: 'symlink', linkname: 'x'.repeat(150) }),
    endOfArchive(),
  ];
  const seen: string[] = [];
  for await (const { header, body: b } of readTar(chunks(archive))) {
    seen.push(`${header.type}:${header.name}`);
    if (header.type === 'file') {
      assert.equal(header.uid, 3_000_000);
      assert.equal(header.mtime, 1_700_000_000);
      assert.deepEqual(header.pax.get('SCHILY.xattr.security.capability'), cap);
      const parts: Uint8Array[] = [];
      for await (const c of b) parts.push(c);
      assert.equal(Buffer.concat(parts).toString(), 'contents');
    }
    if (header.type === 'symlink') assert.equal(header.linkname, 'x'.repeat(150));
  }
  assert.deepEqual(seen, ['directory:dir/', `file:${longName}`, 'symlink:ünïcode-link']);
});

test('readTar() skips bodies the caller does not read and rejects a corrupt header', async () => {
  const body = enc.encode('x'.repeat(1000));
  const good = [encodeHeader({ name: 'a', type: 'file', size: 1000 }), body, padding(1000)];
  const names: string[] = [];
  for await (const { header } of readTar(
    chunks([...good, encodeHeader({ name: 'b', type: 'file' }), endOfArchive()]),
  )) {
    names.push(header.name);
  }
  assert.deepEqual(names, ['a', 'b']);
  const bad = encodeHeader({ name: 'c', type: 'file' });
  bad[0] = 'C'.charCodeAt(0);
  await assert.rejects(async () => {
    for await (const _ of readTar(chunks([bad, endOfArchive()]))) {
      // drain
    }
  }, /checksum/);
});
