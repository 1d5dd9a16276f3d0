import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type FlagSpec, parseArgs, UsageError } from './argv.ts';

const specs: FlagSpec[] = [
  { long: 'detach', short: 'd', type: 'bool', description: '' },
  { long: 'interactive', short: 'i', type: 'bool', description: '' },
  { long: 'tty', short: 't', type: 'bool', description: '' },
  { long: 'name', type: 'string', description: '' },
  { long: 'env', short: 'e', type: 'list', description: '' },
  { long: 'last', short: 'n', type: 'int', description: '', default: -1 },
  { long: 'hostname', short: 'h', type: 'string', description: '' },
  { long: 'restart', type: 'string', description: '', default: 'no' },
];

test('parseArgs() reads long flags with a space or an equals sign', () => {
  const p = parseArgs(['--name', 'web', '--env=A=1', 'img'], specs);
  assert.equal(p.string('name'), 'web');
  assert.deepEqual(p.list('env'), ['A=1']);
  assert.deepEqual(p.args, ['img']);
});

test('parseArgs() combines short booleans and lets the last short flag take a value', () => {
  const p = parseArgs(['-itd', '-e', 'A=1', '-eB', '-n=3', 'img'], specs);
  assert.equal(p.bool('interactive'), true);
  assert.equal(p.bool('tty'), true);
  assert.equal(p.bool('detach'), true);
  assert.deepEqual(p.list('env'), ['A=1', 'B']);
  assert.equal(p.int('last'), 3);
  const q = parseArgs(['-ie', 'X=1'], specs);
  assert.equal(q.bool('interactive'), true);
  assert.deepEqual(q.list('env'), ['X=1']);
});

test('parseArgs() accepts explicit boolean values', () => {
  assert.equal(parseArgs(['--detach=false'], specs).bool('detach'), false);
  assert.equal(parseArgs(['-d=true'], specs).bool('detach'), true);
  assert.throws(() => parseArgs(['--detach=maybe'], specs), /invalid argument "maybe" for "-d, --detach" flag/);
});

test('parseArgs() applies defaults and tells given flags from defaults', () => {
  const p = parseArgs([], specs);
  assert.equal(p.int('last'), -1);
  assert.equal(p.string('restart'), 'no');
  assert.equal(p.string('name'), undefined);
  assert.equal(p.changed('name'), false);
  const q = parseArgs(['--name', ''], specs);
  assert.equal(q.changed('name'), true);
  assert.equal(q.string('name'), '');
});

test('parseArgs() stops at the first positional argument when asked (run, exec)', () => {
  const p = parseArgs(['-d', 'busybox', 'ls', '-l', '--name', 'x'], specs, { stopAtPositional: true });
  assert.deepEqual(p.args, ['busybox', 'ls', '-l', '--name', 'x']);
  assert.equal(p.string('name'), undefined);
  const q = parseArgs(['a', '-d', 'b'], specs);
  assert.deepEqual(q.args, ['a', 'b']);
  assert.equal(q.bool('detach'), true);
});

test('parseArgs() treats everything after -- as positional, and - alone as positional', () => {
  const p = parseArgs(['--', '-d', '--name'], specs);
  assert.deepEqual(p.args, ['-d', '--name']);
  assert.deepEqual(parseArgs(['-'], specs).args, ['-']);
});

test('parseArgs() gives -h to a flag that owns it, else reads it as help', () => {
  assert.equal(parseArgs(['-h', 'box'], specs).string('hostname'), 'box');
  const noH = specs.filter((s) => s.long !== 'hostname');
  assert.equal(parseArgs(['-h'], noH).help, true);
  assert.equal(parseArgs(['--help'], specs).help, true);
});

test('parseArgs() reports bad usage in pflag words', () => {
  assert.throws(() => parseArgs(['--bogus'], specs), new UsageError('unknown flag: --bogus'));
  assert.throws(() => parseArgs(['-x'], specs), new UsageError("unknown shorthand flag: 'x' in -x"));
  assert.throws(() => parseArgs(['--name'], specs), new UsageError('flag needs an argument: --name'));
  assert.throws(() => parseArgs(['-e'], specs), new UsageError("flag needs an argument: 'e' in -e"));
  assert.throws(() => parseArgs(['-n', 'x'], specs), /invalid argument "x" for "-n, --last" flag/);
});
