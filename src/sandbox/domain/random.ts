export type Rng = () => number;

/** mulberry32: tiny, fast and good enough for demo data; the same seed always gives the same stream. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over the joined parts, so each organisation gets its own stream from one seed. */
export function hashSeed(...parts: Array<string | number>): number {
  const text = parts.join('\u0000');
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function randomToken(rng: Rng, length: number, alphabet = ALPHANUMERIC): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(rng() * alphabet.length)];
  return out;
}

/** SPEC §1: new ids are the prefix plus 12 lowercase alphanumerics. */
export function randomId(rng: Rng, prefix: string): string {
  return prefix + randomToken(rng, 12);
}

export function intBetween(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)];
}

export function chance(rng: Rng, probability: number): boolean {
  return rng() < probability;
}

/** Picks by weight; `weights` pairs each value with a relative weight. */
export function weighted<T>(rng: Rng, weights: ReadonlyArray<readonly [T, number]>): T {
  let total = 0;
  for (const [, w] of weights) total += w;
  let roll = rng() * total;
  for (const [value, w] of weights) {
    roll -= w;
    if (roll < 0) return value;
  }
  return weights[weights.length - 1][0];
}

export function sample<T>(rng: Rng, items: readonly T[], count: number): T[] {
  const pool = items.slice();
  const out: T[] = [];
  while (out.length < count && pool.length > 0) out.push(pool.splice(Math.floor(rng() * pool.length), 1)[0]);
  return out;
}

/** Request and event ids need no reproducibility, and must not disturb the seeded streams. */
export const unseeded: Rng = Math.random;
