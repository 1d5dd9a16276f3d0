/**
 * make bench: berth against floors measured in the same run.
 *
 * 1. `berth run --rm busybox true` against raw `crun run` of an equivalent
 *    bundle (same busybox rootfs, same command), measured alternately; prints
 *    both medians and their ratio (target ≤ 6).
 * 2. Host memory added per idle detached container: the PSS of its conmon plus
 *    berthd's PSS growth, divided by the number of containers.
 * 3. `stats --no-stream` over 50 running containers (berth CLI, and the API
 *    calls alone) against one `cat` of the same cgroup files (target ≤ 60 ms).
 * 4. `ps -a` with 500 containers (created, 20 running): the berth CLI, the
 *    docker CLI and the API call alone, against `berth version` (the CLI's
 *    start-up and one round trip) as the floor (target ≤ 60 ms).
 * 5. Builds (bench/build.ts): a cached rebuild against packing the context,
 *    a cold build against the same steps run by sh on the host.
 * 6. Requests per second through a published port against the container's
 *    own address and the host's loopback (wrk; target ≥ 0.9× direct).
 * BENCH_ONLY=run|stats|ps|build|net runs one section.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemonWithBusybox } from '../test/helpers/daemon.ts';
import { benchBuild } from './build.ts';
import { type SeccompProfile, seccompFor } from '../src/core/containers/seccomp.ts';
import { DEFAULT_CAPS } from '../src/core/containers/spec.ts';
import { release } from 'node:os';

const RUNS = Number(process.env.BENCH_RUNS ?? 21);
const IDLE = Number(process.env.BENCH_IDLE ?? 20);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

function timeIt(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

function pssKb(pid: number): number {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    return Number(/^Pss:\s+(\d+)/m.exec(text)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function pidsOf(pattern: RegExp): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .map(Number)
    .filter((pid) => {
      try {
        return pattern.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
      } catch {
        return false;
      }
    });
}

/** A bundle for raw crun: the busybox rootfs copied out of berth's layer, `true` as the command. */
function rawBundle(dir: string, name: string, seccomp: boolean): string {
  const bundle = join(dir, name);
  mkdirSync(join(bundle, 'rootfs'), { recursive: true });
  execFileSync('sh', [
    '-c',
    `cd ${bundle}/rootfs && cp /usr/bin/busybox bin-busybox && mkdir -p bin && mv bin-busybox bin/busybox && ln -sf busybox bin/true && ln -sf busybox bin/sh`,
  ]);
  execFileSync('crun', ['spec'], { cwd: bundle });
  const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
  spec.process.terminal = false;
  spec.process.args = ['/bin/true'];
  spec.root.readonly = false;
  if (seccomp) {
    const profile = JSON.parse(readFileSync('/usr/share/containers/seccomp.json', 'utf8')) as SeccompProfile;
    spec.linux.seccomp = seccompFor(profile, { caps: DEFAULT_CAPS, arch: 'amd64', kernel: release() });
  }
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
  return bundle;
}

const STATS_N = Number(process.env.BENCH_STATS ?? 50);

/** `stats --no-stream` for STATS_N running containers: the CLI, the API calls alone, and a floor. */
async function benchStats(): Promise<void> {
  const ids: string[] = [];
  for (let i = 0; i < STATS_N; i++) {
    const r = d.berth(['run', '-d', 'busybox', 'sleep', '3600']);
    if (r.code !== 0) throw new Error(r.stderr);
    ids.push(r.stdout.trim());
  }
  const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
  const files = ids.flatMap((id) =>
    v2
      ? ['memory.current', 'memory.max', 'memory.stat', 'cpu.stat', 'pids.current', 'pids.max', 'io.stat'].map(
          (f) => `/sys/fs/cgroup/berth/${id}/${f}`,
        )
      : [
          'memory/memory.usage_in_bytes',
          'memory/memory.limit_in_bytes',
          'memory/memory.stat',
          'cpuacct/cpuacct.usage',
          'cpuacct/cpuacct.usage_percpu',
          'cpu/cpu.stat',
          'pids/pids.current',
          'pids/pids.max',
          'blkio/blkio.throttle.io_service_bytes_recursive',
        ].map((f) => `/sys/fs/cgroup/${f.split('/')[0]}/berth/${id}/${f.split('/')[1]}`),
  );
  const cli: number[] = [];
  const api: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    cli.push(
      timeIt(() => {
        const r = d.berth(['stats', '--no-stream']);
        if (r.code !== 0 || r.stdout.split('\n').length < STATS_N + 1) throw new Error(`stats: ${r.stderr}`);
      }),
    );
    const t = process.hrtime.bigint();
    await Promise.all(ids.map((id) => d.api('GET', `/containers/${id}/stats?stream=0`)));
    api.push(Number(process.hrtime.bigint() - t) / 1e6);
    floor.push(
      timeIt(() => {
        const r = spawnSync('cat', files);
        if (r.status !== 0) throw new Error(String(r.stderr));
      }),
    );
  }
  const c = median(cli);
  const a = median(api);
  const f = median(floor);
  console.log(
    `stats --no-stream, ${STATS_N} running containers   berth CLI median ${c.toFixed(1)} ms (target ≤ 60)   ${STATS_N} API calls alone ${a.toFixed(1)} ms   floor (one cat of the same cgroup files) ${f.toFixed(1)} ms   CLI/floor ${(c / f).toFixed(1)}`,
  );
  for (const id of ids) d.berth(['rm', '-f', id]);
}

const NET_SECONDS = Number(process.env.BENCH_NET_SECONDS ?? 10);

/** Requests per second of `url` with wrk (2 threads, 32 connections, NET_SECONDS). */
function wrkRps(url: string): number {
  const r = spawnSync('wrk', ['-t2', '-c32', `-d${NET_SECONDS}s`, url], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr}`);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1]);
  const errors = /Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)/.exec(r.stdout);
  if (errors) console.log(`  wrk ${url}: ${errors[0]}`);
  return rps;
}

/**
 * 6. A busybox httpd in a container, reached three ways with the same load:
 *    through a port published on 127.0.0.1 (nftables DNAT in the kernel),
 *    at the container's own address (the floor: no NAT), and the same httpd
 *    binary on the host's loopback (no bridge, no veth). Target: published ≥
 *    0.9× direct (Docker's docker-proxy gives 0.5–0.6×).
 */
async function benchNet(): Promise<void> {
  const port = await new Promise<number>((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => resolve(p));
    });
  });
  const r = d.berth([
    'run',
    '-d',
    '--name',
    'bench-httpd',
    '-p',
    `127.0.0.1:${port}:80`,
    'busybox',
    'sh',
    '-c',
    'mkdir -p /www && echo hello > /www/index.html && exec httpd -f -p 80 -h /www',
  ]);
  if (r.code !== 0) throw new Error(r.stderr);
  const ip = JSON.parse(d.berth(['inspect', 'bench-httpd']).stdout)[0].NetworkSettings.IPAddress as string;
  const www = join(d.dir, 'www');
  mkdirSync(www, { recursive: true });
  writeFileSync(join(www, 'index.html'), 'hello\n');
  const hostPort = port + 1;
  const host = spawn('busybox', ['httpd', '-f', '-p', `127.0.0.1:${hostPort}`, '-h', www], { stdio: 'ignore' });
  try {
    await new Promise((res) => setTimeout(res, 500));
    const direct: number[] = [];
    const published: number[] = [];
    const loopback: number[] = [];
    // Alternated, twice, so a drift of the VM's speed hits all three alike.
    for (let i = 0; i < 2; i++) {
      direct.push(wrkRps(`http://${ip}/index.html`));
      published.push(wrkRps(`http://127.0.0.1:${port}/index.html`));
      loopback.push(wrkRps(`http://127.0.0.1:${hostPort}/index.html`));
    }
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const [pub, dir, lo] = [avg(published), avg(direct), avg(loopback)];
    console.log(
      `requests/s, busybox httpd, wrk -t2 -c32 ${NET_SECONDS} s ×2: published port (127.0.0.1, nftables DNAT) ${pub.toFixed(0)}   container address ${dir.toFixed(0)}   host loopback (same httpd on the host) ${lo.toFixed(0)}`,
    );
    console.log(
      `ratio published/direct  ${(pub / dir).toFixed(2)}   (target ≥ 0.9; docker-proxy ≈ 0.5–0.6)   published/host loopback ${(pub / lo).toFixed(2)}`,
    );
  } finally {
    host.kill();
    d.berth(['rm', '-f', 'bench-httpd']);
  }
}

const PS_N = Number(process.env.BENCH_PS ?? 500);
const PS_RUNNING = 20;

/** `ps -a` over PS_N containers, PS_RUNNING of them running. */
async function benchPs(): Promise<void> {
  const ids: string[] = [];
  for (let i = 0; i < PS_N; i += 25) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(25, PS_N - i) }, (_, j) =>
        d.api('POST', `/containers/create?name=ps-bench-${i + j}`, {
          Image: 'busybox',
          Cmd: ['sleep', '3600'],
          Labels: { bench: 'ps', n: String(i + j) },
        }),
      ),
    );
    for (const r of batch) {
      if (r.status !== 201) throw new Error(`create: ${JSON.stringify(r.body)}`);
      ids.push((r.body as { Id: string }).Id);
    }
  }
  for (const id of ids.slice(0, PS_RUNNING)) {
    const r = await d.api('POST', `/containers/${id}/start`);
    if (r.status !== 204) throw new Error(`start: ${JSON.stringify(r.body)}`);
  }
  const cli: number[] = [];
  const docker: number[] = [];
  const api: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    cli.push(
      timeIt(() => {
        const r = d.berth(['ps', '-a']);
        if (r.code !== 0 || r.stdout.split('\n').length < PS_N + 1) throw new Error(`ps: ${r.stderr}`);
      }),
    );
    docker.push(
      timeIt(() => {
        const r = d.docker(['ps', '-a']);
        if (r.code !== 0 || r.stdout.split('\n').length < PS_N + 1) throw new Error(`docker ps: ${r.stderr}`);
      }),
    );
    const t = process.hrtime.bigint();
    const r = await d.api('GET', '/containers/json?all=1');
    api.push(Number(process.hrtime.bigint() - t) / 1e6);
    if ((r.body as unknown[]).length < PS_N) throw new Error('ps API: too few rows');
    floor.push(
      timeIt(() => {
        const v = d.berth(['version']);
        if (v.code !== 0) throw new Error(v.stderr);
      }),
    );
  }
  const c = median(cli);
  const f = median(floor);
  console.log(
    `ps -a, ${PS_N} containers (${PS_RUNNING} running)   berth CLI median ${c.toFixed(1)} ms (target ≤ 60; docker ps -a against dockerd ≈ 135)   docker CLI → berthd ${median(docker).toFixed(1)} ms   the API call alone ${median(api).toFixed(1)} ms   floor (berth version) ${f.toFixed(1)} ms   CLI/floor ${(c / f).toFixed(2)}`,
  );
  for (let i = 0; i < ids.length; i += 25) {
    await Promise.all(ids.slice(i, i + 25).map((id) => d.api('DELETE', `/containers/${id}?force=1`)));
  }
}

const d = await startDaemonWithBusybox();
try {
  const only = process.env.BENCH_ONLY;
  if (only === undefined || only === 'run') await benchRunAndMemory();
  if (only === undefined || only === 'stats') await benchStats();
  if (only === undefined || only === 'ps') await benchPs();
  if (only === undefined || only === 'build') await benchBuild(d);
  if (only === undefined || only === 'net') await benchNet();
} finally {
  await d.cleanup();
  rmSync(join(d.dir), { recursive: true, force: true });
}

/** Sections 1 and 2. */
async function benchRunAndMemory(): Promise<void> {
  d.berth(['run', '--rm', 'busybox', 'true']); // warm caches
  const bundle = rawBundle(d.dir, 'raw-bundle', false);
  const filtered = rawBundle(d.dir, 'raw-bundle-seccomp', true);
  const crunRoot = join(d.dir, 'crun-raw');
  const berthTimes: number[] = [];
  const dockerTimes: number[] = [];
  const crunTimes: number[] = [];
  const filteredTimes: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    berthTimes.push(
      timeIt(() => {
        const r = d.berth(['run', '--rm', 'busybox', 'true']);
        if (r.code !== 0) throw new Error(r.stderr);
      }),
    );
    dockerTimes.push(
      timeIt(() => {
        const r = d.docker(['run', '--rm', 'busybox', 'true']);
        if (r.code !== 0) throw new Error(r.stderr);
      }),
    );
    crunTimes.push(
      timeIt(() => {
        const r = spawnSync('crun', [`--root=${crunRoot}`, 'run', '--bundle', bundle, `bench-${i}`]);
        if (r.status !== 0) throw new Error(String(r.stderr));
      }),
    );
    filteredTimes.push(
      timeIt(() => {
        const r = spawnSync('crun', [`--root=${crunRoot}`, 'run', '--bundle', filtered, `bench-f-${i}`]);
        if (r.status !== 0) throw new Error(String(r.stderr));
      }),
    );
  }
  const b = median(berthTimes);
  const c = median(crunTimes);
  console.log(`run --rm busybox true   berth median ${b.toFixed(1)} ms   raw crun run median ${c.toFixed(1)} ms`);
  console.log(`ratio berth/crun        ${(b / c).toFixed(2)}   (target ≤ 6; Docker 20.10 ≈ 18, Podman 4.3 ≈ 20)`);
  const f = median(filteredTimes);
  console.log(
    `raw crun run with the same default seccomp filter (as Docker and berth apply it) median ${f.toFixed(1)} ms   berth/that ${(b / f).toFixed(2)}`,
  );
  const dk = median(dockerTimes);
  console.log(
    `docker CLI 28.2 → berthd median ${dk.toFixed(1)} ms   ratio ${(dk / c).toFixed(2)}   (the same daemon work with a Go client: the rest of berth's figure is its CLI's start-up)`,
  );

  const berthdPid = pidsOf(/berthd\.ts/).find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(d.socket));
  if (!berthdPid) throw new Error('cannot find the berthd process to measure');
  const before = pssKb(berthdPid);
  const ids: string[] = [];
  for (let i = 0; i < IDLE; i++) {
    const r = d.berth(['run', '-d', 'busybox', 'sleep', '3600']);
    if (r.code !== 0) throw new Error(r.stderr);
    ids.push(r.stdout.trim());
  }
  await new Promise((r) => setTimeout(r, 1000));
  const conmons = pidsOf(new RegExp(`conmon .*${d.execRoot.replace(/[/.]/g, '\\$&')}`));
  const conmonPss = conmons.reduce((s, pid) => s + pssKb(pid), 0);
  const after = pssKb(berthdPid);
  const perContainer = (conmonPss + Math.max(0, after - before)) / IDLE;
  console.log(
    `idle detached containers ${IDLE}: conmon PSS ${(conmonPss / IDLE / 1024).toFixed(2)} MB each, berthd +${((after - before) / 1024).toFixed(1)} MB total`,
  );
  console.log(
    `memory per idle container ${(perContainer / 1024).toFixed(2)} MB   (Docker shim ≈ 2.6 MB, Podman conmon ≈ 0.35 MB)`,
  );
  for (const id of ids) d.berth(['rm', '-f', id]);
}
