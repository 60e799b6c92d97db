import { anonymousIdentity, userIdentity, type IdentityKey } from '../events/event.js';
import type { ProfileState } from '../profiles/profile.js';

/**
 * The processor's hot state for one workspace: profiles by id and identities to
 * profile ids, with the set of profiles changed since the last flush. Clean
 * profiles are evicted oldest-used first when the cache is over its capacity.
 */
export class ProfileCache {
  readonly profiles = new Map<string, ProfileState>();
  readonly identities = new Map<IdentityKey, string>();
  readonly dirty = new Set<string>();
  readonly dirtyLinks = new Map<IdentityKey, string>();
  readonly deleted = new Map<string, string>();

  get(profileId: string): ProfileState | undefined {
    // No reordering per lookup (it runs several times per event): eviction takes the
    // profiles loaded longest ago among the clean ones, and active ones are dirty.
    return this.profiles.get(profileId);
  }

  lookup(identity: IdentityKey): ProfileState | undefined {
    const profileId = this.resolve(identity);
    return profileId === undefined ? undefined : this.get(profileId);
  }

  /** The profile id an identity names, following merges made since the last flush. */
  resolve(identity: IdentityKey): string | undefined {
    let profileId = this.identities.get(identity);
    for (let hops = 0; profileId !== undefined && hops < 16; hops++) {
      const mergedInto = this.deleted.get(profileId);
      if (mergedInto === undefined) break;
      profileId = mergedInto;
    }
    return profileId;
  }

  /** Adds a profile loaded from the store, with the identities it lists. */
  addLoaded(profile: ProfileState): void {
    this.profiles.set(profile.id, profile);
    for (const identity of identitiesOfProfile(profile)) {
      if (!this.identities.has(identity)) this.identities.set(identity, profile.id);
    }
  }

  link(identity: IdentityKey, profileId: string): void {
    this.identities.set(identity, profileId);
    this.dirtyLinks.set(identity, profileId);
  }

  markDirty(profileId: string): void {
    this.dirty.add(profileId);
  }

  remove(profileId: string, mergedInto: string): void {
    this.profiles.delete(profileId);
    this.dirty.delete(profileId);
    this.deleted.set(profileId, mergedInto);
  }

  clearPending(): void {
    this.dirty.clear();
    this.dirtyLinks.clear();
    this.deleted.clear();
  }

  /** Drops the clean profiles loaded longest ago until at most `capacity` remain. */
  evict(capacity: number): number {
    let evicted = 0;
    if (this.profiles.size <= capacity) return evicted;
    for (const [profileId, profile] of this.profiles) {
      if (this.profiles.size <= capacity) break;
      if (this.dirty.has(profileId)) continue;
      this.profiles.delete(profileId);
      for (const identity of identitiesOfProfile(profile)) {
        if (this.identities.get(identity) === profileId) this.identities.delete(identity);
      }
      evicted++;
    }
    return evicted;
  }
}

export function identitiesOfProfile(profile: ProfileState): IdentityKey[] {
  const keys = profile.anonymousIds.map(anonymousIdentity);
  if (profile.userId !== undefined) keys.push(userIdentity(profile.userId));
  return keys;
}
