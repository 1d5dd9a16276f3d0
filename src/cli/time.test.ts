import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goTimeUtc, humanDuration, parseGoDuration, parseTimestamp, timeAgo } from './time.ts';
import { formatG, humanSize } from './units.ts';

const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);

test('parseGoDuration() reads Go durations', () => {
  assert.equal(parseGoDuration('10m'), 600e9);
  assert.equal(parseGoDuration('1h30m'), 5400e9);
  assert.equal(parseGoDuration('1.5h'), 5400e9);
  assert.equal(parseGoDuration('300ms'), 300e6);
  assert.equal(parseGoDuration('-2s'), -2e9);
  assert.equal(parseGoDuration('0'), 0);
  assert.equal(parseGoDuration('10'), undefined);
  assert.equal(parseGoDuration('abc'), undefined);
  assert.equal(parseGoDuration(''), undefined);
});

test('parseTimestamp() takes durations back from now, RFC 3339 and Unix seconds', () => {
  assert.equal(parseTimestamp('10m', NOW), NOW / 1000 - 600);
  assert.equal(parseTimestamp('2013-01-02T13:23:37Z', NOW), Date.UTC(2013, 0, 2, 13, 23, 37) / 1000);
  assert.equal(parseTimestamp('2013-01-02T13:23:37+02:00', NOW), Date.UTC(2013, 0, 2, 11, 23, 37) / 1000);
  assert.equal(parseTimestamp('2013-01-02T13:23:37.5Z', NOW), Date.UTC(2013, 0, 2, 13, 23, 37) / 1000 + 0.5);
  assert.equal(parseTimestamp('2013-01-02', NOW), new Date(2013, 0, 2).getTime() / 1000);
  assert.equal(parseTimestamp('2013-01-02T13:23', NOW), new Date(2013, 0, 2, 13, 23).getTime() / 1000);
  assert.equal(parseTimestamp('1700000000', NOW), 1700000000);
  assert.equal(parseTimestamp('1700000000.25', NOW), 1700000000.25);
  assert.throws(() => parseTimestamp('yesterday', NOW), /failed to parse value as time or duration: "yesterday"/);
  assert.throws(() => parseTimestamp('2013-13-45-x', NOW), /invalid value for timestamp/);
});

test('humanDuration() words durations as go-units does', () => {
  const s = 1000;
  assert.equal(humanDuration(500), 'Less than a second');
  assert.equal(humanDuration(1 * s), '1 second');
  assert.equal(humanDuration(45 * s), '45 seconds');
  assert.equal(humanDuration(90 * s), 'About a minute');
  assert.equal(humanDuration(150 * s), '2 minutes');
  assert.equal(humanDuration(3600 * s), 'About an hour');
  assert.equal(humanDuration(5 * 3600 * s), '5 hours');
  assert.equal(humanDuration(3 * 86400 * s), '3 days');
  assert.equal(humanDuration(20 * 86400 * s), '2 weeks');
  assert.equal(humanDuration(100 * 86400 * s), '3 months');
  assert.equal(humanDuration(800 * 86400 * s), '2 years');
  assert.equal(timeAgo(NOW / 1000 - 150, NOW), '2 minutes ago');
  assert.equal(goTimeUtc(0), '1970-01-01 00:00:00 +0000 UTC');
});

test('humanSize() prints decimal sizes with Go’s %.3g', () => {
  assert.equal(humanSize(0), '0B');
  assert.equal(humanSize(999), '999B');
  assert.equal(humanSize(1000), '1kB');
  assert.equal(humanSize(4261000), '4.26MB');
  assert.equal(humanSize(1234567890), '1.23GB');
  assert.equal(humanSize(999950), '1e+03kB');
  assert.equal(humanSize(4261000, 4), '4.261MB');
  assert.equal(formatG(0.0001234, 3), '0.000123');
  assert.equal(formatG(12.5, 3), '12.5');
});
