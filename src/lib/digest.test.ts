import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDigester, isDigest, parseDigest, sha256Digest, shortId } from './digest.ts';
import { isCode } from './errors.ts';

const EMPTY = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

test('sha256Digest() hashes bytes and strings alike', () => {
  assert.equal(sha256Digest(''), EMPTY);
  assert.equal(sha256Digest(new TextEncoder().encode('abc')), sha256Digest('abc'));
});

test('createDigester() reports the digest of what it has seen so far', () => {
  const d = createDigester();
  assert.equal(d.digest(), EMPTY);
  d.update(new TextEncoder().encode('ab'));
  d.update(new TextEncoder().encode('c'));
  assert.equal(d.size, 3);
  assert.equal(d.digest(), sha256Digest('abc'));
  assert.equal(d.digest(), sha256Digest('abc'));
});

test('parseDigest() accepts only lowercase sha256 digests', () => {
  assert.equal(parseDigest(EMPTY), EMPTY);
  assert.ok(isDigest(EMPTY));
  for (const bad of ['', 'sha256:', `sha256:${'A'.repeat(64)}`, `sha256:${'a'.repeat(63)}`, '../../etc/passwd']) {
    assert.throws(
      () => parseDigest(bad),
      (e: unknown) => isCode(e, 'invalid-argument') && /invalid digest/.test(e.message),
    );
  }
  assert.throws(() => parseDigest(`sha512:${'a'.repeat(128)}`), /unsupported digest algorithm/);
});

test('shortId() gives the 12 hex digits Docker shows', () => {
  assert.equal(shortId(EMPTY), 'e3b0c44298fc');
  assert.equal(shortId('e3b0c44298fc1c149afb'), 'e3b0c44298fc');
});
