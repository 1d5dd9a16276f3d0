import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseLogLine, readLog, toRfc3339Nano } from './logs.ts';

test('parses full and partial k8s-file lines', () => {
  assert.deepEqual(parseLogLine('2026-11-22T06:16:21.892216798+00:00 stdout F hi there'), {
    time: '2026-11-22T06:16:21.892216798+00:00',
    ms: Date.parse('2026-11-22T06:16:21.892216798+00:00'),
    stream: 'stdout',
    data: 'hi there\n',
  });
  assert.equal(parseLogLine('2026-11-22T06:16:21.8+00:00 stderr P part')?.data, 'part');
  assert.equal(parseLogLine('garbage'), undefined);
});

test('timestamps render as Docker RFC3339Nano in UTC', () => {
  assert.equal(toRfc3339Nano('2026-11-22T06:16:21.892216790+00:00'), '2026-11-22T06:16:21.89221679Z');
  assert.equal(toRfc3339Nano('2026-11-22T08:16:21.5+02:00'), '2026-11-22T06:16:21.5Z');
});

test('readLog reads what is there, and follows until done', async () => {
  const dir = mkdtempSync('/tmp/berth-logs-');
  const path = join(dir, 'log');
  writeFileSync(path, '2026-11-22T06:16:21.1+00:00 stdout F a\n');
  const got: string[] = [];
  for await (const r of readLog(path, { follow: false, done: Promise.resolve() })) got.push(r.data);
  assert.deepEqual(got, ['a\n']);

  let finish!: () => void;
  const done = new Promise<void>((r) => {
    finish = r;
  });
  const followed: string[] = [];
  const reader = (async () => {
    for await (const r of readLog(path, { follow: true, done })) followed.push(r.data);
  })();
  await new Promise((r) => setTimeout(r, 50));
  writeFileSync(path, '2026-11-22T06:16:22.1+00:00 stderr F b\n', { flag: 'a' });
  await new Promise((r) => setTimeout(r, 50));
  finish();
  await reader;
  assert.deepEqual(followed, ['a\n', 'b\n']);
  rmSync(dir, { recursive: true });
});
