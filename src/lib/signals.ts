/** Signal names and numbers as Docker accepts them (`KILL`, `SIGKILL`, `9`). */
import { constants } from 'node:os';
import { invalidArgument } from './errors.ts';

const byName = constants.signals as Record<string, number>;

/** Parses a signal; throws 'invalid-argument' with Docker's wording for unknown ones. */
export function parseSignal(sig: string): number {
  const s = sig.trim();
  if (/^\d+$/.test(s)) {
    const n = Number.parseInt(s, 10);
    if (n >= 1 && n <= 64) return n;
  } else {
    const name = s.toUpperCase().startsWith('SIG') ? s.toUpperCase() : `SIG${s.toUpperCase()}`;
    const n = byName[name];
    if (n !== undefined) return n;
  }
  throw invalidArgument(`Invalid signal: ${sig}`);
}
