import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ContainerRecord, newTaskState } from '../../core/containers/store.ts';
import { isCode } from '../../lib/errors.ts';
import { createdWindow, matchesFilters, parseUntil, pruneFilter, validateFilters } from './container-view.ts';

function rec(name: string, created: string, extra: Partial<ContainerRecord> = {}): ContainerRecord {
  return {
    id: `${name}`.padEnd(64, '0'),
    name,
    created,
    image: 'busybox',
    imageId: 'sha256:1',
    path: 'true',
    args: [],
    config: { ExposedPorts: { '80/tcp': {}, '53/udp': {} }, Labels: { team: name } },
    hostConfig: { NetworkMode: 'none' },
    state: newTaskState(),
    restartCount: 0,
    execIds: [],
    ...extra,
  };
}

test('ps filters: expose ranges and protocols, network, health, volume, is-task; bad values refused', () => {
  const r = rec('a', '2026-01-01T00:00:00Z', {
    mounts: [{ type: 'volume', source: 'data', destination: '/data', readonly: false, mode: '' }] as never,
  });
  assert.ok(matchesFilters(r, { expose: ['80'] }));
  assert.ok(matchesFilters(r, { expose: ['50-60/udp'] }));
  assert.ok(!matchesFilters(r, { expose: ['53'] }));
  assert.ok(matchesFilters(r, { network: ['none'], health: ['none'], 'is-task': ['false'] }));
  assert.ok(!matchesFilters(r, { 'is-task': ['true'] }));
  assert.ok(matchesFilters(r, { volume: ['data'] }) && matchesFilters(r, { volume: ['/data'] }));
  assert.ok(!matchesFilters(r, { volume: ['other'] }));
  const bads: Record<string, string[]>[] = [{ health: ['sick'] }, { 'is-task': ['maybe'] }, { colour: ['red'] }];
  for (const bad of bads) {
    assert.throws(
      () => validateFilters(bad),
      (e) => isCode(e, 'invalid-argument'),
    );
  }
});

test('before/since by another container; prune until (duration, timestamp) and label!', () => {
  const a = rec('a', '2026-01-01T00:00:00.000Z');
  const b = rec('b', '2026-01-02T00:00:00.000Z');
  const c = rec('c', '2026-01-03T00:00:00.000Z');
  const byName = new Map([a, b, c].map((r) => [r.name, r]));
  const win = createdWindow({ since: ['a'], before: ['c'] }, (n) => byName.get(n)!);
  assert.deepEqual(
    [a, b, c].filter(win).map((r) => r.name),
    ['b'],
  );
  const now = Date.parse('2026-01-03T12:00:00Z');
  assert.equal(parseUntil('36h', now), Date.parse('2026-01-02T00:00:00Z'));
  assert.equal(parseUntil('1767225600', now), Date.parse('2026-01-01T00:00:00Z'));
  const keep = pruneFilter({ until: ['24h'], 'label!': ['team=a'] }, now);
  assert.deepEqual(
    [a, b, c].filter(keep).map((r) => r.name),
    ['b'],
  );
  assert.throws(
    () => pruneFilter({ status: ['exited'] }, now),
    (e) => isCode(e, 'invalid-argument'),
  );
});
