import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isCode } from '../../lib/errors.ts';
import { parseFilters, queryBool, queryFilters, queryInt, queryTimestamp, validateContainerName } from './decode.ts';
import { check } from './schema.ts';
import { containerCreateSchema, execCreateSchema } from './schemas.ts';

const q = (s: string) => new URLSearchParams(s);
const invalid = (message: string | RegExp) => (err: unknown) =>
  isCode(err, 'invalid-argument') &&
  (typeof message === 'string' ? err.message === message : message.test(err.message));

describe('query decoding', () => {
  it('parses bools as Docker does', () => {
    for (const v of ['1', 'true', 'True', 'TRUE', 'yes', 'on', 'anything'])
      assert.equal(queryBool(q(`a=${v}`), 'a'), true, v);
    for (const v of ['', '0', 'false', 'False', 'no', 'none', ' 0 '])
      assert.equal(queryBool(q(`a=${v}`), 'a'), false, v);
    assert.equal(queryBool(q(''), 'a'), false);
    assert.equal(queryBool(q(''), 'a', true), true);
    assert.equal(queryBool(q('a=0'), 'a', true), false);
  });

  it('parses ints and refuses bad ones', () => {
    assert.equal(queryInt(q('t=10'), 't'), 10);
    assert.equal(queryInt(q('t=-1'), 't'), -1);
    assert.equal(queryInt(q('t='), 't'), undefined);
    assert.equal(queryInt(q(''), 't'), undefined);
    assert.throws(() => queryInt(q('t=abc'), 't'), invalid(/"t".*"abc" is not an integer/));
    assert.throws(() => queryInt(q('t=1.5'), 't'), invalid(/not an integer/));
    assert.throws(() => queryInt(q('t=99999999999999999999'), 't'), invalid(/out of range/));
  });

  it('parses Unix timestamps with nanoseconds', () => {
    assert.equal(queryTimestamp(q('since=1700000000.5'), 'since'), 1700000000.5);
    assert.equal(queryTimestamp(q('since=1700000000'), 'since'), 1700000000);
    assert.equal(queryTimestamp(q('since=0'), 'since'), undefined);
    assert.throws(() => queryTimestamp(q('since=10m'), 'since'), invalid(/Unix timestamp/));
  });
});

describe('filters', () => {
  it('decodes the map form', () => {
    assert.deepEqual(parseFilters('{"status":{"running":true,"exited":true},"label":{"a=b":true}}'), {
      status: ['running', 'exited'],
      label: ['a=b'],
    });
  });

  it('decodes the legacy list form', () => {
    assert.deepEqual(parseFilters('{"name":["web","db"]}'), { name: ['web', 'db'] });
  });

  it('treats empty and absent as no filters', () => {
    assert.equal(queryFilters(q('')), undefined);
    assert.equal(queryFilters(q('filters=')), undefined);
    assert.deepEqual(queryFilters(q(`filters=${encodeURIComponent('{}')}`)), {});
  });

  it('refuses malformed filters', () => {
    assert.throws(() => parseFilters('{'), invalid(/^invalid filter/));
    assert.throws(() => parseFilters('["a"]'), invalid(/^invalid filter/));
    assert.throws(
      () => parseFilters('{"a":"b"}'),
      invalid('invalid filter \'a\': expected {"value":true,...} or ["value",...]'),
    );
    assert.throws(() => parseFilters('{"a":{"b":"c"}}'), invalid(/invalid filter 'a'/));
  });
});

describe('container names', () => {
  it('accepts Docker names and none', () => {
    assert.equal(validateContainerName('web-1.a_b'), 'web-1.a_b');
    assert.equal(validateContainerName('/web'), '/web');
    assert.equal(validateContainerName(''), undefined);
    assert.equal(validateContainerName(null), undefined);
  });

  it('refuses others with Docker wording', () => {
    assert.throws(
      () => validateContainerName('bad name'),
      invalid('Invalid container name (bad name), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed'),
    );
    assert.throws(() => validateContainerName('a'), invalid(/Invalid container name \(a\)/));
    assert.throws(() => validateContainerName('_web'), invalid(/Invalid container name/));
  });
});

describe('body schemas', () => {
  it('keeps known fields, drops unknown ones and zero-value nulls, normalizes StrSlice', () => {
    const out = check(containerCreateSchema, {
      Image: 'busybox',
      Cmd: 'echo hi',
      Entrypoint: null,
      Env: ['A=1'],
      Hostname: null,
      Unknown: { x: 1 },
      Labels: { a: 'b' },
      HostConfig: { Binds: null, PidsLimit: null, Memory: 0, PortBindings: {}, Init: null },
    });
    assert.deepEqual(out, {
      Image: 'busybox',
      Cmd: ['echo hi'],
      Entrypoint: null,
      Env: ['A=1'],
      Labels: { a: 'b' },
      HostConfig: { Binds: null, PidsLimit: null, Memory: 0, PortBindings: {}, Init: null },
    });
  });

  it('names the offending field', () => {
    assert.throws(
      () => check(containerCreateSchema, { Env: 'A=1' }),
      invalid('invalid JSON: Env: expected an array, got string "A=1"'),
    );
    assert.throws(
      () => check(containerCreateSchema, { Cmd: ['a', 1] }),
      invalid(/Cmd: expected a string or an array of strings/),
    );
    assert.throws(() => check(containerCreateSchema, { Tty: 'yes' }), invalid(/Tty: expected a boolean/));
    assert.throws(
      () => check(containerCreateSchema, { HostConfig: { Memory: 1.5 } }),
      invalid(/HostConfig.Memory: expected an integer/),
    );
    assert.throws(
      () => check(containerCreateSchema, { HostConfig: { Mounts: [{ Target: '/x' }] } }),
      invalid('invalid JSON: HostConfig.Mounts[0].Type is required'),
    );
    assert.throws(
      () => check(containerCreateSchema, { HostConfig: { RestartPolicy: { Name: 'sometimes' } } }),
      invalid(/RestartPolicy.Name: expected one of/),
    );
    assert.throws(() => check(containerCreateSchema, []), invalid('invalid JSON: expected an object, got array'));
    assert.throws(
      () => check(execCreateSchema, { ConsoleSize: [1] }),
      invalid(/ConsoleSize: expected an array of 2 elements/),
    );
  });
});
