/**
 * Sticky bucketing (docs/decisions/0025-flag-bucketing.md): a user's bucket for a
 * flag is a pure function of the flag's salt and the targeting key, so the same user
 * gets the same bucket on every node and after every restart:
 *
 *   h1     = FNV-1a 32 (salt + targetingKey)     over UTF-16 code units
 *   h2     = FNV-1a 32 (decimal string of h1)
 *   bucket = h2 mod 10 000                        0 … 9 999
 *
 * This is GrowthBook's hash version 2 (hash(seed, value, 2) × 10 000), so a flag
 * salted with a GrowthBook feature's seed buckets users as GrowthBook does.
 * Cases: spec/flags/hashing.json.
 */

export const BUCKETS = 10_000;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a 32 state after `text`, continuing from `state` (unsigned). */
export function fnv1a32(text: string, state = FNV_OFFSET): number {
  let hash = state;
  for (let i = 0; i < text.length; i++) {
    hash = Math.imul(hash ^ text.charCodeAt(i), FNV_PRIME);
  }
  return hash >>> 0;
}

/** The bucket of `key` under `salt` (0 … 9 999). */
export function flagBucket(salt: string, key: string): number {
  return bucketFromState(fnv1a32(salt), key);
}

/**
 * The bucket from the FNV state after the salt (computed once per flag when it is
 * compiled): hashes only the key, and the digits of h1 without making a string.
 */
export function bucketFromState(saltState: number, key: string): number {
  const h1 = fnv1a32(key, saltState);
  let divisor = 1;
  while (divisor * 10 <= h1) divisor *= 10;
  let hash = FNV_OFFSET;
  for (; divisor >= 1; divisor /= 10) {
    const digit = Math.floor(h1 / divisor) % 10;
    hash = Math.imul(hash ^ (48 + digit), FNV_PRIME);
  }
  return (hash >>> 0) % BUCKETS;
}
