import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeFrame, FrameDecoder } from './stdcopy.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

test('frames round-trip across arbitrary splits', () => {
  const a = encodeFrame({ stream: 'stdout', data: enc.encode('hello\n') });
  const b = encodeFrame({ stream: 'stderr', data: enc.encode('oops') });
  const all = new Uint8Array([...a, ...b]);
  for (let cut = 0; cut <= all.length; cut++) {
    const d = new FrameDecoder();
    const got = [...d.push(all.subarray(0, cut)), ...d.push(all.subarray(cut))];
    assert.deepEqual(
      got.map((c) => [c.stream, dec.decode(c.data)]),
      [
        ['stdout', 'hello\n'],
        ['stderr', 'oops'],
      ],
    );
    assert.equal(d.pending, 0);
  }
});

test('header carries stream and big-endian size', () => {
  const f = encodeFrame({ stream: 'stderr', data: new Uint8Array(258) });
  assert.deepEqual([...f.subarray(0, 8)], [2, 0, 0, 0, 0, 0, 1, 2]);
});
