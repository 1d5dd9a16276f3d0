import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyProbe, effectiveHealthcheck, goDuration, healthcheckProblem, newHealth } from './health.ts';
import { mergeHealthcheck } from './container-config.ts';

const at = (ms: number) => new Date(1_000_000 + ms);
const result = (code: number, ms: number) => ({ exitCode: code, output: 'out', start: at(ms), end: at(ms + 1) });

test("Docker's defaults, CMD and CMD-SHELL, NONE disables", () => {
  assert.deepEqual(effectiveHealthcheck({ Test: ['CMD-SHELL', 'curl -f x'] }), {
    args: ['/bin/sh', '-c', 'curl -f x'],
    intervalMs: 30_000,
    timeoutMs: 30_000,
    startPeriodMs: 0,
    startIntervalMs: 5_000,
    retries: 3,
  });
  assert.deepEqual(effectiveHealthcheck({ Test: ['CMD', 'true'], Interval: 1e9, Retries: 1 })?.args, ['true']);
  assert.equal(effectiveHealthcheck({ Test: ['NONE'] }), undefined);
  assert.equal(effectiveHealthcheck(undefined), undefined);
  assert.match(healthcheckProblem({ Interval: 10 }) ?? '', /cannot be less than 1ms/);
  assert.equal(goDuration(300), '300ms');
  assert.equal(goDuration(90_000), '1m30s');
});

test('retries failures make it unhealthy; start-period failures do not count; a success heals', () => {
  const o = { retries: 2, startedAtMs: 1_000_000, startPeriodMs: 100 };
  let h = applyProbe(newHealth(), result(1, 50), o);
  assert.deepEqual([h.Status, h.FailingStreak], ['starting', 0]);
  h = applyProbe(h, result(1, 150), o);
  assert.deepEqual([h.Status, h.FailingStreak], ['starting', 1]);
  h = applyProbe(h, result(1, 250), o);
  assert.deepEqual([h.Status, h.FailingStreak], ['unhealthy', 2]);
  h = applyProbe(h, result(0, 350), o);
  assert.deepEqual([h.Status, h.FailingStreak], ['healthy', 0]);
  for (let i = 0; i < 10; i++) h = applyProbe(h, result(0, 400 + i), o);
  assert.equal(h.Log.length, 5);
});

test("a request's health check takes the image's fields it leaves empty", () => {
  const image = { Test: ['CMD', 'check'], Interval: 5e9, Retries: 4 };
  assert.deepEqual(mergeHealthcheck(image, { Interval: 1e9 }), {
    Test: ['CMD', 'check'],
    Interval: 1e9,
    Timeout: undefined,
    StartPeriod: undefined,
    StartInterval: undefined,
    Retries: 4,
  });
  assert.deepEqual(mergeHealthcheck(image, { Test: ['NONE'] }), { Test: ['NONE'] });
  assert.equal(mergeHealthcheck(image, undefined), image);
});
