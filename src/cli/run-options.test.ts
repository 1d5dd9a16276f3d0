import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArgs, UsageError } from './argv.ts';
import {
  buildCreateRequest,
  buildExecRequest,
  CONTAINER_FLAGS,
  EXEC_FLAGS,
  type HostAccess,
  parseRestartPolicy,
  RUN_ONLY_FLAGS,
} from './run-options.ts';

const files: Record<string, string> = {
  '/env.list': '# comment\n  X=1 \nHOME\nUNSET\n\nY= sp\n',
  '/labels.list': 'k=v\nbare\n',
};
const host: HostAccess = {
  env: (name) => ({ HOME: '/root' })[name],
  readFile: (path) => {
    const text = files[path];
    if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
    return text;
  },
};

function run(argv: string[]) {
  const p = parseArgs(argv, [...CONTAINER_FLAGS, ...RUN_ONLY_FLAGS], { stopAtPositional: true });
  const [image, ...command] = p.args as [string, ...string[]];
  return buildCreateRequest(p, { image, command }, host);
}

function create(argv: string[]) {
  const p = parseArgs(argv, CONTAINER_FLAGS, { stopAtPositional: true });
  const [image, ...command] = p.args as [string, ...string[]];
  return buildCreateRequest(p, { image, command }, host);
}

test('a bare run attaches stdout and stderr and sends nulls as the docker CLI does', () => {
  const { body, name } = run(['busybox']);
  assert.equal(name, undefined);
  assert.deepEqual(body, {
    Hostname: '',
    Domainname: '',
    User: '',
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: null,
    Cmd: null,
    Image: 'busybox',
    ExposedPorts: {},
    Volumes: {},
    WorkingDir: '',
    Entrypoint: null,
    Labels: {},
    HostConfig: {
      Binds: null,
      NetworkMode: 'default',
      PortBindings: {},
      PublishAllPorts: false,
      RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
      AutoRemove: false,
    },
    NetworkingConfig: { EndpointsConfig: null },
  });
});

test('run -it attaches stdin once and allocates a TTY', () => {
  const { body } = run(['-it', 'busybox', 'sh', '-c', 'echo hi']);
  assert.equal(body.AttachStdin, true);
  assert.equal(body.OpenStdin, true);
  assert.equal(body.StdinOnce, true);
  assert.equal(body.Tty, true);
  assert.deepEqual(body.Cmd, ['sh', '-c', 'echo hi']);
});

test('run -d attaches nothing, even with -i', () => {
  const { body } = run(['-d', '-i', 'busybox']);
  assert.deepEqual(
    [body.AttachStdin, body.AttachStdout, body.AttachStderr, body.OpenStdin, body.StdinOnce],
    [false, false, false, true, false],
  );
  assert.throws(() => run(['-d', '-a', 'stdout', 'busybox']), /cannot specify both --attach and --detach/);
});

test('-a picks the streams; -i adds stdin', () => {
  const a = create(['-a', 'stdin', 'busybox']).body;
  assert.deepEqual([a.AttachStdin, a.AttachStdout, a.AttachStderr, a.StdinOnce], [true, false, false, false]);
  const b = create(['-i', '-a', 'STDOUT', 'busybox']).body;
  assert.deepEqual([b.AttachStdin, b.AttachStdout, b.AttachStderr, b.StdinOnce], [true, true, false, true]);
  assert.throws(() => create(['-a', 'foo', 'busybox']), /valid streams are STDIN, STDOUT and STDERR/);
});

test('every supported flag lands where the docker CLI puts it', () => {
  const { body, name } = run([
    '-d',
    '--rm',
    '--env-file',
    '/env.list',
    '-e',
    'A=1',
    '-e',
    'HOME',
    '-e',
    'NOPE',
    '--name',
    'web',
    '-w',
    '/x',
    '-u',
    '1:2',
    '--entrypoint',
    '',
    '-h',
    'hn',
    '--label-file',
    '/labels.list',
    '-l',
    'a=b',
    '-l',
    'c',
    '-l',
    'k=override',
    '--network',
    'none',
    '-v',
    '/a:/b:ro',
    '-v',
    '/data',
    '--init',
    'busybox',
    'echo',
    'hi',
  ]);
  assert.equal(name, 'web');
  assert.deepEqual(body.Env, ['X=1 ', 'HOME=/root', 'Y= sp', 'A=1', 'HOME=/root', 'NOPE']);
  assert.deepEqual(body.Labels, { k: 'override', bare: '', a: 'b', c: '' });
  assert.equal(body.Hostname, 'hn');
  assert.equal(body.User, '1:2');
  assert.equal(body.WorkingDir, '/x');
  assert.deepEqual(body.Entrypoint, []);
  assert.deepEqual(body.Cmd, ['echo', 'hi']);
  assert.deepEqual(body.Volumes, { '/data': {} });
  assert.deepEqual(body.HostConfig, {
    Binds: ['/a:/b:ro'],
    NetworkMode: 'none',
    PortBindings: {},
    PublishAllPorts: false,
    RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
    AutoRemove: true,
    Init: true,
  });
});

test('--entrypoint with a value is one element, not split', () => {
  assert.deepEqual(run(['--entrypoint', '/bin/sh -c', 'busybox']).body.Entrypoint, ['/bin/sh -c']);
});

test('restart policies parse as Docker parses them, and conflict with --rm', () => {
  assert.deepEqual(parseRestartPolicy('on-failure:3'), { Name: 'on-failure', MaximumRetryCount: 3 });
  assert.deepEqual(parseRestartPolicy('always'), { Name: 'always', MaximumRetryCount: 0 });
  assert.deepEqual(parseRestartPolicy(''), { Name: 'no', MaximumRetryCount: 0 });
  assert.throws(() => parseRestartPolicy('on-failure:x'), /maximum retry count must be an integer/);
  assert.throws(() => parseRestartPolicy(':3'), /no policy provided before colon/);
  assert.deepEqual(run(['--restart', 'unless-stopped', 'busybox']).body.HostConfig?.RestartPolicy, {
    Name: 'unless-stopped',
    MaximumRetryCount: 0,
  });
  assert.throws(
    () => run(['--rm', '--restart', 'always', 'busybox']),
    new UsageError('conflicting options: cannot specify both --restart and --rm'),
  );
  assert.equal(run(['--rm', '--restart', 'no', 'busybox']).body.HostConfig?.AutoRemove, true);
});

test('bad environment input is a usage error', () => {
  assert.throws(() => run(['-e', '=x', 'busybox']), /invalid environment variable: =x/);
  assert.throws(
    () => run(['--env-file', '/missing', 'busybox']),
    new UsageError('open /missing: no such file or directory'),
  );
});

test('exec -it builds the ExecCreate body of the docker CLI', () => {
  const p = parseArgs(['-it', '-e', 'A=1', '-u', 'u', '-w', '/w', 'web', 'sh'], EXEC_FLAGS, { stopAtPositional: true });
  assert.deepEqual(buildExecRequest(p, ['sh'], host), {
    User: 'u',
    Privileged: false,
    Tty: true,
    AttachStdin: true,
    AttachStderr: true,
    AttachStdout: true,
    DetachKeys: '',
    Env: ['A=1'],
    WorkingDir: '/w',
    Cmd: ['sh'],
  });
  const d = parseArgs(['-d', '-i', 'web', 'sleep', '1'], EXEC_FLAGS, { stopAtPositional: true });
  const body = buildExecRequest(d, ['sleep', '1'], host);
  assert.deepEqual([body.AttachStdin, body.AttachStdout, body.AttachStderr, body.Env], [false, false, false, null]);
});

test('-p, -P, --expose and --network build PortBindings and EndpointsConfig as the docker CLI does', () => {
  const { body } = run([
    '-p',
    '127.0.0.1:8080:80',
    '-p',
    '9000-9001:90-91/udp',
    '-p',
    '7000-7010:70',
    '-p',
    '5353',
    '--expose',
    '100-101',
    '-P',
    '--network',
    'n1',
    '--network',
    'n2',
    '--ip',
    '10.1.0.9',
    '--network-alias',
    'web',
    '--link',
    'db:database',
    'busybox',
  ]);
  assert.deepEqual(body.HostConfig?.PortBindings, {
    '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }],
    '90/udp': [{ HostIp: '', HostPort: '9000' }],
    '91/udp': [{ HostIp: '', HostPort: '9001' }],
    '70/tcp': [{ HostIp: '', HostPort: '7000-7010' }],
    '5353/tcp': [{ HostIp: '', HostPort: '' }],
  });
  assert.deepEqual(Object.keys(body.ExposedPorts ?? {}).sort(), [
    '100/tcp',
    '101/tcp',
    '5353/tcp',
    '70/tcp',
    '80/tcp',
    '90/udp',
    '91/udp',
  ]);
  assert.equal(body.HostConfig?.PublishAllPorts, true);
  assert.equal(body.HostConfig?.NetworkMode, 'n1');
  assert.deepEqual(body.HostConfig?.Links, ['db:database']);
  assert.deepEqual(body.NetworkingConfig?.EndpointsConfig, {
    n1: { IPAMConfig: { IPv4Address: '10.1.0.9' }, Aliases: ['web'] },
    n2: {},
  });
  assert.throws(() => run(['-p', '80:90-91', 'busybox']), /invalid ranges/);
});
