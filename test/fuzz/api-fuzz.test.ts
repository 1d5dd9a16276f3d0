/**
 * Hostile input for the HTTP API: seeded random and mutated requests against
 * every route berthd serves (the route table is read from the code, so new
 * routes are fuzzed as soon as they exist). berthd must never crash, never
 * answer 5xx for a client's mistake (501 "not implemented" aside), and never
 * create a container or an image from a request it rejected.
 *
 * Replay a failure with BERTH_FUZZ_SEED=<seed printed>; run longer with
 * BERTH_FUZZ_MS=<milliseconds> (default 15 s, bounded for `make test`).
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { allRoutes } from '../../src/daemon/http/routes/index.ts';
import type { Engine } from '../../src/engine/engine.ts';
import { startDaemonWithBusybox, type TestDaemon } from '../helpers/daemon.ts';
import { seeded, seedFrom } from '../helpers/seeded.ts';

const SEED = seedFrom(process.env.BERTH_FUZZ_SEED);
const BUDGET_MS = Number(process.env.BERTH_FUZZ_MS ?? 15_000);

const { rand, pick, chance } = seeded(SEED);

const WEIRD_STRINGS = [
  '',
  ' ',
  '..',
  '../../etc/passwd',
  '/',
  '%2e%2e%2f',
  'a'.repeat(5000),
  '\u0000',
  '\u202e\ud83d\ude00',
  'UPPER:Case',
  'busybox:latest',
  'busybox',
  'sha256:',
  `sha256:${'0'.repeat(64)}`,
  'x@sha256:zz',
  '-1',
  '1e309',
  'null',
  '{}',
  '[]',
  'true',
  '*',
  '?',
  'a/b/c/d/e',
  'name with spaces',
  'container:self',
  'host',
  '1.2.3.4:99999',
  '12q',
];

const WEIRD_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  2 ** 53,
  -(2 ** 63),
  1.5,
  Number.MAX_VALUE,
  '',
  'x',
  [],
  [null],
  {},
  { '': '' },
  ['a', 1, {}],
  { __proto__: { polluted: true } },
];

function weirdValue(depth = 0): unknown {
  if (depth < 3 && chance(0.15)) {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < 3; i++) o[pick(FIELD_NAMES)] = weirdValue(depth + 1);
    return o;
  }
  if (depth < 3 && chance(0.1)) return [weirdValue(depth + 1), weirdValue(depth + 1)];
  return chance(0.5) ? pick(WEIRD_VALUES) : pick(WEIRD_STRINGS);
}

/** Field names Docker's bodies use, so mutations hit the decoders' real paths. */
const FIELD_NAMES = [
  'Image',
  'Cmd',
  'Entrypoint',
  'Env',
  'Tty',
  'OpenStdin',
  'User',
  'WorkingDir',
  'Labels',
  'HostConfig',
  'Binds',
  'Mounts',
  'Memory',
  'NanoCpus',
  'CpuQuota',
  'CpuPeriod',
  'PidsLimit',
  'Ulimits',
  'CapAdd',
  'CapDrop',
  'Privileged',
  'SecurityOpt',
  'RestartPolicy',
  'Name',
  'MaximumRetryCount',
  'NetworkMode',
  'PortBindings',
  'ExposedPorts',
  'Sysctls',
  'Devices',
  'Tmpfs',
  'ReadonlyRootfs',
  'Healthcheck',
  'LogConfig',
  'AttachStdin',
  'AttachStdout',
  'Detach',
  'Driver',
  'Options',
  'IPAM',
  'Config',
  'Subnet',
  'Gateway',
  'Container',
  'EndpointConfig',
  'DriverOpts',
  'Size',
  'Height',
  'Width',
  'Signal',
  't',
  'username',
  'password',
  'serveraddress',
];

const VALID_BODIES: Record<string, () => unknown> = {
  '/containers/create': () => ({
    Image: 'busybox',
    Cmd: ['true'],
    HostConfig: { Memory: 64 * 1024 * 1024, RestartPolicy: { Name: 'no' } },
  }),
  '/exec': () => ({ Cmd: ['true'], AttachStdout: true }),
  '/networks/create': () => ({ Name: 'fuzznet', Driver: 'bridge' }),
  '/volumes/create': () => ({ Name: 'fuzzvol', Driver: 'local' }),
};

/** Mutates a valid body: wrong types, missing and extra fields, deep values. */
function mutate(body: unknown, depth = 0): unknown {
  if (body === null || typeof body !== 'object' || depth > 4) return chance(0.3) ? weirdValue() : body;
  if (Array.isArray(body)) return chance(0.3) ? weirdValue() : body.map((v) => mutate(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    if (chance(0.15)) continue;
    out[k] = chance(0.35) ? weirdValue() : mutate(v, depth + 1);
  }
  if (chance(0.3)) out[pick(FIELD_NAMES)] = weirdValue();
  return out;
}

interface Target {
  method: string;
  pattern: string;
}

interface Ids {
  container: string;
  image: string;
}

function fillPath(pattern: string, ids: Ids): string {
  return pattern.replace(/\{(\w+)\*?\}/g, (_m, name: string) => {
    const real = name === 'name' ? ids.image : ids.container;
    const v = chance(0.35) ? real : chance(0.5) ? pick(WEIRD_STRINGS) : `nope${Math.floor(rand() * 1000)}`;
    return encodeURIComponent(v).replaceAll('%2F', '/');
  });
}

const QUERY_KEYS = [
  'all',
  'filters',
  'force',
  'v',
  't',
  'signal',
  'name',
  'tag',
  'repo',
  'fromImage',
  'since',
  'until',
  'tail',
  'follow',
  'stdout',
  'stderr',
  'h',
  'w',
  'condition',
  'path',
  'stream',
  'limit',
  'size',
  'detachKeys',
  'ps_args',
  'noprune',
  'platform',
];

function query(): string {
  if (chance(0.4)) return '';
  const parts: string[] = [];
  const n = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < n; i++) {
    const v = chance(0.3) ? JSON.stringify(weirdValue()) : pick(WEIRD_STRINGS);
    parts.push(`${pick(QUERY_KEYS)}=${encodeURIComponent(v)}`);
  }
  if (chance(0.05)) parts.push('%zz=%');
  return `?${parts.join('&')}`;
}

/** Keys to keep requests from blocking: these query values make waits and follows end. */
function safeQuery(method: string, pattern: string, q: string): string {
  if (pattern.endsWith('/wait') || pattern.endsWith('/attach') || pattern === '/events' || pattern.endsWith('/stats'))
    return `${q}${q ? '&' : '?'}stream=0&until=1`;
  if (pattern.endsWith('/logs')) return `${q}${q ? '&' : '?'}follow=0`;
  return method === 'GET' ? q : q;
}

interface Reply {
  status: number;
  body: string;
}

/**
 * One raw HTTP/1.1 exchange over the socket (so malformed requests can be
 * sent as they are). Resolves status 0 when the server closes without a
 * response or the request times out (a hijacked or streaming reply).
 */
function raw(socketPath: string, request: Uint8Array | string, timeoutMs = 1000): Promise<Reply> {
  return new Promise((resolve) => {
    const s = connect(socketPath);
    const chunks: Buffer[] = [];
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      const sep = text.indexOf('\r\n\r\n');
      resolve({ status: m ? Number(m[1]) : 0, body: sep >= 0 ? text.slice(sep + 4) : '' });
    };
    const timer = setTimeout(finish, timeoutMs);
    s.on('data', (c: Buffer) => {
      chunks.push(c);
      // A complete non-streamed reply: stop early when Content-Length is satisfied.
      const text = Buffer.concat(chunks).toString('latin1');
      const sep = text.indexOf('\r\n\r\n');
      const len = /\r\ncontent-length: (\d+)/i.exec(text.slice(0, sep));
      if (sep >= 0 && len && Buffer.byteLength(text.slice(sep + 4), 'latin1') >= Number(len[1])) finish();
    });
    s.on('error', finish);
    s.on('close', finish);
    s.write(request);
  });
}

function httpRequest(method: string, path: string, body?: string, headers: Record<string, string> = {}): string {
  const h: Record<string, string> = { Host: 'docker', ...headers };
  if (body !== undefined) {
    h['Content-Type'] ??= 'application/json';
    h['Content-Length'] ??= String(Buffer.byteLength(body));
  }
  const lines = Object.entries(h).map(([k, v]) => `${k}: ${v}`);
  return `${method} ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\nConnection: close\r\n\r\n${body ?? ''}`;
}

function malformed(): string | Uint8Array {
  return pick<() => string | Uint8Array>([
    () => 'GARBAGE\r\n\r\n',
    () => 'GET / HTTP/9.9\r\n\r\n',
    () => `POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{"Image":`,
    () => `POST /containers/create HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`,
    () => `POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n`,
    () => `GET /${'a/'.repeat(4000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    () => `GET /v99.99/info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    () => `GET /v1.0/info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    () => `GET /info HTTP/1.1\r\nHost: x\r\n${'X-A: b\r\n'.repeat(2000)}\r\n`,
    () => Uint8Array.from({ length: 512 }, () => Math.floor(rand() * 256)),
  ])();
}

let d: TestDaemon;
let ids: Ids;
let targets: Target[] = [];

before(async () => {
  d = await startDaemonWithBusybox();
  const created = await d.api('POST', '/containers/create?name=fuzz-base', { Image: 'busybox', Cmd: ['sleep', '600'] });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const container = (created.body as { Id: string }).Id;
  assert.equal((await d.api('POST', `/containers/${container}/start`)).status, 204);
  ids = { container, image: 'busybox' };
  // Only the table's shape is needed; no handler runs against this engine.
  targets = allRoutes({} as Engine).map((r) => ({ method: r.method, pattern: r.path }));
});

after(async () => {
  await d?.cleanup();
});

test(`API fuzz (seed ${SEED}): no crash, no 5xx for client mistakes, nothing created by a rejected request`, async () => {
  console.log(`# api fuzz seed ${SEED} (replay: BERTH_FUZZ_SEED=${SEED})`);
  const containersBefore = new Set(
    ((await d.api('GET', '/containers/json?all=1')).body as { Id: string }[]).map((c) => c.Id),
  );
  const imagesBefore = new Set(((await d.api('GET', '/images/json?all=1')).body as { Id: string }[]).map((i) => i.Id));
  const accepted = new Set<string>();
  const failures: string[] = [];
  const deadline = Date.now() + BUDGET_MS;
  let sent = 0;
  const byStatus = new Map<number, number>();

  while (Date.now() < deadline && failures.length < 10) {
    sent++;
    if (chance(0.08)) {
      const req = malformed();
      const r = await raw(d.socket, req);
      if (r.status >= 500) failures.push(`malformed request → ${r.status}: ${r.body.slice(0, 200)}`);
      continue;
    }
    const t = pick(targets);
    // Skip requests that would legitimately tear the fixture down; removal paths are still fuzzed with other ids.
    const path = fillPath(t.pattern, ids);
    const isBase = path.includes(ids.container) || path.includes('fuzz-base');
    if (isBase && (t.method === 'DELETE' || /\/(stop|kill|restart|pause|rename|update)$/.test(t.pattern))) continue;
    const valid = VALID_BODIES[t.pattern];
    let body: string | undefined;
    if (t.method === 'POST' || t.method === 'PUT') {
      const roll = rand();
      if (roll < 0.1) body = '';
      else if (roll < 0.2) body = '{"truncated": ';
      else if (roll < 0.3) body = JSON.stringify(weirdValue());
      else body = JSON.stringify(mutate(valid ? valid() : { [pick(FIELD_NAMES)]: weirdValue() }));
    }
    const headers: Record<string, string> = {};
    if (chance(0.1)) headers['Content-Type'] = pick(['text/plain', 'application/x-tar', '', 'application/json; x']);
    if (chance(0.1)) headers['X-Registry-Auth'] = pick(['!!!', 'e30=', '', 'eyJ1c2VybmFtZSI6MX0=']);
    const fullPath = (chance(0.2) ? '/v1.41' : '') + path + safeQuery(t.method, t.pattern, query());
    const r = await raw(d.socket, httpRequest(t.method, fullPath, body, headers));
    byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
    const line = `${t.method} ${fullPath.slice(0, 200)} body=${(body ?? '').slice(0, 200)}`;
    if (r.status >= 500 && r.status !== 501) failures.push(`${line} → ${r.status}: ${r.body.slice(0, 300)}`);
    if (t.method === 'POST' && r.status >= 200 && r.status < 300) {
      const m = /"Id"\s*:\s*"([0-9a-f:sha]+)"/.exec(r.body);
      if (m?.[1]) accepted.add(m[1]);
    }
    if (sent % 50 === 0) {
      const ping = await d.api('GET', '/_ping');
      assert.equal(ping.status, 200, `berthd stopped answering after ${sent} requests (seed ${SEED})`);
    }
  }

  assert.deepEqual(failures, [], `server errors for client input (seed ${SEED}):\n${failures.join('\n')}`);
  const ping = await d.api('GET', '/_ping');
  assert.equal(ping.status, 200, `berthd must still answer (seed ${SEED})`);

  const containersAfter = ((await d.api('GET', '/containers/json?all=1')).body as { Id: string }[]).map((c) => c.Id);
  for (const id of containersAfter)
    assert.ok(
      containersBefore.has(id) || accepted.has(id),
      `container ${id} exists but no request creating it succeeded`,
    );
  const imagesAfter = ((await d.api('GET', '/images/json?all=1')).body as { Id: string }[]).map((i) => i.Id);
  for (const id of imagesAfter)
    assert.ok(
      imagesBefore.has(id) || accepted.has(id) || [...accepted].some((a) => id.endsWith(a)),
      `image ${id} exists but no request creating it succeeded`,
    );
  console.log(
    `# api fuzz: ${sent} requests, ${accepted.size} accepted creations, by status ${JSON.stringify([...byStatus].sort())}`,
  );
});
