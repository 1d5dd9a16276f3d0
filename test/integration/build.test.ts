/**
 * Dockerfile builds end to end through `berth build` against one berthd with
 * the busybox image: multi-stage, every instruction, .dockerignore, cache
 * mounts, --target, failures, and the cache (reuse, mtime-only changes, one
 * changed file, a berthd restart).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { type AddressInfo, connect, createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { mountsUnder, REPO, sleep, startDaemonWithBusybox, type TestDaemon } from '../helpers/daemon.ts';

let d: TestDaemon;
let work: string;

before(async () => {
  d = await startDaemonWithBusybox();
  work = mkdtempSync('/tmp/berth-build-test-');
});

after(async () => {
  await d?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Writes a context directory from a map of relative path → content. */
function context(name: string, files: Record<string, string>): string {
  const dir = join(work, name);
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), content);
  }
  return dir;
}

function build(args: string[], input?: string) {
  return d.berth(['build', ...args], { timeoutMs: 120_000, ...(input !== undefined ? { input } : {}) });
}

function ok(r: { code: number; stdout: string; stderr: string }): string {
  assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

async function inspect(name: string): Promise<{ Id: string; Config: Record<string, unknown>; Author?: string }> {
  const r = await d.api('GET', `/images/${name}/json`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as { Id: string; Config: Record<string, unknown> };
}

test('a multi-stage build: the final stage copies a binary from the builder stage', async () => {
  const dir = context('multi', {
    Dockerfile: [
      'ARG GREETING=hello',
      'FROM busybox AS builder',
      'ARG GREETING',
      'WORKDIR /src',
      'COPY main.sh .',
      'RUN sed "s/@GREETING@/$GREETING/" main.sh > app && chmod 755 app',
      'FROM busybox AS unused',
      'RUN exit 3',
      'FROM busybox',
      'COPY --from=builder /src/app /usr/local/bin/app',
      'CMD ["app"]',
    ].join('\n'),
    'main.sh': '#!/bin/sh\necho "@GREETING@ from the builder"\n',
  });
  const out = ok(build(['-t', 'multi:1', '--build-arg', 'GREETING=howdy', dir]));
  assert.match(out, /Successfully tagged multi:1/);
  assert.doesNotMatch(out, /exit 3/, 'the unused stage is skipped');
  assert.equal(ok(d.berth(['run', '--rm', 'multi:1'])), 'howdy from the builder\n');
  // Only the final image is listed; the builder's states are not images.
  const images = ok(d.berth(['images', '--format', '{{.Repository}}:{{.Tag}}']))
    .trim()
    .split('\n')
    .sort();
  assert.deepEqual(images, ['busybox:latest', 'multi:1']);
});

test('every instruction sets what Docker sets', async () => {
  const tarDir = join(work, 'tarsrc');
  mkdirSync(join(tarDir, 'pkg'), { recursive: true });
  writeFileSync(join(tarDir, 'pkg', 'inside.txt'), 'from the archive\n');
  const dir = context('every', {
    Dockerfile: [
      '# syntax=docker/dockerfile:1',
      'FROM busybox',
      'MAINTAINER someone <a@b.c>',
      'ARG VERSION=1.2',
      'ENV APP_HOME=/srv/app \\',
      '    MODE="prod mode"',
      'LABEL org.example.version=$VERSION "org.example.desc"="a test"',
      'EXPOSE 8080 53/udp',
      'VOLUME ["/data"]',
      'WORKDIR $APP_HOME',
      'WORKDIR sub',
      'SHELL ["/bin/sh", "-e", "-c"]',
      'RUN echo "v=$VERSION mode=$MODE pwd=$(pwd)" > info.txt',
      'COPY --chown=1000:1000 --chmod=0640 conf.txt /etc/app/',
      'ADD files.tar.gz /opt/',
      'COPY <<EOF /etc/motd',
      'welcome to ${APP_HOME}',
      'EOF',
      'USER 1000',
      'STOPSIGNAL SIGQUIT',
      'HEALTHCHECK --interval=30s --timeout=5s --start-period=1s --start-interval=2s --retries=4 CMD true',
      'ONBUILD RUN echo triggered > /tmp/onbuild.txt',
      'ENTRYPOINT ["/bin/sh", "-c"]',
      'CMD ["cat info.txt"]',
    ].join('\n'),
    'conf.txt': 'key=value\n',
  });
  execFileSync('tar', ['-czf', join(dir, 'files.tar.gz'), '-C', tarDir, 'pkg']);
  ok(build(['-t', 'every:1', '--label', 'extra=yes', dir]));
  const img = await inspect('every:1');
  const c = img.Config;
  assert.ok((c.Env as string[]).includes('APP_HOME=/srv/app'));
  assert.ok((c.Env as string[]).includes('MODE=prod mode'));
  assert.ok(!(c.Env as string[]).some((e) => e.startsWith('VERSION=')), 'ARGs are not persisted');
  assert.deepEqual(c.Labels, { 'org.example.version': '1.2', 'org.example.desc': 'a test', extra: 'yes' });
  assert.deepEqual(Object.keys(c.ExposedPorts as object).sort(), ['53/udp', '8080/tcp']);
  assert.deepEqual(Object.keys(c.Volumes as object), ['/data']);
  assert.equal(c.WorkingDir, '/srv/app/sub');
  assert.equal(c.User, '1000');
  assert.equal(c.StopSignal, 'SIGQUIT');
  assert.deepEqual(c.Healthcheck, {
    Test: ['CMD-SHELL', 'true'],
    Interval: 30e9,
    Timeout: 5e9,
    StartPeriod: 1e9,
    StartInterval: 2e9,
    Retries: 4,
  });
  assert.deepEqual(c.OnBuild, ['RUN echo triggered > /tmp/onbuild.txt']);
  assert.deepEqual(c.Entrypoint, ['/bin/sh', '-c']);
  assert.deepEqual(c.Cmd, ['cat info.txt']);
  assert.equal(img.Author, 'someone <a@b.c>');
  assert.equal(ok(d.berth(['run', '--rm', 'every:1'])), 'v=1.2 mode=prod mode pwd=/srv/app/sub\n');
  const ls = ok(
    d.berth(['run', '--rm', 'every:1', 'stat -c "%u:%g %a" /etc/app/conf.txt; cat /opt/pkg/inside.txt /etc/motd']),
  );
  assert.equal(ls, '1000:1000 640\nfrom the archive\nwelcome to /srv/app\n');
  // ONBUILD triggers run in a build FROM the image, and are not inherited.
  const child = context('onbuild', { Dockerfile: 'FROM every:1\nRUN cat /tmp/onbuild.txt\n' });
  const out = ok(build(['-t', 'child:1', child]));
  assert.match(out, /Executing 1 build trigger/);
  assert.match(out, /triggered/);
  assert.equal((await inspect('child:1')).Config.OnBuild ?? null, null);
});

test('.dockerignore keeps files out of the context; COPY --exclude; --target builds only up to a stage', async () => {
  const dir = context('ignore', {
    Dockerfile:
      'FROM busybox AS first\nCOPY . /ctx\nCOPY --exclude=*.txt --exclude=secret . /ex\n' +
      'RUN ls -A /ctx | sort | tr "\\n" " " > /list && ls -A /ex | sort | tr "\\n" " " > /exlist\n' +
      'FROM first\nRUN exit 9\n',
    '.dockerignore': '*.log\nsecret/\n!secret/keep.txt\n',
    'a.txt': 'a',
    'debug.log': 'x',
    'secret/key.pem': 'k',
    'secret/keep.txt': 'kept',
  });
  ok(build(['-t', 'ignore:1', '--target', 'first', dir]));
  assert.equal(ok(d.berth(['run', '--rm', 'ignore:1', 'cat', '/list'])), '.dockerignore Dockerfile a.txt secret ');
  assert.equal(ok(d.berth(['run', '--rm', 'ignore:1', 'ls', '/ctx/secret'])), 'keep.txt\n');
  assert.equal(ok(d.berth(['run', '--rm', 'ignore:1', 'cat', '/exlist'])), '.dockerignore Dockerfile ');
  const bad = build(['--target', 'nope', dir]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /target stage "nope" could not be found/);
});

test('the cache: an identical build runs nothing; mtimes alone keep it; one changed file rebuilds from its step', async () => {
  const dir = context('cache', {
    Dockerfile: [
      'FROM busybox',
      'RUN --mount=type=cache,target=/cache echo run1 >> /cache/runs && echo one > /one',
      'COPY a.txt /a.txt',
      'RUN --mount=type=cache,target=/cache echo run2 >> /cache/runs && wc -l < /cache/runs > /count',
      'COPY b.txt /b.txt',
      'RUN --mount=type=cache,target=/cache echo run3 >> /cache/runs',
    ].join('\n'),
    'a.txt': 'a\n',
    'b.txt': 'b\n',
  });
  const first = ok(build(['-t', 'cache:1', dir]));
  assert.equal((first.match(/Running in/g) ?? []).length, 3);
  const id1 = (await inspect('cache:1')).Id;

  const second = ok(build(['-t', 'cache:1', dir]));
  assert.equal((second.match(/Running in/g) ?? []).length, 0, second);
  assert.equal((second.match(/Using cache/g) ?? []).length, 5);
  assert.equal((await inspect('cache:1')).Id, id1, 'a fully cached build gives the same image');

  utimesSync(join(dir, 'a.txt'), new Date(2001, 1, 1), new Date(2001, 1, 1));
  const touched = ok(build(['-t', 'cache:1', dir]));
  assert.equal((touched.match(/Running in/g) ?? []).length, 0, 'an mtime alone does not invalidate');

  writeFileSync(join(dir, 'b.txt'), 'changed\n');
  const changed = ok(build(['-t', 'cache:2', dir]));
  const steps = changed.split(/^Step /m).slice(1);
  assert.equal(steps.length, 6);
  assert.deepEqual(
    steps.map((s) => (s.includes('Using cache') ? 'cached' : 'built')),
    ['built', 'cached', 'cached', 'cached', 'built', 'built'],
  );
  // The RUNs that wrote to the cache mount ran 3 + 1 times in all: the mount persisted between builds.
  assert.equal(ok(d.berth(['run', '--rm', 'cache:2', 'cat', '/count'])).trim(), '2');
  const noCache = ok(build(['--no-cache', '-t', 'cache:3', dir]));
  assert.equal((noCache.match(/Running in/g) ?? []).length, 3);
  assert.equal(ok(d.berth(['run', '--rm', 'cache:3', 'cat', '/count'])).trim(), '6');

  // The cache survives a berthd restart.
  await d.stop();
  await d.restart();
  const again = ok(build(['-t', 'cache:3', dir]));
  assert.equal((again.match(/Running in/g) ?? []).length, 0, again);

  // builder prune -a empties it.
  const pruned = ok(d.berth(['builder', 'prune', '-a', '-f']));
  assert.match(pruned, /Total reclaimed space/);
  const cold = ok(build(['-t', 'cache:4', dir]));
  assert.equal((cold.match(/Running in/g) ?? []).length, 3);
});

test('ADD from a URL (with --checksum), RUN --network=none and --mount=type=bind, --iidfile, unused build-args', async () => {
  const payload = 'served over http\n';
  // The server runs in its own process: the test's event loop is blocked while the CLI runs.
  const www = join(work, 'www');
  mkdirSync(www, { recursive: true });
  writeFileSync(join(www, 'file.txt'), payload);
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  const srv = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1'], {
    cwd: www,
    stdio: 'ignore',
  });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((r) => {
      const c = connect(port, '127.0.0.1', () => {
        c.end();
        r(true);
      }).on('error', () => r(false));
    });
    if (up) break;
    await sleep(50);
  }
  try {
    const sum = `sha256:${createHash('sha256').update(payload).digest('hex')}`;
    const dir = context('net', {
      Dockerfile: [
        'FROM busybox',
        `ADD --checksum=${sum} http://127.0.0.1:${port}/file.txt /dl/`,
        'RUN --network=none ls /sys/class/net > /nets',
        'RUN --mount=type=bind,source=data,target=/mnt cat /mnt/input.txt > /from-bind',
        'RUN --mount=type=tmpfs,target=/scratch,size=1m grep " /scratch " /proc/mounts | cut -d" " -f3 > /tmpfs && echo x > /scratch/f',
      ].join('\n'),
      'data/input.txt': 'bound in\n',
    });
    const iid = join(work, 'iid');
    const out = ok(build(['--network', 'host', '--iidfile', iid, '--build-arg', 'NOT_DECLARED=1', '-t', 'net:1', dir]));
    assert.match(out, /\[Warning\] One or more build-args \[NOT_DECLARED\] were not consumed/);
    assert.equal(readFileSync(iid, 'utf8'), (await inspect('net:1')).Id);
    const got = ok(
      d.berth([
        'run',
        '--rm',
        'net:1',
        'sh',
        '-c',
        'stat -c %a /dl/file.txt; cat /dl/file.txt /nets /from-bind /tmpfs; ls /mnt | wc -l; test -e /scratch || echo gone',
      ]),
    );
    // The tmpfs was one; neither it nor the file written in it is left in the image.
    assert.equal(got, `600\n${payload}lo\nbound in\ntmpfs\n0\ngone\n`);
    const bad = build(
      ['-'],
      `FROM busybox\nADD --checksum=sha256:${'0'.repeat(64)} http://127.0.0.1:${port}/file.txt /x\n`,
    );
    assert.match(bad.stderr, /Dockerfile:2: ADD failed: checksum mismatch/);
  } finally {
    srv.kill();
  }
});

test('a failing RUN prints its output and exit code and leaves nothing behind', async () => {
  const dir = context('fail', { Dockerfile: 'FROM busybox\nRUN echo before-failing && exit 7\n' });
  const r = build(['-t', 'fail:1', dir]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /before-failing/);
  assert.match(r.stderr, /The command '\/bin\/sh -c echo before-failing && exit 7' returned a non-zero code: 7/);
  assert.deepEqual(mountsUnder(join(d.dataRoot, 'build')), []);
  assert.deepEqual(ok(d.berth(['ps', '-aq'])), '');
  const db = new DatabaseSync(join(d.dataRoot, 'berth.db'), { readOnly: true });
  try {
    assert.deepEqual(db.prepare("SELECT key FROM snapshots WHERE key LIKE 'build-%'").all(), []);
  } finally {
    db.close();
  }
  assert.deepEqual(readdirSync(join(d.dataRoot, 'build', 'tmp')), []);
});

test('a cancelled build (the client interrupted) stops its running step and cleans up', async () => {
  const dir = context('cancel', { Dockerfile: 'FROM busybox\nRUN echo started && sleep 120\n' });
  const clientTmp = mkdtempSync('/tmp/berth-build-test-client-');
  const child = spawn(join(REPO, 'bin/berth'), ['build', dir], {
    env: { ...process.env, BERTH_HOST: d.host, TMPDIR: clientTmp },
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  const deadline = Date.now() + 60_000;
  // The output line of the step itself (the step's title also holds the word).
  while (!/^started$/m.test(out) && Date.now() < deadline) await sleep(50);
  assert.match(out, /^started$/m);
  assert.equal(mountsUnder(join(d.dataRoot, 'build')).length, 1, 'the step runs on a mounted snapshot');
  child.kill('SIGINT');
  await new Promise((r) => child.on('close', r));
  const until = Date.now() + 20_000;
  while (mountsUnder(join(d.dataRoot, 'build')).length > 0 && Date.now() < until) await sleep(50);
  assert.deepEqual(mountsUnder(join(d.dataRoot, 'build')), []);
  assert.equal(
    execFileSync('crun', [`--root=${join(d.execRoot, 'crun')}`, 'list', '-q'], { encoding: 'utf8' }).trim(),
    '',
  );
  while (readdirSync(join(d.dataRoot, 'build', 'tmp')).length > 0 && Date.now() < until) await sleep(50);
  assert.deepEqual(readdirSync(join(d.dataRoot, 'build', 'tmp')), []);
  // (The launcher keeps its compile cache under TMPDIR too; only the spool must go.)
  assert.deepEqual(
    readdirSync(clientTmp).filter((f) => f.startsWith('berth-build-')),
    [],
    'the interrupted client removes its spooled context',
  );
  rmSync(clientTmp, { recursive: true, force: true });
});

test('bad Dockerfiles: the error names the file, the line and what was expected', async () => {
  // A port nothing listens on: one the kernel just handed out and took back.
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise((r) => srv.close(r));
  const dir = context('bad', { 'build.Dockerfile': 'FROM busybox\n\nRUNN echo\n', Dockerfile: 'FROM busybox\nCOPY\n' });
  const r1 = build(['-f', join(dir, 'build.Dockerfile'), dir]);
  assert.equal(r1.code, 1);
  assert.match(r1.stderr, /build\.Dockerfile:3: unknown instruction: RUNN/);
  const r2 = build([dir]);
  assert.match(r2.stderr, /Dockerfile:2: COPY requires at least two arguments/);
  const r3 = build(['-'], 'FROM busybox\nENV a=${x\n');
  assert.match(r3.stderr, /Dockerfile:2: .*missing '}'/);
  const r5 = build(['-'], `FROM busybox\nADD http://127.0.0.1:${port}/file.tgz /x/\n`);
  assert.match(
    r5.stderr,
    new RegExp(`Dockerfile:2: ADD failed: cannot fetch http://127\\.0\\.0\\.1:${port}/file\\.tgz: ECONNREFUSED`),
  );
  const r4 = build(['-'], 'FROM nosuchimage\n');
  assert.match(r4.stderr, /Dockerfile:1: base image nosuchimage not found/);
});
