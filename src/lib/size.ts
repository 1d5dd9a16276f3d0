/**
 * Sizes as Docker's go-units parses them for flags and options (RAMInBytes):
 * `4096`, `512k`, `10m`, `1.5G`, `2gb`, `64MiB`, binary multiples,
 * case-insensitive, `b`/`ib` optional.
 */

const MULT: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** The number of bytes, or go-units' error text (`invalid size: '…'`, `invalid suffix: '…'`). */
export function ramInBytes(text: string): number | string {
  const sep = Math.max(...[...'0123456789. '].map((c) => text.lastIndexOf(c)));
  const num = text.slice(0, sep + 1).trim();
  let sfx = text.slice(sep + 1).toLowerCase();
  const n = Number(num);
  if (num === '' || !/^\d*\.?\d*$/.test(num) || !Number.isFinite(n) || n < 0) return `invalid size: '${text}'`;
  if (sfx.endsWith('b')) sfx = sfx.slice(0, -1);
  if (sfx.endsWith('i')) sfx = sfx.slice(0, -1);
  const unit = MULT[sfx];
  if (unit === undefined) return `invalid suffix: '${text.slice(sep + 1)}'`;
  return Math.floor(n * unit);
}

/** {@link ramInBytes} of the trimmed text; undefined if malformed (`12q`). */
export function parseBytes(text: string): number | undefined {
  const n = ramInBytes(text.trim());
  return typeof n === 'number' ? n : undefined;
}
