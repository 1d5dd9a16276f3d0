/**
 * A throwaway berthd for integration and end-to-end tests: its own data root,
 * exec root and socket under a temp directory, started from bin/berthd, and
 * cleaned up afterwards (containers removed, mounts undone, files deleted).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '../..');
const BERTHD = join(REPO, 'bin/berthd');
const BERTH = join(REPO, 'bin/berth');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TestDaemon {
  dir: string;
  socket: string;
  host: string;
  dataRoot: string;
  execRoot: string;
  /** This daemon's host-global network names: the nft table and link prefix, the default bridge and its subnet. */
  net: TestNet;
  /** Runs the berth CLI against this daemon. */
  berth(args: string[], opts?: { input?: string; timeoutMs?: number }): RunResult;
  /** Runs the real docker CLI against this daemon. */
  docker(args: string[], opts?: { input?: string; timeoutMs?: number }): RunResult;
  /** GET/POST the API; resolves status and parsed body. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  /** SIGKILL berthd (containers keep running). */
  kill9(): Promise<void>;
  /** Waits until berthd has exited by itself (e.g. killed at a failpoint); its exit signal. */
  exited(): Promise<NodeJS.Signals | null>;
  /** SIGTERM berthd and wait for it to exit 0. */
  stop(): Promise<void>;
  /** Starts berthd again on the same roots (with `env` added to its environment, e.g. BERTH_FAILPOINTS). */
  restart(opts?: DaemonOptions): Promise<void>;
  /** Removes every container, stops berthd, undoes mounts, deletes the temp dir. */
  cleanup(): Promise<void>;
  log(): string;
}

/** Host-global network names of one test daemon. */
export interface TestNet {
  /** nft table name and prefix of the daemon's veths and user bridges. */
  prefix: string;
  bridge: string;
  /** The default bridge's gateway/prefix. */
  bip: string;
  /** Pool for user networks (a /20 carved into /24s). */
  pool: string;
}

function routeCidrs(): [number, number][] {
  const r = spawnSync('ip', ['-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' });
  return (r.stdout ?? '')
    .split('\n')
    .map((l) => /^(?:\w+ )?(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => {
      const base = (m[1] ?? '').split('.').reduce((a, b) => a * 256 + Number(b), 0);
      const bits = Number(m[2] ?? 32);
      return [base, base + 2 ** (32 - bits) - 1];
    });
}

function freeRange(make: () => [string, number, number]): string {
  const taken = routeCidrs();
  for (let i = 0; i < 100; i++) {
    const [text, lo, hi] = make();
    if (!taken.some(([a, b]) => a <= hi && lo <= b)) return text;
  }
  throw new Error('no free test subnet');
}

/**
 * Unique names for a test daemon: tests run in parallel with other helpers'
 * daemons on the same host, so the table, links and subnets must never meet.
 * Subnets are random in 10.200.0.0/16 (default bridges, /24) and
 * 10.208.0.0/12 (user networks, /20 each), skipping any the host routes.
 */
export function testNet(): TestNet {
  const prefix = `t${randomBytes(3).toString('hex')}`;
  const ip = (a: number, b: number, c: number, d: number) => ((a * 256 + b) * 256 + c) * 256 + d;
  const bip = freeRange(() => {
    const x = randomInt(256);
    return [`10.200.${x}.1/24`, ip(10, 200, x, 0), ip(10, 200, x, 255)];
  });
  const pool = freeRange(() => {
    const r = randomInt(256);
    const b = 208 + Math.floor(r / 16);
    const c = (r % 16) * 16;
    return [`10.${b}.${c}.0/20`, ip(10, b, c, 0), ip(10, b, c + 15, 255)];
  });
  return { prefix, bridge: `${prefix}br0`, bip, pool };
}

/** A /24 in 10.199.0.0/16 that no host route covers now, for tests that pick a subnet themselves. */
export function freeSubnet(): { subnet: string; base: string } {
  const ip = (c: number) => ((10 * 256 + 199) * 256 + c) * 256;
  let third = 0;
  const subnet = freeRange(() => {
    third = randomInt(256);
    return [`10.199.${third}.0/24`, ip(third), ip(third) + 255];
  });
  return { subnet, base: `10.199.${third}` };
}

/** Removes a test daemon's links and nft table (berthd leaves them for its containers). */
export function removeTestNet(net: TestNet): void {
  for (const link of readdirSync('/sys/class/net')) {
    if (link.startsWith(net.prefix)) spawnSync('ip', ['link', 'del', link]);
  }
  spawnSync('nft', ['delete', 'table', 'ip', net.prefix]);
}

function runSync(file: string, args: string[], env: NodeJS.ProcessEnv, input?: string, timeoutMs = 60_000): RunResult {
  const r = spawnSync(file, args, { env, input, encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Options of {@link startDaemon}. */
export interface DaemonOptions {
  /** Added to berthd's environment. */
  env?: Record<string, string>;
  /** A data root of the test's own (e.g. on a loop-mounted filesystem); default one in the temp dir. */
  dataRoot?: string;
}

export async function startDaemon(opts: DaemonOptions = {}): Promise<TestDaemon> {
  const dir = mkdtempSync('/tmp/berth-test-');
  const socket = join(dir, 'berth.sock');
  const dataRoot = opts.dataRoot ?? join(dir, 'data');
  const execRoot = join(dir, 'run');
  const logFile = join(dir, 'berthd.log');
  const net = testNet();
  let child: ChildProcess | undefined;

  const launch = async (o: DaemonOptions = {}) => {
    const { openSync } = await import('node:fs');
    const out = openSync(logFile, 'a');
    child = spawn(
      BERTHD,
      [
        '-H',
        `unix://${socket}`,
        '--data-root',
        dataRoot,
        '--exec-root',
        execRoot,
        '--config-file',
        join(dir, 'none.json'),
        '--net-prefix',
        net.prefix,
        '--bridge',
        net.bridge,
        '--bip',
        net.bip,
        '--default-address-pool',
        `base=${net.pool},size=24`,
      ],
      { stdio: ['ignore', out, out], detached: true, env: { ...process.env, ...o.env } },
    );
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`berthd exited: ${readFileSync(logFile, 'utf8')}`);
      try {
        const r = await api('GET', '/_ping');
        if (r.status === 200) return;
      } catch {}
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`berthd did not answer: ${readFileSync(logFile, 'utf8')}`);
  };

  const api = (method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> =>
    new Promise((resolvePromise, reject) => {
      const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const req = request(
        {
          socketPath: socket,
          // A fresh connection each call: a kept-alive one the server has since closed would fail with EPIPE.
          agent: false,
          method,
          path,
          headers:
            data === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {}
            resolvePromise({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.on('error', reject);
      req.end(data);
    });

  const env: NodeJS.ProcessEnv = { ...process.env, BERTH_HOST: `unix://${socket}`, DOCKER_HOST: `unix://${socket}` };
  delete env.DOCKER_CONTEXT;
  const d: TestDaemon = {
    dir,
    socket,
    host: `unix://${socket}`,
    dataRoot,
    execRoot,
    net,
    berth: (args, o = {}) => runSync(BERTH, args, env, o.input, o.timeoutMs),
    docker: (args, o = {}) =>
      runSync('docker', args, { ...env, DOCKER_CONFIG: join(dir, 'docker-config') }, o.input, o.timeoutMs),
    api,
    async kill9() {
      if (!child) return;
      const c = child;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await exited;
      child = undefined;
    },
    async exited() {
      if (!child) return null;
      const c = child;
      const signal =
        c.exitCode !== null || c.signalCode !== null
          ? c.signalCode
          : await new Promise<NodeJS.Signals | null>((r) => c.once('exit', (_code, sig) => r(sig)));
      child = undefined;
      return signal;
    },
    async stop() {
      if (!child) return;
      const c = child;
      const code = await new Promise<number | null>((r) => {
        c.once('exit', (exitCode) => r(exitCode));
        c.kill('SIGTERM');
      });
      child = undefined;
      if (code !== 0) throw new Error(`berthd exited ${code} on SIGTERM`);
    },
    async restart(o) {
      await launch(o);
    },
    async cleanup() {
      try {
        if (!child) await launch();
        const r = await api('GET', '/containers/json?all=1');
        for (const c of (r.body as { Id: string }[]) ?? []) await api('DELETE', `/containers/${c.Id}?force=1`);
      } catch {}
      if (child) {
        const c = child;
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (c.exitCode === null) c.kill('SIGKILL');
      }
      // Anything still mounted under the test dir (a failed test's debris) is undone here.
      const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
        .split('\n')
        .map((l) => l.split(' ')[4] ?? '')
        .filter((m) => m.startsWith(dir))
        .sort((a, b) => b.length - a.length);
      for (const m of mounts) spawnSync('umount', ['-l', m]);
      removeTestNet(net);
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => readFileSync(logFile, 'utf8'),
  };
  await launch(opts);
  return d;
}

/** Mounts under `prefix` right now (to assert nothing is left behind). */
export function mountsUnder(prefix: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.startsWith(prefix));
}

/** A test daemon with the busybox image already bootstrapped. */
export async function startDaemonWithBusybox(): Promise<TestDaemon> {
  const d = await startDaemon();
  const r = d.berth(['image', 'bootstrap', 'busybox']);
  if (r.code !== 0) {
    await d.cleanup();
    throw new Error(`bootstrap failed: ${r.stderr}`);
  }
  return d;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
