/**
 * A small seeded PRNG (mulberry32): clustering runs must be reproducible, so
 * every random choice they make (k-means++ seeds, the silhouette sample) is
 * drawn from a generator seeded by the run's options, never from Math.random.
 */

/** Returns a generator of floats in [0, 1); the same seed gives the same sequence. */
export function createSeededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `size` distinct indices in [0, n), drawn uniformly (a partial Fisher–Yates
 * shuffle), in ascending order.
 */
export function sampleIndices(n: number, size: number, random: () => number): number[] {
  const pool = Array.from({ length: n }, (_, index) => index);
  const count = Math.min(size, n);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (n - i));
    const picked = pool[j] as number;
    pool[j] = pool[i] as number;
    pool[i] = picked;
  }
  return pool.slice(0, count).sort((a, b) => a - b);
}
