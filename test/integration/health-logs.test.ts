/**
 * Health checks (flags and the image's HEALTHCHECK, state in inspect and ps,
 * health_status events) and log drivers with rotation, on one daemon.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sleep, startDaemonWithBusybox, type TestDaemon } from '../helpers/daemon.ts';

let d: TestDaemon;

before(async () => {
  d = await startDaemonWithBusybox();
});

after(async () => {
  await d?.cleanup();
});

function ok(args: string[]): string {
  const r = d.berth(args);
  assert.equal(r.code, 0, `berth ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

interface Health {
  Status: string;
  FailingStreak: number;
  Log: { ExitCode: number; Output: string }[];
}

async function health(name: string): Promise<Health | undefined> {
  return ((await d.api('GET', `/containers/${name}/json`)).body as { State: { Health?: Health } }).State.Health;
}

async function until(what: string, pred: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await pred()) return;
    await sleep(50);
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('a health check: starting, unhealthy after its retries, healthy again; in inspect, ps and events', async () => {
  const since = Math.floor(Date.now() / 1000) - 1;
  ok([
    'run',
    '-d',
    '--name',
    'probed',
    '--health-cmd',
    'echo probing; test -e /tmp/ok',
    '--health-interval',
    '200ms',
    '--health-retries',
    '2',
    'busybox',
    'sleep',
    '120',
  ]);
  assert.equal((await health('probed'))?.Status, 'starting');
  assert.match(ok(['ps', '--format', '{{.Status}}']), /\(health: starting\)/);
  await until('unhealthy', async () => (await health('probed'))?.Status === 'unhealthy');
  const h = await health('probed');
  assert.ok((h?.FailingStreak ?? 0) >= 2);
  assert.deepEqual(h?.Log[0], { ...h?.Log[0], ExitCode: 1, Output: 'probing\n' });
  assert.match(
    ok(['ps', '--filter', 'health=unhealthy', '--format', '{{.Names}} {{.Status}}']),
    /^probed Up .* \(unhealthy\)$/m,
  );
  ok(['exec', 'probed', 'touch', '/tmp/ok']);
  await until('healthy', async () => (await health('probed'))?.Status === 'healthy');
  assert.equal(ok(['ps', '--filter', 'health=healthy', '-q']).trim().length, 12);
  const events = ok([
    'events',
    '--since',
    String(since),
    '--until',
    String(Math.ceil(Date.now() / 1000) + 1),
    '--filter',
    'event=health_status',
  ]);
  assert.match(events, /container health_status: unhealthy [0-9a-f]{64}/);
  assert.match(events, /container health_status: healthy [0-9a-f]{64}/);
  ok(['rm', '-f', 'probed']);
});

test('a probe past its timeout fails with -1; the image HEALTHCHECK applies unless --no-healthcheck', async () => {
  ok([
    'run',
    '-d',
    '--name',
    'slow',
    '--health-cmd',
    'sleep 5',
    '--health-timeout',
    '200ms',
    '--health-interval',
    '100ms',
    'busybox',
    'sleep',
    '120',
  ]);
  await until('a timed-out probe', async () => ((await health('slow'))?.Log.length ?? 0) > 0);
  assert.deepEqual((await health('slow'))?.Log[0], {
    ...(await health('slow'))?.Log[0],
    ExitCode: -1,
    Output: 'Health check exceeded timeout (200ms)',
  });
  // An image with a HEALTHCHECK (committed with one through the API).
  const commit = await d.api('POST', '/commit?container=slow&repo=checked&tag=1', {
    Healthcheck: { Test: ['CMD-SHELL', 'echo from image'], Interval: 100_000_000 },
  });
  assert.equal(commit.status, 201, JSON.stringify(commit.body));
  ok(['rm', '-f', 'slow']);
  ok(['run', '-d', '--name', 'inherits', 'checked:1', 'sleep', '120']);
  await until('healthy from the image check', async () => (await health('inherits'))?.Status === 'healthy');
  assert.equal((await health('inherits'))?.Log[0]?.Output, 'from image\n');
  ok(['run', '-d', '--name', 'optout', '--no-healthcheck', 'checked:1', 'sleep', '120']);
  await sleep(300);
  assert.equal(await health('optout'), undefined);
  const bad = d.berth(['run', '--rm', '--no-healthcheck', '--health-cmd', 'true', 'busybox', 'true']);
  assert.equal(bad.code, 125);
  ok(['rm', '-f', 'inherits', 'optout']);
});
