import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newTaskState, type ContainerRecord } from '../../core/containers/store.ts';
import { exitCodeForStartError, mergeConfig, mergeEnv, validateUlimits } from './container-config.ts';
import { humanDuration, matchesFilters } from './container-view.ts';

test('mergeConfig follows Docker: user Cmd wins, a new Entrypoint drops the image Cmd', () => {
  const image = { Env: ['PATH=/bin', 'A=1'], Cmd: ['sh'], WorkingDir: '/w', Labels: { a: '1' } };
  const c1 = mergeConfig(image, { Image: 'x', Env: ['A=2', 'B=3'] });
  assert.deepEqual(c1.Env, ['PATH=/bin', 'A=2', 'B=3']);
  assert.deepEqual(c1.Cmd, ['sh']);
  assert.equal(c1.WorkingDir, '/w');
  const c2 = mergeConfig(image, { Image: 'x', Entrypoint: ['echo'] });
  assert.deepEqual(c2.Cmd, []);
  assert.deepEqual(c2.Entrypoint, ['echo']);
  const c4 = mergeConfig({ Entrypoint: ['/init'], Cmd: ['x'] }, { Image: 'x', Entrypoint: [''], Cmd: ['echo'] });
  assert.deepEqual([c4.Entrypoint, c4.Cmd], [[], ['echo']]);
  const c3 = mergeConfig({}, { Image: 'x', Cmd: ['true'], Labels: { b: '2' } });
  assert.ok(c3.Env?.[0]?.startsWith('PATH='));
  assert.deepEqual(c3.Labels, { b: '2' });
});

test('mergeEnv keeps order and lets later values win', () => {
  assert.deepEqual(mergeEnv(['A=1', 'B=2'], ['A=3', 'C']), ['A=3', 'B=2', 'C']);
});

test('exit codes for failed starts', () => {
  assert.equal(exitCodeForStartError('exec: "x": executable file not found in $PATH'), 127);
  assert.equal(exitCodeForStartError('exec: permission denied'), 126);
  assert.equal(exitCodeForStartError('something else'), 128);
});

test('humanDuration matches Docker', () => {
  assert.equal(humanDuration(500), 'Less than a second');
  assert.equal(humanDuration(1000), '1 second');
  assert.equal(humanDuration(45_000), '45 seconds');
  assert.equal(humanDuration(60_000), 'About a minute');
  assert.equal(humanDuration(5 * 60_000), '5 minutes');
  assert.equal(humanDuration(3600_000), 'About an hour');
  assert.equal(humanDuration(3 * 24 * 3600_000), '3 days');
});

test('ps filters: name regexp, status, label, id prefix', () => {
  const rec: ContainerRecord = {
    id: 'abcdef',
    name: 'web-1',
    created: new Date().toISOString(),
    image: 'busybox',
    imageId: 'sha256:1234',
    path: 'sh',
    args: [],
    config: { Labels: { tier: 'front', x: '' } },
    hostConfig: {},
    state: { ...newTaskState(), status: 'running' },
    restartCount: 0,
    execIds: [],
  };
  assert.equal(matchesFilters(rec, { name: ['^web'] }), true);
  assert.equal(matchesFilters(rec, { name: ['db'] }), false);
  assert.equal(matchesFilters(rec, { status: ['exited'] }), false);
  assert.equal(matchesFilters(rec, { status: ['exited', 'running'] }), true);
  assert.equal(matchesFilters(rec, { label: ['tier=front', 'x'] }), true);
  assert.equal(matchesFilters(rec, { label: ['tier=back'] }), false);
  assert.equal(matchesFilters(rec, { id: ['abc'] }), true);
  assert.equal(matchesFilters(rec, { ancestor: ['busybox'] }), true);
});

test('ulimits are checked against names, order and berthd hard limits', async () => {
  assert.doesNotThrow(() => validateUlimits([{ Name: 'nofile', Soft: 10, Hard: 20 }], { nofile: 20 }));
  assert.throws(() => validateUlimits([{ Name: 'bogus', Soft: 1, Hard: 1 }], {}), /invalid ulimit type/);
  assert.throws(() => validateUlimits([{ Name: 'nofile', Soft: 30, Hard: 20 }], {}), /soft limit/);
  assert.throws(
    () => validateUlimits([{ Name: 'nofile', Soft: 1, Hard: 21 }], { nofile: 20 }),
    /exceeds the hard limit/,
  );
});
