import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openDb } from '../db.ts';
import { type ContainerRecord, ContainerStore, newTaskState, validateName } from './store.ts';

function rec(id: string, name: string): ContainerRecord {
  return {
    id,
    name,
    created: new Date().toISOString(),
    image: 'busybox',
    imageId: 'sha256:1',
    path: 'sh',
    args: [],
    config: {},
    hostConfig: {},
    state: newTaskState(),
    restartCount: 0,
    execIds: [],
  };
}

test('names are unique, lookups by id, prefix and name, records survive reopening', () => {
  const db = openDb(':memory:');
  const s = new ContainerStore(db);
  s.insert(rec('aaa111', 'one'));
  s.insert(rec('aab222', 'two'));
  assert.throws(
    () => s.insert(rec('ccc', 'one')),
    (e: Error & { code?: string }) => e.code === 'conflict',
  );
  assert.equal(s.get('/one').id, 'aaa111');
  assert.equal(s.get('aab').name, 'two');
  assert.throws(() => s.get('aa'), /multiple IDs/);
  assert.throws(() => s.get('zzz'), /No such container: zzz/);
  const again = new ContainerStore(db);
  assert.equal(again.all().length, 2);
  again.delete('aaa111');
  assert.equal(again.find('one'), undefined);
});

test('container names as Docker validates them', () => {
  assert.equal(validateName('/web_1.a-b'), 'web_1.a-b');
  assert.throws(() => validateName('bad name'), /Invalid container name/);
  assert.throws(() => validateName('a'), /Invalid container name/);
});
