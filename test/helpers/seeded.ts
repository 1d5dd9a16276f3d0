/**
 * Seeded randomness for the fault and fuzz tests: the same seed replays the
 * same choices, so a failure printed with its seed can be run again.
 */

/** A seeded source of random choices (mulberry32: small, fast, good enough to pick cases). */
export interface Seeded {
  /** A number in [0, 1). */
  rand(): number;
  pick<T>(xs: readonly T[]): T;
  chance(p: number): boolean;
}

export function seeded(seed: number): Seeded {
  let a = seed >>> 0;
  const rand = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    rand,
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T,
    chance: (p) => rand() < p,
  };
}

/** The seed from `env` (to replay), else a new one. */
export function seedFrom(env: string | undefined): number {
  return Number(env ?? Date.now() % 1_000_000_000);
}
