import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventMessage } from '../../engine/types.ts';
import { isCode } from '../../lib/errors.ts';
import { createEventBus, HISTORY_LIMIT, matchesEvent, validateEventFilters } from './bus.ts';

function clock(startSeconds: number) {
  let ns = BigInt(startSeconds) * 1_000_000_000n;
  return {
    now: () => ns,
    advance: (seconds: number) => {
      ns += BigInt(seconds * 1e9);
    },
  };
}

async function collect(it: AsyncIterable<EventMessage>): Promise<string[]> {
  const out: string[] = [];
  for await (const e of it) out.push(`${e.Type}:${e.Action}:${e.Actor.Attributes.name ?? e.Actor.ID}`);
  return out;
}

test('since/until replay the recorded window; without since nothing old is sent', async () => {
  const c = clock(1000);
  const bus = createEventBus({ now: c.now });
  bus.publish({ type: 'container', action: 'create', id: 'a1', attributes: { name: 'a' } });
  c.advance(10);
  bus.publish({ type: 'container', action: 'start', id: 'a1', attributes: { name: 'a' } });
  c.advance(10);
  bus.publish({ type: 'image', action: 'tag', id: 'sha256:1', attributes: { name: 'x:1' } });
  c.advance(10);
  assert.deepEqual(await collect(bus.subscribe({ since: 1005, until: 1025 })), ['container:start:a', 'image:tag:x:1']);
  assert.deepEqual(await collect(bus.subscribe({ since: 0, until: 1001 })), ['container:create:a']);
  assert.deepEqual(await collect(bus.subscribe({ until: 1029 })), []);
  assert.equal(bus.listeners, 0);
});

test('live events reach a subscriber until its signal aborts; legacy fields for containers', async () => {
  const bus = createEventBus();
  const ac = new AbortController();
  const it = bus.subscribe({ signal: ac.signal, filters: { type: ['container'] } })[Symbol.asyncIterator]();
  const first = it.next();
  bus.publish({ type: 'image', action: 'tag', id: 'sha256:1' });
  bus.publish({ type: 'container', action: 'die', id: 'c1', attributes: { image: 'busybox', exitCode: '3' } });
  const e = (await first).value as EventMessage;
  assert.equal(e.Action, 'die');
  assert.equal(e.status, 'die');
  assert.equal(e.id, 'c1');
  assert.equal(e.from, 'busybox');
  assert.equal(e.Actor.Attributes.exitCode, '3');
  assert.equal(bus.listeners, 1);
  const rest = it.next();
  ac.abort();
  assert.equal((await rest).done, true);
  assert.equal(bus.listeners, 0);
});

test("Docker's filter semantics", () => {
  const bus = createEventBus();
  const c = bus.publish({
    type: 'container',
    action: 'exec_start: sh -c true',
    id: 'abcdef123',
    attributes: { name: 'web', image: 'busybox:latest', team: 'blue' },
  });
  const img = bus.publish({ type: 'image', action: 'untag', id: 'sha256:99', attributes: { name: 'busybox:1' } });
  assert.ok(matchesEvent(c, { container: ['abc'] }), 'ID prefix');
  assert.ok(matchesEvent(c, { container: ['web'] }), 'name');
  assert.ok(!matchesEvent(img, { container: ['web'] }), 'a container filter excludes other actors');
  assert.ok(matchesEvent(c, { event: ['exec_start'] }), 'exec_start matches its suffixed form');
  assert.ok(!matchesEvent(c, { event: ['exec'] }));
  assert.ok(matchesEvent(c, { image: ['busybox'] }), 'image without its tag');
  assert.ok(matchesEvent(img, { image: ['busybox:1'] }));
  assert.ok(matchesEvent(img, { image: ['sha256:99'] }));
  assert.ok(matchesEvent(c, { label: ['team=blue', 'team'] }));
  assert.ok(!matchesEvent(c, { label: ['team=red'] }));
  assert.ok(matchesEvent(c, { type: ['image', 'container'], event: ['die', 'exec_start'] }));
  assert.ok(!matchesEvent(img, { type: ['container'] }));
  assert.throws(
    () => validateEventFilters({ colour: ['red'] }),
    (e) => isCode(e, 'invalid-argument'),
  );
});

test('history is bounded', async () => {
  const c = clock(1);
  const bus = createEventBus({ now: c.now });
  for (let i = 0; i < HISTORY_LIMIT + 10; i++) bus.publish({ type: 'container', action: 'start', id: String(i) });
  c.advance(1);
  const all = await collect(bus.subscribe({ since: 0, until: 2 }));
  assert.equal(all.length, HISTORY_LIMIT);
  assert.equal(all[0], 'container:start:10');
});
