// The user's consent by category (Segment's categoryPreferences), kept in storage.
import { parseOr } from './safe-json.js';
import type { CategoryPreferences, StorageLike } from './types.js';

export type ConsentStatus = 'granted' | 'refused' | 'unknown';

export interface ConsentState {
  get(): CategoryPreferences;
  /** Merges: categories not named keep their answer (as the engine's stored consent does). */
  set(preferences: CategoryPreferences): void;
  /** All granted → granted; any refused → refused; else unknown. No categories → granted. */
  statusOf(categories: readonly string[]): ConsentStatus;
  clear(): void;
}

export function createConsentState(options: {
  storage: StorageLike;
  key: string;
  initial: CategoryPreferences | undefined;
}): ConsentState {
  const { storage, key } = options;
  let preferences = onlyBooleans(options.initial ?? parseOr<unknown>(storage.getItem(key), {}));
  const save = () => {
    try {
      storage.setItem(key, JSON.stringify(preferences));
    } catch {
      // Storage unavailable: the answers live for this page only.
    }
  };
  if (options.initial !== undefined) save();
  return {
    get: () => ({ ...preferences }),
    set(next) {
      preferences = { ...preferences, ...onlyBooleans(next) };
      save();
    },
    statusOf(categories) {
      let status: ConsentStatus = 'granted';
      for (const category of categories) {
        const answer = Object.prototype.hasOwnProperty.call(preferences, category)
          ? preferences[category]
          : undefined;
        if (answer === false) return 'refused';
        if (answer === undefined) status = 'unknown';
      }
      return status;
    },
    clear() {
      preferences = {};
      storage.removeItem(key);
    },
  };
}

/** Keeps boolean answers only, in a prototype-free copy. */
export function onlyBooleans(value: unknown): CategoryPreferences {
  const result: CategoryPreferences = {};
  if (typeof value !== 'object' || value === null) return result;
  for (const [category, answer] of Object.entries(value)) {
    if (typeof answer === 'boolean' && category !== '__proto__') result[category] = answer;
  }
  return result;
}
