/**
 * The real docker CLI (28.x, client only) against berthd's HTTP face with a
 * fake engine: proves the wire format (version negotiation, JSON shapes,
 * hijacked streams, wait) satisfies Docker's own client.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually, startTestServer, type TestServer } from './testing/harness.ts';

const hasDocker = spawnSync('docker', ['--version'], { encoding: 'utf8' }).status === 0;
const enc = (s: string) => new TextEncoder().encode(s);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let t: TestServer;

function docker(args: string[], input?: string): { child: ChildProcess; done: Promise<Run> } {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DOCKER_HOST: `unix://${t.socketPath}`,
    DOCKER_CONFIG: join(t.dir, 'docker-config'),
    DOCKER_CLI_HINTS: 'false',
  };
  delete env.DOCKER_CONTEXT;
  delete env.DOCKER_API_VERSION;
  const child = spawn('docker', args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  if (input !== undefined) child.stdin?.end(input);
  else child.stdin?.end();
  const done = new Promise<Run>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return { child, done };
}

const run = (args: string[], input?: string) => docker(args, input).done;

/** Waits for a container start among the calls after `mark`; returns its ID. */
async function startedSince(mark: number): Promise<string> {
  await eventually(() => t.engine.calls.slice(mark).some((c) => c[0] === 'containers.start'), 20_000);
  return t.engine.calls.slice(mark).find((c) => c[0] === 'containers.start')?.[1] as string;
}

async function createContainer(name: string, body: object = {}): Promise<string> {
  const r = await t.request('POST', `/containers/create?name=${name}`, { body: { Image: 'busybox', ...body } });
  assert.equal(r.status, 201, r.text);
  return (r.json as { Id: string }).Id;
}

describe('docker CLI against berthd', { skip: hasDocker ? false : 'docker CLI not on PATH' }, () => {
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t.close();
  });

  it('docker version negotiates API 1.47 and shows the server', async () => {
    const r = await run(['version']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /API version:\s+1\.47 \(downgraded from 1\.\d+\)/);
    assert.match(r.stdout, /Server: berth/);
    assert.match(r.stdout, /API version:\s+1\.47 \(minimum version 1\.24\)/);
    const json = await run(['version', '--format', '{{.Server.APIVersion}} {{.Server.Os}}']);
    assert.equal(json.stdout.trim(), '1.47 linux');
  });

  it('docker info renders the engine info', async () => {
    const r = await run(['info']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Server Version: 0\.1\.0/);
    assert.match(r.stdout, /Storage Driver: overlay2/);
    assert.match(r.stdout, /Default Runtime: crun/);
    assert.equal((await run(['info', '--format', '{{.NCPU}}'])).stdout.trim(), '2');
  });

  it('docker ps renders rows, honours -a and filters', async () => {
    await createContainer('psweb', { Cmd: ['sleep', '10'] });
    await createContainer('psdb');
    await t.request('POST', '/containers/psweb/start');
    const running = await run(['ps', '--format', '{{.Names}} {{.Command}} {{.Status}}']);
    assert.equal(running.code, 0, running.stderr);
    assert.equal(running.stdout.trim(), 'psweb "sleep 10" Up 2 seconds');
    const all = await run(['ps', '-a', '--filter', 'name=psdb', '--format', '{{.Names}}']);
    assert.equal(all.stdout.trim(), 'psdb');
    const table = await run(['ps', '-a']);
    assert.match(table.stdout, /^CONTAINER ID\s+IMAGE\s+COMMAND/);
    assert.match(table.stdout, /busybox .*psweb/);
  });

  it('docker create / start / inspect / rm map errors as Docker does', async () => {
    const created = await run(['create', '--name', 'cliweb', '-e', 'A=1', 'busybox', 'echo', 'hi']);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout.trim(), /^[0-9a-f]{64}$/);
    const call = t.engine.calls.find(
      (c) => c[0] === 'containers.create' && (c[2] as { name?: string })?.name === 'cliweb',
    );
    const body = call?.[1] as { Cmd: string[]; Env: string[]; Image: string };
    assert.deepEqual(body.Cmd, ['echo', 'hi']);
    assert.deepEqual(body.Env, ['A=1']);
    assert.equal(body.Image, 'busybox');

    assert.equal((await run(['inspect', '--format', '{{.Name}}', 'cliweb'])).stdout.trim(), '/cliweb');
    const missing = await run(['start', 'nope']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /No such container: nope/);
    const bad = await run(['create', '--name', 'bad name', 'busybox']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /Invalid container name \(bad name\)/);
    assert.equal((await run(['start', 'cliweb'])).code, 0);
    const busy = await run(['rm', 'cliweb']);
    assert.notEqual(busy.code, 0);
    assert.match(busy.stderr, /container is running/);
    assert.equal((await run(['rm', '-f', 'cliweb'])).code, 0);
  });

  it('docker run streams output through attach and exits with the wait status', async () => {
    const mark = t.engine.calls.length;
    const p = docker(['run', '--name', 'runner', 'busybox', 'sh', '-c', 'echo hi; exit 3']);
    const id = await startedSince(mark);
    assert.ok(
      t.engine.calls.slice(mark).some((c) => c[0] === 'containers.wait'),
      'wait is posted before start',
    );
    const session = t.engine.sessions.at(-1)!;
    session.out.push({ stream: 'stdout', data: enc('hi\n') });
    session.out.push({ stream: 'stderr', data: enc('warn\n') });
    session.out.end();
    t.engine.exit(id, 3);
    const r = await p.done;
    assert.equal(r.stdout, 'hi\n');
    assert.equal(r.stderr, 'warn\n');
    assert.equal(r.code, 3);
  });

  it('docker run -i relays stdin the client sends before start, then EOF', async () => {
    const mark = t.engine.calls.length;
    const p = docker(['run', '--rm', '-i', 'busybox', 'cat'], 'piped\n');
    const id = await startedSince(mark);
    const wait = t.engine.calls.slice(mark).find((c) => c[0] === 'containers.wait');
    assert.deepEqual(wait?.[2], { condition: 'removed' });
    const session = t.engine.sessions.at(-1)!;
    const input = await session.stdinBytes('piped\n'.length);
    await eventually(() => session.stdinClosed);
    session.out.push({ stream: 'stdout', data: input });
    session.out.end();
    t.engine.exit(id, 0);
    const r = await p.done;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'piped\n');
  });

  it('docker exec relays stdin and output', async () => {
    await createContainer('execer');
    await t.request('POST', '/containers/execer/start');
    const before = t.engine.sessions.length;
    const p = docker(['exec', '-i', 'execer', 'cat'], 'from stdin');
    await eventually(() => t.engine.sessions.length > before, 20_000);
    const session = t.engine.sessions.at(-1)!;
    const input = await session.stdinBytes('from stdin'.length);
    await eventually(() => session.stdinClosed);
    session.out.push({ stream: 'stdout', data: input });
    session.out.end();
    const r = await p.done;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'from stdin');
  });

  it('docker logs decodes the multiplexed stream', async () => {
    const id = await createContainer('logsy');
    t.engine.addLog(id, { stream: 'stdout', data: enc('one\n') });
    t.engine.addLog(id, { stream: 'stderr', data: enc('two\n') });
    const r = await run(['logs', 'logsy']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'one\n');
    assert.equal(r.stderr, 'two\n');
  });

  it('docker tag / image inspect / rmi handle registry names with ports and paths', async () => {
    assert.equal((await run(['tag', 'busybox', 'localhost:5000/a/b:t'])).code, 0);
    const inspect = await run(['image', 'inspect', '--format', '{{index .RepoTags 0}}', 'localhost:5000/a/b:t']);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.equal(inspect.stdout.trim(), 'localhost:5000/a/b:t');
    const rmi = await run(['rmi', 'localhost:5000/a/b:t']);
    assert.equal(rmi.code, 0, rmi.stderr);
    assert.match(rmi.stdout, /Untagged: localhost:5000\/a\/b:t/);
    const images = await run(['images', '--format', '{{.Repository}}:{{.Tag}}']);
    assert.match(images.stdout, /busybox:latest/);
  });
});
