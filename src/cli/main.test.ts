import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Engine } from '../engine/engine.ts';
import type { ContainerInspect, IoSession, OutputChunk, WaitResponse } from '../engine/types.ts';
import { BerthError } from '../lib/errors.ts';
import { main, resolveHost } from './main.ts';

const enc = new TextEncoder();

function capture() {
  let text = '';
  const stream = {
    isTTY: false,
    write(d: string | Uint8Array) {
      text += typeof d === 'string' ? d : new TextDecoder().decode(d);
      return true;
    },
    once() {
      return stream;
    },
  };
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
}

/** An Engine whose methods record their calls; those a test does not give throw. */
function fakeEngine(calls: string[], over: { [K in keyof Engine]?: Partial<Engine[K]> }): Engine {
  const part = <T extends object>(name: string, given: Partial<T> | undefined): T =>
    new Proxy((given ?? {}) as T, {
      get(target, prop: string) {
        const fn = (target as Record<string, unknown>)[prop];
        return (...args: unknown[]) => {
          calls.push(`${name}.${prop}`);
          if (typeof fn !== 'function') throw new Error(`unexpected call ${name}.${prop}`);
          return fn(...args);
        };
      },
    });
  return {
    system: part('system', over.system),
    containers: part('containers', over.containers),
    exec: part('exec', over.exec),
    images: part('images', over.images),
    networks: part('networks', over.networks),
    build: part('build', over.build),
    volumes: part('volumes', over.volumes),
  };
}

async function berth(argv: string[], engine?: Engine) {
  const out = capture();
  const err = capture();
  const code = await main(argv, {
    env: {},
    stdin: process.stdin,
    stdout: out.stream,
    stderr: err.stream,
    connect: async () => {
      if (engine === undefined) throw new Error('no engine in this test');
      return engine;
    },
  });
  return { code, stdout: out.text(), stderr: err.text() };
}

function outputSession(chunks: OutputChunk[]): IoSession {
  return {
    tty: false,
    output: (async function* () {
      yield* chunks;
    })(),
    write: () => {},
    closeStdin: () => {},
    close: () => {},
  };
}

test('resolveHost() prefers -H, then BERTH_HOST, then DOCKER_HOST, then the default socket', () => {
  assert.equal(resolveHost('unix:///a', { BERTH_HOST: 'unix:///b' }), 'unix:///a');
  assert.equal(resolveHost(undefined, { BERTH_HOST: 'unix:///b', DOCKER_HOST: 'unix:///c' }), 'unix:///b');
  assert.equal(resolveHost(undefined, { DOCKER_HOST: 'unix:///c' }), 'unix:///c');
  assert.equal(resolveHost(undefined, {}), 'unix:///run/berth/berth.sock');
});

test('bad usage exits 125 with one line and a pointer to --help', async () => {
  assert.deepEqual(await berth(['run']), {
    code: 125,
    stdout: '',
    stderr: "berth: 'berth run' requires at least 1 argument\nSee 'berth run --help'.\n",
  });
  assert.deepEqual(await berth(['container', 'run', '--bogus', 'x']), {
    code: 125,
    stdout: '',
    stderr: "berth: unknown flag: --bogus\nSee 'berth container run --help'.\n",
  });
  assert.equal((await berth(['frob'])).stderr, "berth: unknown command: berth frob\nSee 'berth --help'.\n");
  assert.equal(
    (await berth(['ps', 'extra'])).stderr,
    "berth: 'berth ps' accepts no arguments\nSee 'berth ps --help'.\n",
  );
});

test('--help prints the command’s usage and aliases without contacting the daemon', async () => {
  const r = await berth(['ps', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Usage: {2}berth ps \[OPTIONS\]/);
  assert.match(r.stdout, /berth container ls, berth ps/);
  assert.match((await berth([])).stdout, /Management Commands:/);
  assert.match((await berth(['image'])).stdout, /bootstrap/);
});

test('run attaches, registers the wait, starts, and exits with the container’s code', async () => {
  const calls: string[] = [];
  const engine = fakeEngine(calls, {
    containers: {
      create: async (body) => {
        assert.deepEqual(body.Cmd, ['sh', '-c', 'exit 3']);
        return { Id: 'c1', Warnings: [] };
      },
      attach: async (_id, opts) => {
        assert.deepEqual(opts, { stream: true, stdin: false, stdout: true, stderr: true, detachKeys: undefined });
        return outputSession([{ stream: 'stdout', data: enc.encode('hi\n') }]);
      },
      wait: async (_id, opts) => {
        assert.deepEqual(opts, { condition: 'removed' });
        return { result: Promise.resolve<WaitResponse>({ StatusCode: 3 }) };
      },
      start: async () => {},
    },
  });
  const r = await berth(['run', '--rm', 'busybox', 'sh', '-c', 'exit 3'], engine);
  assert.deepEqual(r, { code: 3, stdout: 'hi\n', stderr: '' });
  assert.deepEqual(calls, ['containers.create', 'containers.attach', 'containers.wait', 'containers.start']);
});

test('run sends attach and wait together and starts only once both are in place', async () => {
  const calls: string[] = [];
  const later = <T>(ms: number, what: string, value: T) =>
    new Promise<T>((resolve) =>
      setTimeout(() => {
        calls.push(what);
        resolve(value);
      }, ms),
    );
  const engine = fakeEngine(calls, {
    containers: {
      create: async () => ({ Id: 'c1', Warnings: [] }),
      attach: () => later(20, 'attached', outputSession([])),
      wait: () => later(5, 'waiting', { result: Promise.resolve<WaitResponse>({ StatusCode: 0 }) }),
      start: async () => {},
    },
  });
  assert.equal((await berth(['run', 'busybox'], engine)).code, 0);
  assert.deepEqual(calls, [
    'containers.create',
    'containers.attach',
    'containers.wait',
    'waiting',
    'attached',
    'containers.start',
  ]);
});

test('run does not start when the attach or the wait fails, and closes an attached session', async () => {
  let closed = 0;
  const failing = (which: 'attach' | 'wait') => {
    const calls: string[] = [];
    const engine = fakeEngine(calls, {
      containers: {
        create: async () => ({ Id: 'c1', Warnings: [] }),
        attach: async () => {
          if (which === 'attach') throw new BerthError('conflict', 'You cannot attach to a stopped container');
          return { ...outputSession([]), close: () => closed++ };
        },
        wait: async () => {
          if (which === 'wait') throw new BerthError('not-found', 'No such container: c1');
          return { result: new Promise<WaitResponse>(() => {}) };
        },
      },
    });
    return { calls, engine };
  };
  const a = failing('attach');
  assert.deepEqual(await berth(['run', 'busybox'], a.engine), {
    code: 125,
    stdout: '',
    stderr: 'berth: Error response from daemon: You cannot attach to a stopped container\n',
  });
  assert.equal(a.calls.includes('containers.start'), false);
  const w = failing('wait');
  assert.deepEqual(await berth(['run', 'busybox'], w.engine), {
    code: 125,
    stdout: '',
    stderr: 'berth: Error response from daemon: No such container: c1\n',
  });
  assert.equal(w.calls.includes('containers.start'), false);
  assert.equal(closed, 1);
});

test('run -d prints the full ID', async () => {
  const calls: string[] = [];
  const engine = fakeEngine(calls, {
    containers: { create: async () => ({ Id: 'f'.repeat(64), Warnings: [] }), start: async () => {} },
  });
  assert.deepEqual(await berth(['run', '-d', 'busybox'], engine), {
    code: 0,
    stdout: `${'f'.repeat(64)}\n`,
    stderr: '',
  });
});

test('run maps start errors to 127 and 126 as the docker CLI does, and daemon errors to 125', async () => {
  const failingStart = (message: string) =>
    fakeEngine([], {
      containers: {
        create: async () => ({ Id: 'c1', Warnings: [] }),
        attach: async () => outputSession([]),
        wait: async () => ({ result: new Promise<WaitResponse>(() => {}) }),
        start: async () => {
          throw new BerthError('internal', message);
        },
      },
    });
  const notFound = await berth(
    ['run', 'busybox', 'nope'],
    failingStart('exec: "nope": executable file not found in $PATH'),
  );
  assert.equal(notFound.code, 127);
  assert.equal(
    notFound.stderr,
    'berth: Error response from daemon: exec: "nope": executable file not found in $PATH\n',
  );
  assert.equal((await berth(['run', 'busybox', '/etc'], failingStart('exec: /etc: permission denied'))).code, 126);
  assert.equal((await berth(['run', 'busybox'], failingStart('boom'))).code, 125);

  const missingImage = fakeEngine([], {
    containers: {
      create: async () => {
        throw new BerthError('not-found', 'No such image: nope:latest');
      },
    },
  });
  assert.deepEqual(await berth(['run', 'nope'], missingImage), {
    code: 125,
    stdout: '',
    stderr: 'berth: Error response from daemon: No such image: nope:latest\n',
  });
});

test('stop and rm print each name, report each failure, and exit 1 if any failed', async () => {
  const engine = fakeEngine([], {
    containers: {
      stop: async (id) => {
        if (id === 'up') throw new BerthError('not-modified', 'already stopped');
        if (id === 'nope') throw new BerthError('not-found', 'No such container: nope');
      },
      remove: async (id) => {
        if (id === 'nope') throw new BerthError('not-found', 'No such container: nope');
      },
    },
  });
  assert.deepEqual(await berth(['stop', 'a', 'up', 'nope'], engine), {
    code: 1,
    stdout: 'a\nup\n',
    stderr: 'Error response from daemon: No such container: nope\n',
  });
  assert.deepEqual(await berth(['rm', '-f', 'a', 'nope'], engine), { code: 0, stdout: 'a\n', stderr: '' });
});

test('inspect tries containers, then images, and names what it could not find', async () => {
  const engine = fakeEngine([], {
    containers: {
      inspect: async (id) => {
        if (id === 'web') return { Id: 'c1', Name: '/web' } as ContainerInspect;
        throw new BerthError('not-found', `No such container: ${id}`);
      },
    },
    images: {
      inspect: async (name) => {
        throw new BerthError('not-found', `No such image: ${name}`);
      },
    },
  });
  const r = await berth(['inspect', '-f', '{{.Name}}', 'web', 'nope'], engine);
  assert.deepEqual(r, { code: 1, stdout: '/web\n', stderr: 'Error: No such object: nope\n' });
  const j = await berth(['inspect', 'web'], engine);
  assert.equal(j.stdout, '[\n    {\n        "Id": "c1",\n        "Name": "/web"\n    }\n]\n');
});

test('an unreachable daemon is reported with its address and a hint', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-cli-'));
  try {
    const out = capture();
    const err = capture();
    const sock = join(dir, 'none.sock');
    const code = await main(['ps'], {
      env: { BERTH_HOST: `unix://${sock}` },
      stdin: process.stdin,
      stdout: out.stream,
      stderr: err.stream,
    });
    assert.equal(code, 1);
    assert.equal(
      err.text(),
      `Cannot connect to the berth daemon at unix://${sock}. Is berthd running?\nhint: start it with: berthd &   (or: make demo)\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("ps's default table (built without the template engine) equals the explicit table template", async () => {
  const now = Math.floor(Date.now() / 1000);
  const rows = [0, 1, 2].map((i) => ({
    Id: `${i}`.repeat(64),
    Names: [`/c${i}`],
    Image: i === 0 ? 'sha256:'.concat('f'.repeat(64)) : 'busybox',
    ImageID: `sha256:${'b'.repeat(64)}`,
    Command: i === 2 ? 'sh -c "a long command line here"' : 'true',
    Created: now - 100 * i,
    Ports: [],
    Labels: {},
    State: 'exited' as const,
    Status: 'Exited (0) 1 second ago',
    HostConfig: { NetworkMode: 'none' },
    NetworkSettings: { Networks: {} },
    Mounts: [],
  }));
  const engine = fakeEngine([], { containers: { list: async () => rows } });
  const fast = await berth(['ps', '-a'], engine);
  const templated = await berth(
    [
      'ps',
      '-a',
      '--format',
      'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}',
    ],
    engine,
  );
  assert.equal(fast.code, 0, fast.stderr);
  assert.equal(fast.stdout, templated.stdout);
  assert.equal(fast.stdout.split('\n').length, 5);
});
