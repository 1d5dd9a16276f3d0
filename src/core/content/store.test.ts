import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sha256Digest } from '../../lib/digest.ts';
import { isCode } from '../../lib/errors.ts';
import { openContentStore } from './store.ts';
import type { ContentStore } from './types.ts';

const enc = new TextEncoder();
let root: string;
let store: ContentStore;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'berth-content-'));
  store = await openContentStore(root);
});
after(() => rm(root, { recursive: true, force: true }));

async function collect(it: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const c of it) parts.push(c);
  return Buffer.concat(parts).toString();
}

test('commit() publishes a verified blob under its digest', async () => {
  const w = await store.writer();
  await w.write(enc.encode('hello '));
  await w.write(enc.encode('world'));
  const digest = sha256Digest('hello world');
  assert.equal(w.digest(), digest);
  const info = await w.commit({ digest, size: 11 });
  assert.deepEqual([info.digest, info.size], [digest, 11]);
  assert.equal(await collect(await store.read(digest)), 'hello world');
  assert.equal(new TextDecoder().decode(await store.get(digest)), 'hello world');
  assert.ok((await store.list()).some((i) => i.digest === digest));
  assert.deepEqual(await readdir(join(root, 'content', 'blobs', 'sha256')), [digest.slice(7)]);
});

test('a blob is invisible until committed', async () => {
  const w = await store.writer();
  await w.write(enc.encode('pending'));
  const digest = sha256Digest('pending');
  assert.equal(await store.has(digest), false);
  await assert.rejects(store.stat(digest), (e: unknown) => isCode(e, 'not-found'));
  await assert.rejects(store.read(digest), (e: unknown) => isCode(e, 'not-found'));
  await w.commit();
  assert.equal(await store.has(digest), true);
});

test('commit() refuses a wrong digest or size and leaves nothing behind', async () => {
  for (const expected of [{ digest: sha256Digest('other') }, { size: 99 }]) {
    const w = await store.writer();
    await w.write(enc.encode('data'));
    await assert.rejects(w.commit(expected), (e: unknown) => isCode(e, 'invalid-argument'));
    assert.equal(await store.has(sha256Digest('data')), false);
  }
  assert.deepEqual(await readdir(join(root, 'content', 'ingest')), []);
});

test('abort() discards the ingest', async () => {
  const w = await store.writer();
  await w.write(enc.encode('aborted'));
  await w.abort();
  assert.equal(await store.has(sha256Digest('aborted')), false);
  assert.deepEqual(await readdir(join(root, 'content', 'ingest')), []);
});

test('ingest() of present content is idempotent, and delete() removes it', async () => {
  const a = await store.ingest(enc.encode('twice'));
  const b = await store.ingest(
    (async function* () {
      yield enc.encode('tw');
      yield enc.encode('ice');
    })(),
  );
  assert.equal(a.digest, b.digest);
  await store.delete(a.digest);
  assert.equal(await store.has(a.digest), false);
  await store.delete(a.digest);
});

test('a malformed digest never reaches the filesystem', async () => {
  await assert.rejects(store.get('sha256:../../../etc/passwd' as `sha256:${string}`), (e: unknown) =>
    isCode(e, 'invalid-argument'),
  );
});
