/**
 * The real docker CLI (28.x, classic builder: DOCKER_BUILDKIT=0) building
 * through berthd: a context directory with -t, and a Dockerfile on stdin;
 * the streamed steps show and the images run.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startDaemonWithBusybox, type TestDaemon } from '../helpers/daemon.ts';

let d: TestDaemon;
let dir: string;

before(async () => {
  process.env.DOCKER_BUILDKIT = '0';
  d = await startDaemonWithBusybox();
  dir = mkdtempSync('/tmp/berth-docker-build-');
});

after(async () => {
  await d?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('DOCKER_BUILDKIT=0 docker build -t x . streams the steps and the image runs', () => {
  writeFileSync(
    join(dir, 'Dockerfile'),
    'FROM busybox\nCOPY msg.txt /msg.txt\nRUN echo built-by-run\nCMD ["cat", "/msg.txt"]\n',
  );
  writeFileSync(join(dir, 'msg.txt'), 'hello from docker build\n');
  const r = d.docker(['build', '-t', 'dk:1', dir], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Step 1\/4 : FROM busybox/);
  assert.match(r.stdout, /Step 3\/4 : RUN echo built-by-run\n ---> Running in [0-9a-f]{12}\nbuilt-by-run\n/);
  assert.match(r.stdout, /Successfully built [0-9a-f]{12}\nSuccessfully tagged dk:1\n/);
  const run = d.docker(['run', '--rm', 'dk:1']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'hello from docker build\n');
  // -q prints the ID only; a second build is answered from the cache.
  const q = d.docker(['build', '-q', '-t', 'dk:1', dir], { timeoutMs: 120_000 });
  assert.equal(q.code, 0, q.stderr);
  assert.match(q.stdout.trim(), /^sha256:[0-9a-f]{64}$/);
});

test('docker build - < Dockerfile, and a failing step exits non-zero with the message', () => {
  const r = d.docker(['build', '-t', 'dk:stdin', '-'], {
    input: 'FROM busybox\nRUN echo from-stdin > /x\nCMD ["cat", "/x"]\n',
    timeoutMs: 120_000,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(d.docker(['run', '--rm', 'dk:stdin']).stdout, 'from-stdin\n');
  const bad = d.docker(['build', '-'], { input: 'FROM busybox\nRUN exit 5\n', timeoutMs: 120_000 });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr + bad.stdout, /returned a non-zero code: 5/);
});
