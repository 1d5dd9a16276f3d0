import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isCode } from '../lib/errors.ts';
import { loadDaemonConfig, parseConfigFile, parseDaemonArgs, parseHost } from './config.ts';

const files = (map: Record<string, string>) => ({ readConfigFile: async (p: string) => map[p] });
const flagsOf = (argv: string[]) => {
  const r = parseDaemonArgs(argv);
  assert.equal(r.kind, 'run');
  return r.kind === 'run' ? r.flags : {};
};

describe('daemon flags', () => {
  it('parses every flag, short and long', () => {
    assert.deepEqual(
      flagsOf([
        '-H',
        'unix:///tmp/a.sock',
        '--host=/tmp/b.sock',
        '--data-root',
        '/d',
        '--exec-root=/e',
        '--config-file',
        '/c.json',
        '-D',
        '--log-level',
        'warn',
        '--runtime',
        'runc',
      ]),
      {
        hosts: ['unix:///tmp/a.sock', '/tmp/b.sock'],
        dataRoot: '/d',
        execRoot: '/e',
        configFile: '/c.json',
        debug: true,
        logLevel: 'warn',
        runtime: 'runc',
      },
    );
    assert.deepEqual(parseDaemonArgs(['--help']), { kind: 'help' });
    assert.deepEqual(parseDaemonArgs(['-v']), { kind: 'version' });
    assert.deepEqual(flagsOf([]), {});
  });

  it('refuses unknown flags and arguments', () => {
    assert.throws(
      () => parseDaemonArgs(['--bogus']),
      (err) => isCode(err, 'invalid-argument'),
    );
    assert.throws(
      () => parseDaemonArgs(['extra']),
      (err) => isCode(err, 'invalid-argument'),
    );
  });

  it('accepts unix hosts only', () => {
    assert.equal(parseHost('unix:///run/x.sock'), '/run/x.sock');
    assert.equal(parseHost('/run/x.sock'), '/run/x.sock');
    assert.throws(
      () => parseHost('tcp://0.0.0.0:2375'),
      (err) => isCode(err, 'invalid-argument'),
    );
    assert.throws(
      () => parseHost('unix://rel.sock'),
      (err) => isCode(err, 'invalid-argument'),
    );
    assert.throws(
      () => parseHost('rel.sock'),
      (err) => isCode(err, 'invalid-argument'),
    );
  });
});

describe('daemon configuration', () => {
  it('defaults without a file', async () => {
    assert.deepEqual(await loadDaemonConfig({}, files({})), {
      hosts: ['/run/berth/berth.sock'],
      dataRoot: '/var/lib/berth',
      execRoot: '/run/berth',
      configFile: '/etc/berth/daemon.json',
      debug: false,
      logLevel: 'info',
      runtime: 'crun',
      network: { bridge: 'berth0', prefix: 'berth' },
      defaultUlimits: [],
    });
  });

  it('reads the network settings from daemon.json and flags', async () => {
    const file = JSON.stringify({
      bridge: 'br9',
      bip: '10.9.0.1/24',
      'default-address-pools': [{ base: '10.10.0.0/16', size: 24 }],
      'net-prefix': 'b2',
    });
    const c = await loadDaemonConfig({ configFile: '/x.json' }, files({ '/x.json': file }));
    assert.deepEqual(c.network, {
      bridge: 'br9',
      bip: '10.9.0.1/24',
      pools: [{ base: '10.10.0.0/16', size: 24 }],
      prefix: 'b2',
    });
    const p = parseDaemonArgs(['--bridge', 'x0', '--default-address-pool', 'base=10.11.0.0/16,size=20']);
    assert.equal(p.kind, 'run');
    if (p.kind === 'run') {
      assert.equal(p.flags.bridge, 'x0');
      assert.deepEqual(p.flags.pools, [{ base: '10.11.0.0/16', size: 20 }]);
    }
    await assert.rejects(
      loadDaemonConfig({ configFile: '/y.json' }, files({ '/y.json': '{"default-address-pools": [1]}' })),
      /default-address-pools/,
    );
  });

  it('reads daemon.json with Docker key names; flags override it', async () => {
    const file = JSON.stringify({
      'data-root': '/srv/berth',
      'exec-root': '/run/b',
      hosts: ['unix:///run/b/api.sock'],
      'log-level': 'warn',
      'default-runtime': 'runc',
      'default-ulimits': { nofile: { Name: 'nofile', Soft: 1024, Hard: 2048 } },
    });
    const fromFile = await loadDaemonConfig({ configFile: '/x.json' }, files({ '/x.json': file }));
    assert.deepEqual(fromFile, {
      hosts: ['/run/b/api.sock'],
      dataRoot: '/srv/berth',
      execRoot: '/run/b',
      configFile: '/x.json',
      debug: false,
      logLevel: 'warn',
      runtime: 'runc',
      network: { bridge: 'berth0', prefix: 'berth' },
      defaultUlimits: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }],
    });
    const overridden = await loadDaemonConfig(
      { configFile: '/x.json', dataRoot: '/flag', hosts: ['/tmp/f.sock'], logLevel: 'error' },
      files({ '/x.json': file }),
    );
    assert.equal(overridden.dataRoot, '/flag');
    assert.deepEqual(overridden.hosts, ['/tmp/f.sock']);
    assert.equal(overridden.logLevel, 'error');
    assert.equal(overridden.execRoot, '/run/b');
  });

  it('debug means log level debug', async () => {
    assert.equal((await loadDaemonConfig({ debug: true }, files({}))).logLevel, 'debug');
    const viaFile = await loadDaemonConfig({}, files({ '/etc/berth/daemon.json': '{"debug":true}' }));
    assert.equal(viaFile.debug, true);
    assert.equal(viaFile.logLevel, 'debug');
  });

  it('refuses bad files and levels', async () => {
    assert.throws(
      () => parseConfigFile('{', '/f'),
      (err) => isCode(err, 'invalid-argument'),
    );
    assert.throws(
      () => parseConfigFile('{"storage-driver":"overlay2"}', '/f'),
      (err) =>
        isCode(err, 'invalid-argument') && /don't match any configuration option: storage-driver/.test(err.message),
    );
    assert.throws(
      () => parseConfigFile('{"hosts":"x"}', '/f'),
      (err) => isCode(err, 'invalid-argument'),
    );
    assert.throws(
      () => parseConfigFile('{"debug":"yes"}', '/f'),
      (err) => isCode(err, 'invalid-argument'),
    );
    await assert.rejects(loadDaemonConfig({ logLevel: 'loud' }, files({})), (err) => isCode(err, 'invalid-argument'));
  });
});
