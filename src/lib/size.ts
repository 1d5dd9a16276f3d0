/** Sizes as Docker's go-units parses them for flags and options. */

const MULT: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/**
 * Docker's RAMInBytes: `4096`, `512k`, `10m`, `1.5G`, `2gb`, `64MiB` (binary
 * multiples); undefined if malformed (`12q`).
 */
export function parseBytes(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?$/i.exec(text.trim());
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * (MULT[(m[2] ?? '').toLowerCase()] ?? 1));
}
