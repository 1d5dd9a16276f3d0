/**
 * Time on the command line as the docker CLI reads and writes it: Go
 * durations (`1h30m`, `10s`), `--since`/`--until` values (a duration back
 * from now, an RFC 3339-like timestamp, or Unix seconds), and the human
 * durations of `ps` and `images` ("2 minutes ago").
 */
import { UsageError } from './argv.ts';

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Parses a Go duration (`300ms`, `-1.5h`, `2h45m`) to nanoseconds; undefined when it is not one. */
export function parseGoDuration(text: string): number | undefined {
  const m = /^([+-]?)(.*)$/.exec(text);
  if (m === null) return undefined;
  const [, sign, rest] = m as unknown as [string, string, string];
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  while (at < rest.length) {
    part.lastIndex = at;
    const p = part.exec(rest);
    if (p === null) return undefined;
    total += Number(p[1]) * UNIT_NS[p[2]!]!;
    at = part.lastIndex;
  }
  return sign === '-' ? -total : total;
}

/**
 * A `--since`/`--until` value as Unix seconds (fractional), the way the docker
 * CLI's GetTimestamp reads it: a Go duration counts back from `now`; a date or
 * date-time without a zone is local time; with `Z` or an offset it is exact;
 * anything else must be Unix seconds (`1700000000` or `1700000000.5`).
 */
export function parseTimestamp(value: string, nowMs: number): number {
  const d = parseGoDuration(value);
  if (d !== undefined && value !== '0') return Math.floor((nowMs - d / 1e6) / 1000);
  const t = parseDateTime(value);
  if (t !== undefined) return t;
  if (value.includes('-')) throw new UsageError(`invalid value for timestamp: "${value}"`);
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  throw new UsageError(`failed to parse value as time or duration: "${value}"`);
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(\.\d+)?)?)?)?(Z|z|[+-]\d{2}:\d{2})?$/;

/** RFC 3339 and its shorter forms (`2013-01-02`, `2013-01-02T13`, `…T13:23`) to Unix seconds. */
function parseDateTime(value: string): number | undefined {
  const m = DATE_TIME.exec(value);
  if (m === null) return undefined;
  const n = (i: number) => (m[i] === undefined ? 0 : Number(m[i]));
  const [y, mo, d, h, mi, s] = [n(1), n(2), n(3), n(4), n(5), n(6)];
  const frac = m[7] === undefined ? 0 : Number(m[7]);
  const zone = m[8];
  let ms: number;
  if (zone === undefined) {
    ms = new Date(y, mo - 1, d, h, mi, s).getTime();
  } else {
    ms = Date.UTC(y, mo - 1, d, h, mi, s);
    if (zone !== 'Z' && zone !== 'z') {
      const sign = zone.startsWith('-') ? -1 : 1;
      const [zh, zm] = zone.slice(1).split(':').map(Number) as [number, number];
      ms -= sign * (zh * 60 + zm) * 60_000;
    }
  }
  if (Number.isNaN(ms)) return undefined;
  return ms / 1000 + frac;
}

/** Go's units.HumanDuration: "Less than a second", "About a minute", "3 hours", "2 weeks"… */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 3_600_000);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(ms / 3_600_000 / 24 / 365)} years`;
}

/** "2 minutes ago" for a Unix time in seconds. */
export function timeAgo(unixSeconds: number, nowMs: number): string {
  return `${humanDuration(nowMs - unixSeconds * 1000)} ago`;
}

/** Go's time.Time.String() in UTC, as Docker's CreatedAt: "2024-01-02 15:04:05 +0000 UTC". */
export function goTimeUtc(unixSeconds: number): string {
  const iso = new Date(unixSeconds * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} +0000 UTC`;
}
