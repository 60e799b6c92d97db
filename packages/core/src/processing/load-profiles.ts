import type { IdentityKey } from '../events/event.js';
import type { ProfileStore } from '../profiles/profile-store.js';
import type { ProfileCache } from './profile-cache.js';

/**
 * Brings the profiles of these identities into the cache: links resolved by the
 * store (unless a newer one was made in memory), profiles loaded in one round trip.
 * A link naming a profile the store has since merged away is dropped and resolved
 * again (two rounds at most).
 */
export async function loadIdentities(
  store: ProfileStore,
  workspaceId: string,
  cache: ProfileCache,
  identities: IdentityKey[],
): Promise<void> {
  let unresolved: IdentityKey[] = [];
  const missing = new Map<string, IdentityKey[]>();
  const need = (profileId: string, identity: IdentityKey) => {
    const waiting = missing.get(profileId);
    if (waiting === undefined) missing.set(profileId, [identity]);
    else waiting.push(identity);
  };
  for (const identity of identities) {
    const profileId = cache.resolve(identity);
    if (profileId === undefined) unresolved.push(identity);
    else if (!cache.profiles.has(profileId)) need(profileId, identity);
  }
  // Two rounds at most: a cached link may name a profile the store has since merged away.
  for (let round = 0; round < 2 && (unresolved.length > 0 || missing.size > 0); round++) {
    if (unresolved.length > 0) {
      const resolved = await store.resolveIdentities(workspaceId, unresolved);
      for (const [identity, profileId] of resolved) {
        // A link made in memory while we waited (not flushed yet) is newer than the store's.
        if (cache.getLink(identity) !== undefined) continue;
        cache.setLink(identity, profileId);
        // A profile merged away in memory (its deletion not written yet) is not loaded back:
        // the identity follows the merge to the survivor.
        const current = cache.resolve(identity) ?? profileId;
        if (!cache.profiles.has(current)) need(current, identity);
      }
      unresolved = [];
    }
    if (missing.size === 0) break;
    const loaded = await store.loadProfiles(workspaceId, [...missing.keys()]);
    for (const [profileId, waiting] of missing) {
      const profile = loaded.get(profileId);
      if (profile !== undefined) {
        if (!cache.profiles.has(profileId)) cache.addLoaded(profile);
        continue;
      }
      for (const identity of waiting) {
        // The store merged that profile away: forget the stale link (unless relinked meanwhile).
        if (cache.getLink(identity) === profileId) cache.deleteLink(identity);
        if (round === 0) unresolved.push(identity);
      }
    }
    missing.clear();
  }
}
