/**
 * Load: many concurrent API clients create, start, exec in, stop and remove
 * containers for a while. Only the errors Docker would give are allowed (409
 * on a name race or a state conflict, 404 for something another client
 * removed); latency percentiles are printed; berthd's open file descriptors
 * and memory must be back near where they were afterwards, and nothing may be
 * left behind.
 *
 * Bounded for `make test` (BERTH_LOAD_CLIENTS=8, BERTH_LOAD_MS=12000);
 * `make test-faults` runs the 50 clients for 60 s.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { sleep, startDaemonWithBusybox, type TestDaemon } from '../helpers/daemon.ts';
import { conmonsOf, settle } from './consistency.ts';

const CLIENTS = Number(process.env.BERTH_LOAD_CLIENTS ?? 8);
const DURATION_MS = Number(process.env.BERTH_LOAD_MS ?? 12_000);

let d: TestDaemon;

before(async () => {
  d = await startDaemonWithBusybox();
});
after(async () => {
  await d?.cleanup();
});

/** berthd's pid, found by the socket it serves. */
function berthdPid(): number {
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (argv.some((a) => a.endsWith('berthd.ts')) && argv.includes(`unix://${d.socket}`)) return Number(pid);
    } catch {}
  }
  throw new Error('berthd not found');
}

function usage(pid: number): { fds: number; rssKb: number } {
  const rss = /^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { fds: readdirSync(`/proc/${pid}/fd`).length, rssKb: Number(rss?.[1] ?? 0) };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

test(`${CLIENTS} concurrent clients for ${DURATION_MS / 1000} s: only Docker's errors, no leak`, async () => {
  const pid = berthdPid();
  // Warm-up, so that lazily opened files and caches count in the baseline.
  const warm = await d.api('POST', '/containers/create', { Image: 'busybox', Cmd: ['true'] });
  const warmId = (warm.body as { Id: string }).Id;
  await d.api('POST', `/containers/${warmId}/start`);
  await d.api('POST', `/containers/${warmId}/wait`);
  await d.api('DELETE', `/containers/${warmId}`);
  await sleep(500);
  const baseline = usage(pid);

  const known = new Set<string>([warmId]);
  const latencies: number[] = [];
  const unexpected: string[] = [];
  const counts = new Map<string, number>();
  const deadline = Date.now() + DURATION_MS;

  const call = async (method: string, path: string, body: unknown, allowed: number[]) => {
    const t0 = performance.now();
    const r = await d.api(method, path, body);
    latencies.push(performance.now() - t0);
    const key = `${method} ${path.replace(/[0-9a-f]{64}/, '{id}').replace(/\?.*/, '')} ${r.status}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (!allowed.includes(r.status)) unexpected.push(`${key}: ${JSON.stringify(r.body).slice(0, 200)}`);
    return r;
  };

  const client = async (n: number) => {
    let i = 0;
    while (Date.now() < deadline && unexpected.length < 20) {
      // Names repeat across clients on purpose: the race must be a clean 409, never two containers.
      const name = `load-${(n + i) % (CLIENTS * 2)}`;
      i++;
      const c = await call(
        'POST',
        `/containers/create?name=${name}`,
        { Image: 'busybox', Cmd: ['sleep', '30'], Labels: { load: 'yes' } },
        [201, 409],
      );
      if (c.status !== 201) continue;
      const id = (c.body as { Id: string }).Id;
      known.add(id);
      await call('POST', `/containers/${id}/start`, undefined, [204]);
      const e = await call('POST', `/containers/${id}/exec`, { Cmd: ['true'], AttachStdout: true }, [201]);
      const eid = (e.body as { Id?: string }).Id;
      if (eid) await call('POST', `/exec/${eid}/start`, { Detach: true }, [200, 204]);
      await call('GET', `/containers/${id}/json`, undefined, [200]);
      await call('GET', '/containers/json?all=1', undefined, [200]);
      await call('POST', `/containers/${id}/stop?t=0`, undefined, [204, 304]);
      await call('DELETE', `/containers/${id}?v=1`, undefined, [204]);
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, (_, n) => client(n)));

  const sorted = [...latencies].sort((a, b) => a - b);
  console.log(
    `# load: ${latencies.length} requests by ${CLIENTS} clients; p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${(sorted.at(-1) ?? 0).toFixed(1)} ms`,
  );
  assert.deepEqual(unexpected, [], `unexpected answers under load:\n${unexpected.join('\n')}`);
  assert.ok(latencies.length > CLIENTS * 7, 'every client got through at least one full cycle');

  // Nothing left: no container, no debris, no conmon.
  const left = (await d.api('GET', '/containers/json?all=1')).body as { Id: string }[];
  assert.deepEqual(
    left.map((c) => c.Id),
    [],
  );
  assert.deepEqual(await settle(d, known), []);
  assert.equal(conmonsOf(d).size, 0);

  // Descriptors back to the baseline (a few for idle keep-alive or watcher churn); memory near it.
  let now = usage(pid);
  for (let i = 0; i < 20 && now.fds > baseline.fds + 4; i++) {
    await sleep(250);
    now = usage(pid);
  }
  console.log(
    `# load: berthd fds ${baseline.fds} → ${now.fds}, RSS ${(baseline.rssKb / 1024).toFixed(1)} → ${(now.rssKb / 1024).toFixed(1)} MB`,
  );
  assert.ok(now.fds <= baseline.fds + 4, `file descriptors leaked: ${baseline.fds} before, ${now.fds} after`);
  assert.ok(
    now.rssKb < baseline.rssKb + 64 * 1024,
    `memory grew by ${((now.rssKb - baseline.rssKb) / 1024).toFixed(1)} MB`,
  );
});
