/**
 * Events through berthd: the container lifecycle and image actions publish,
 * `--since/--until` replay a window, filters narrow it, and a live stream
 * delivers as things happen — with berth's CLI and the docker CLI.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { startDaemonWithBusybox, sleep, type TestDaemon } from '../helpers/daemon.ts';

let d: TestDaemon;

before(async () => {
  d = await startDaemonWithBusybox();
});

after(async () => {
  await d?.cleanup();
});

function ok(r: { code: number; stdout: string; stderr: string }): string {
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

const nowSeconds = () => (Date.now() / 1000).toFixed(3);

test('lifecycle and image actions replay with --since/--until, with filters (berth and docker CLIs)', async () => {
  const t0 = nowSeconds();
  await sleep(20);
  assert.equal(d.berth(['run', '--name', 'ev1', '--label', 'team=blue', 'busybox', 'sh', '-c', 'exit 3']).code, 3);
  ok(d.berth(['run', '-d', '--name', 'ev2', 'busybox', 'sh', '-c', "trap 'exit 7' TERM; while :; do sleep 0.1; done"]));
  ok(d.berth(['exec', 'ev2', 'true']));
  ok(d.berth(['kill', '-s', 'TERM', 'ev2']));
  ok(d.berth(['wait', 'ev2']));
  ok(d.berth(['rm', 'ev1', 'ev2']));
  ok(d.berth(['tag', 'busybox', 'evtag:1']));
  ok(d.berth(['rmi', 'evtag:1']));
  await sleep(20);
  const t1 = nowSeconds();

  const fmt = '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}';
  const all = ok(d.berth(['events', '--since', t0, '--until', t1, '--format', fmt]))
    .trim()
    .split('\n');
  for (const line of [
    'container create ev1',
    'container start ev1',
    'container die ev1',
    'container exec_create: true ev2',
    'container exec_start: true ev2',
    'container exec_die ev2',
    'container kill ev2',
    'container destroy ev2',
    'image tag evtag:1',
    'image untag evtag:1',
  ]) {
    assert.ok(all.includes(line), `${line} missing from:\n${all.join('\n')}`);
  }
  assert.ok(all.indexOf('container create ev1') < all.indexOf('container die ev1'));

  const die = ok(
    d.berth(['events', '--since', t0, '--until', t1, '--filter', 'event=die', '--filter', 'container=ev1']),
  );
  assert.equal(die.trim().split('\n').length, 1, die);
  assert.match(die, / container die [0-9a-f]{64} \(exitCode=3, image=busybox, name=ev1, team=blue\)\n$/);
  const kill = ok(
    d.berth(['events', '--since', t0, '--until', t1, '--filter', 'event=kill', '--format', '{{json .}}']),
  );
  assert.equal(JSON.parse(kill).Actor.Attributes.signal, '15');
  const labelled = ok(
    d.berth(['events', '--since', t0, '--until', t1, '--filter', 'label=team=blue', '--format', fmt]),
  );
  assert.ok(
    labelled.split('\n').every((l) => l === '' || l.endsWith(' ev1')),
    labelled,
  );

  // The docker CLI reads the same stream.
  const images = ok(d.docker(['events', '--since', t0, '--until', t1, '--filter', 'type=image', '--format', fmt]));
  assert.deepEqual(images.trim().split('\n'), ['image tag evtag:1', 'image untag evtag:1']);
  const dockerDefault = ok(d.docker(['events', '--since', t0, '--until', t1, '--filter', 'container=ev2']));
  assert.match(dockerDefault, /container destroy [0-9a-f]{64} \(image=busybox, name=ev2\)/);
  const bad = d.docker(['events', '--since', t0, '--until', t1, '--filter', 'colour=red']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /invalid filter 'colour'/);
});

test('a live stream delivers events as they happen', async () => {
  const child = spawn(
    process.execPath,
    // --since covers a subscription that is slower to start than the run below (a loaded machine):
    // the event is then replayed, still through the open stream.
    [
      'bin/berth.ts',
      'events',
      '--since',
      String(Math.floor(Date.now() / 1000)),
      '--filter',
      'event=start',
      '--filter',
      'container=live1',
      '--format',
      '{{.Actor.Attributes.name}}',
    ],
    { env: { ...process.env, BERTH_HOST: d.host }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  try {
    // Subscribed once berthd counts a listener (the CLI may take a while to start on a busy machine).
    for (let i = 0; i < 300; i++) {
      const info = (await d.api('GET', '/v1.47/info')).body as { NEventsListener: number };
      if (info.NEventsListener > 0) break;
      await sleep(50);
    }
    ok(d.berth(['run', '-d', '--name', 'live1', 'busybox', 'true']));
    const deadline = Date.now() + 5000;
    while (!out.includes('live1\n') && Date.now() < deadline) await sleep(20);
    assert.equal(out, 'live1\n');
  } finally {
    child.kill('SIGTERM');
  }
  ok(d.berth(['rm', '-f', 'live1']));
});
