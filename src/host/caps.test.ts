import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boundingCaps, capsFromMask } from './caps.ts';

test('capability masks map to names by bit', () => {
  assert.deepEqual(capsFromMask(0b101n, ['A', 'B', 'C', 'D']), ['A', 'C']);
  assert.deepEqual(boundingCaps(['A', 'B'], 'Name:\tx\nCapBnd:\t0000000000000002\n'), ['B']);
});
