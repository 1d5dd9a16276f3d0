import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { IoSession, OutputChunk } from '../engine/types.ts';
import { escapeScanner, parseDetachKeys, pumpSession } from './stdio.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

test('parseDetachKeys() reads Docker’s key syntax', () => {
  assert.deepEqual([...parseDetachKeys('ctrl-p,ctrl-q')], [16, 17]);
  assert.deepEqual([...parseDetachKeys('ctrl-a,x,ctrl-@,ctrl-[')], [1, 120, 0, 27]);
  assert.throws(() => parseDetachKeys('ctrl-1'), /Unknown character/);
  assert.throws(() => parseDetachKeys('abc'), /Unknown character/);
});

test('escapeScanner() finds the sequence across chunks and releases false starts', () => {
  const scan = escapeScanner(new Uint8Array([16, 17]));
  assert.deepEqual(scan(new Uint8Array([97, 16])), { pass: new Uint8Array([97]), detached: false });
  assert.deepEqual(scan(new Uint8Array([98])), { pass: new Uint8Array([16, 98]), detached: false });
  assert.deepEqual(scan(new Uint8Array([16, 16])), { pass: new Uint8Array([16]), detached: false });
  assert.deepEqual(scan(new Uint8Array([17, 99])), { pass: new Uint8Array([]), detached: true });
});

/** A session whose output is fed by the test and whose input is recorded. */
function fakeSession() {
  const written: string[] = [];
  const events: string[] = [];
  const queue: (OutputChunk | null)[] = [];
  let wake: (() => void) | undefined;
  const emit = (c: OutputChunk | null) => {
    queue.push(c);
    wake?.();
  };
  const output = (async function* () {
    for (;;) {
      while (queue.length === 0) await new Promise<void>((r) => (wake = r));
      const next = queue.shift();
      if (next === null || next === undefined) return;
      yield next;
    }
  })();
  const session: IoSession = {
    tty: false,
    output,
    write: (d) => written.push(dec.decode(d)),
    closeStdin: () => events.push('closeStdin'),
    close: () => {
      events.push('close');
      emit(null);
    },
  };
  return { session, written, events, emit };
}

function sink() {
  const chunks: string[] = [];
  return { chunks, write: (d: Uint8Array) => chunks.push(dec.decode(d)) > 0, once: () => undefined };
}

function fakeStdin() {
  const e = new EventEmitter() as EventEmitter & { isTTY?: boolean; resume(): void; pause(): void };
  e.resume = () => {};
  e.pause = () => {};
  return e;
}

test('pumpSession() relays stdin, half-closes at EOF and returns when output ends', async () => {
  const { session, written, events, emit } = fakeSession();
  const stdin = fakeStdin();
  const out = sink();
  const err = sink();
  const done = pumpSession({
    session,
    stdin: stdin as unknown as NodeJS.ReadStream,
    stdout: out,
    stderr: err,
    raw: false,
  });
  stdin.emit('data', Buffer.from('hello'));
  stdin.emit('end');
  emit({ stream: 'stdout', data: enc.encode('a') });
  emit({ stream: 'stderr', data: enc.encode('b') });
  emit(null);
  assert.equal(await done, 'ended');
  assert.deepEqual(written, ['hello']);
  assert.deepEqual(events, ['closeStdin']);
  assert.deepEqual(out.chunks, ['a']);
  assert.deepEqual(err.chunks, ['b']);
});

test('pumpSession() detaches on the key sequence and closes the session', async () => {
  const { session, written, events } = fakeSession();
  const stdin = fakeStdin();
  const done = pumpSession({
    session,
    stdin: stdin as unknown as NodeJS.ReadStream,
    stdout: sink(),
    stderr: sink(),
    raw: false,
    detachKeys: new Uint8Array([16, 17]),
  });
  stdin.emit('data', Buffer.from([104, 16]));
  stdin.emit('data', Buffer.from([17]));
  assert.equal(await done, 'detached');
  assert.deepEqual(written, ['h']);
  assert.deepEqual(events, ['close']);
});

test('pumpSession() without stdin half-closes at once, as the docker CLI does', async () => {
  const { session, events, emit } = fakeSession();
  const done = pumpSession({ session, stdout: sink(), stderr: sink(), raw: false });
  emit(null);
  assert.equal(await done, 'ended');
  assert.deepEqual(events, ['closeStdin']);
});
