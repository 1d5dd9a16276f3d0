import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hardLimits } from './rlimits.ts';

test('hard limits parse from /proc/self/limits', () => {
  const text = [
    'Limit                     Soft Limit           Hard Limit           Units',
    'Max open files            1024                 20000                files',
    'Max processes             95000                96000                processes',
    'Max core file size        0                    unlimited            bytes',
  ].join('\n');
  assert.deepEqual(hardLimits(text), { core: Number.POSITIVE_INFINITY, nofile: 20000, nproc: 96000 });
  assert.ok((hardLimits().nofile ?? 0) > 0);
});
