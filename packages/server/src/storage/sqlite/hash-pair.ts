/**
 * A 53-bit hash (cyrb53: two 32-bit multiply-xorshift lanes) of
 * `first + "\0" + second`, computed without building that string: the key of a
 * (workspace, messageId) or (workspace, identity) pair on the append path. A safe
 * integer, which SQLite stores as an 8-byte INTEGER key. Fast and well mixed, not
 * cryptographic: callers that need exactness keep a second hash (another seed)
 * or the original text to confirm a match.
 */
export function hashPair(first: string, second: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < first.length; i++) {
    const code = first.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1, 2654435761);
  h2 = Math.imul(h2, 1597334677);
  for (let i = 0; i < second.length; i++) {
    const code = second.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
