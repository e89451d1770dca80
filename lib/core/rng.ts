/**
 * Seeded random numbers. Every random choice in hpe3d (shuffles, sampling, UMAP, splits)
 * takes one of these generators, so the same seed gives the same numbers.
 */

/** A uniform generator on [0, 1). */
export type Random = () => number;

/** mulberry32: small, fast, 32-bit state; good enough for shuffles and sampling. */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples by Box–Muller. */
export function normal(random: Random): number {
  let u = 0;
  while (u === 0) u = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** In-place Fisher–Yates shuffle; returns the array. */
export function shuffleInPlace<T>(a: T[] | Int32Array | Uint32Array, random: Random): typeof a {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

/** A seeded permutation of 0..n-1. */
export function permutation(n: number, random: Random): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  shuffleInPlace(p, random);
  return p;
}

/** k distinct indices out of 0..n-1 (k ≤ n), in random order. */
export function sampleIndices(n: number, k: number, random: Random): Int32Array {
  if (k > n) throw new Error(`sampleIndices: cannot draw ${k} distinct indices from ${n}`);
  return permutation(n, random).slice(0, k);
}

/**
 * A 31-bit seed derived from a run seed and labels (epoch, step…), so every random stream
 * of a run is indexed by where it is used, not drawn from a running generator: a resumed
 * run sees the same numbers as an uninterrupted one.
 */
export function deriveSeed(...parts: number[]): number {
  let h = 2166136261;
  for (const p of parts) {
    h ^= p >>> 0;
    h = Math.imul(h, 16777619);
    h ^= (p / 4294967296) >>> 0;
    h = Math.imul(h, 16777619);
  }
  return (h >>> 1) % 2147483647;
}
