import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCode } from '../lib/errors.ts';
import { familiarName, formatReference, parseDockerRef, parseReference } from './reference.ts';

test('parseDockerRef() normalises references as Docker does', () => {
  const table: [string, string][] = [
    ['busybox', 'docker.io/library/busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36'],
    ['library/busybox', 'docker.io/library/busybox:latest'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest'],
    ['index.docker.io/library/busybox:x', 'docker.io/library/busybox:x'],
    ['foo/bar', 'docker.io/foo/bar:latest'],
    ['foo/bar/baz:v1', 'docker.io/foo/bar/baz:v1'],
    ['localhost/a', 'localhost/a:latest'],
    ['localhost:5000/a/b:t', 'localhost:5000/a/b:t'],
    ['quay.io/x/y', 'quay.io/x/y:latest'],
    ['Quay.IO/x/y:1', 'Quay.IO/x/y:1'],
    ['[::1]:5000/a:b', '[::1]:5000/a:b'],
    ['a_b.c__d-e---f:T_1.x-y', 'docker.io/library/a_b.c__d-e---f:T_1.x-y'],
    [`busybox@sha256:${'a'.repeat(64)}`, `docker.io/library/busybox@sha256:${'a'.repeat(64)}`],
    [`busybox:1@sha256:${'b'.repeat(64)}`, `docker.io/library/busybox@sha256:${'b'.repeat(64)}`],
  ];
  for (const [input, want] of table) assert.equal(formatReference(parseDockerRef(input)), want, input);
});

test("parseReference() refuses malformed references with Docker's messages", () => {
  const table: [string, RegExp][] = [
    ['Busybox', /^invalid reference format: repository name \(library\/Busybox\) must be lowercase$/],
    ['foo/Bar:1', /^invalid reference format: repository name \(foo\/Bar\) must be lowercase$/],
    ['', /^invalid reference format/],
    ['busybox:', /^invalid reference format$/],
    ['-busybox', /^invalid reference format$/],
    ['busybox:a/b', /^invalid reference format$/],
    ['a//b', /^invalid reference format$/],
    [`busybox:${'t'.repeat(129)}`, /^invalid reference format$/],
    ['a'.repeat(64), /cannot specify 64-byte hexadecimal strings/],
    [`busybox@sha256:${'a'.repeat(10)}`, /^invalid reference format$/],
    [`x/${'a'.repeat(250)}`, /must not be more than 255 characters/],
  ];
  for (const [input, want] of table) {
    assert.throws(
      () => parseReference(input),
      (err: unknown) => isCode(err, 'invalid-argument') && want.test(err.message),
      input,
    );
  }
});

test('familiarName() shows names the way the docker CLI does', () => {
  assert.equal(familiarName('docker.io/library/busybox:latest'), 'busybox:latest');
  assert.equal(familiarName('docker.io/foo/bar:1'), 'foo/bar:1');
  assert.equal(familiarName('docker.io/library/a/b:1'), 'library/a/b:1');
  assert.equal(familiarName('localhost:5000/a/b:t'), 'localhost:5000/a/b:t');
  assert.equal(familiarName(parseReference('busybox')), 'busybox');
});
