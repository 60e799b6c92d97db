/**
 * A reproducible random source per (experiment, user): a seeded generator (mulberry32)
 * seeded with FNV-1a of the experiment key and the user id. With it, `chooseArm` gives the
 * same arm for the same user and the same state, so a choice can be replayed or explained;
 * stickiness across state changes comes from the engine's stored assignment, not from this.
 */
import { createSeededRandom } from '../../clustering/seeded-random.js';
import { fnv1a32 } from '../../flags/flag-bucket.js';
import type { RandomSource } from './bandit-types.js';

export function createUserRandom(experimentKey: string, userId: string): RandomSource {
  // The separator keeps ("ab", "c") and ("a", "bc") apart.
  return createSeededRandom(fnv1a32(userId, fnv1a32(`${experimentKey}\u0000`)));
}
