import type { IdentityKey } from '../events/event.js';
import type { ProfileState } from '../profiles/profile.js';

/** What one flush takes from a cache (see ProfileCache.takePending). */
export interface PendingWrites {
  dirty: string[];
  links: [IdentityKey, string][];
  deleted: [string, string][];
}

/**
 * The processor's hot state for one workspace: profiles by id and identities to
 * profile ids, with the set of profiles changed since the last flush took them. Clean
 * profiles are evicted oldest-used first when the cache is over its capacity.
 */
export class ProfileCache {
  readonly profiles = new Map<string, ProfileState>();
  /**
   * Identity links by kind, keyed by the raw id: the key is the very string the
   * profile holds (userId, anonymousIds), so a link costs a map entry, not a copy.
   */
  private readonly users = new Map<string, string>();
  private readonly anonymous = new Map<string, string>();
  readonly dirty = new Set<string>();
  readonly dirtyLinks = new Map<IdentityKey, string>();
  readonly deleted = new Map<string, string>();

  /** `onLoad` sees each profile read from the store before it is cached (e.g. to share strings). */
  constructor(private readonly onLoad?: (profile: ProfileState) => void) {}

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
    let profileId = this.getLink(identity);
    for (let hops = 0; profileId !== undefined && hops < 16; hops++) {
      const mergedInto = this.deleted.get(profileId);
      if (mergedInto === undefined) break;
      profileId = mergedInto;
    }
    return profileId;
  }

  /** The profile id linked to an identity, without following merges. */
  getLink(identity: IdentityKey): string | undefined {
    return this.linksOf(identity).get(identity.slice(2));
  }

  /** Links an identity in memory only (what the store already holds). */
  setLink(identity: IdentityKey, profileId: string, id = identity.slice(2)): void {
    this.linksOf(identity).set(id, profileId);
  }

  deleteLink(identity: IdentityKey): void {
    this.linksOf(identity).delete(identity.slice(2));
  }

  /** Adds a profile loaded from the store, with the identities it lists. */
  addLoaded(profile: ProfileState): void {
    this.onLoad?.(profile);
    this.profiles.set(profile.id, profile);
    if (profile.userId !== undefined) keepLink(this.users, profile.userId, profile.id);
    for (const anonymousId of profile.anonymousIds)
      keepLink(this.anonymous, anonymousId, profile.id);
  }

  /** Links an identity and remembers to write the link at the next flush. */
  link(identity: IdentityKey, profileId: string, id = identity.slice(2)): void {
    this.setLink(identity, profileId, id);
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

  /**
   * Takes what a flush writes. Changed profiles count as clean from now on, until
   * they change again; links and merges stay in place (lookups follow them, and the
   * store does not have them yet) until `committed` says they are written.
   */
  takePending(): PendingWrites {
    const taken: PendingWrites = {
      dirty: [...this.dirty],
      links: [...this.dirtyLinks],
      deleted: [...this.deleted],
    };
    this.dirty.clear();
    return taken;
  }

  /** The flush that took `taken` is written: its links and merges are the store's now, unless changed since. */
  committed(taken: PendingWrites): void {
    for (const [identity, profileId] of taken.links) {
      if (this.dirtyLinks.get(identity) === profileId) this.dirtyLinks.delete(identity);
    }
    for (const [profileId, mergedInto] of taken.deleted) {
      if (this.deleted.get(profileId) === mergedInto) this.deleted.delete(profileId);
    }
  }

  /**
   * The flush that took `taken` failed: its profiles still in memory are changed
   * again, so the next flush writes their current state (which includes all the
   * failed one held). Those merged away since are written as deletions instead.
   */
  failed(taken: PendingWrites): void {
    for (const profileId of taken.dirty) {
      if (this.profiles.has(profileId)) this.dirty.add(profileId);
    }
  }

  /** Drops the clean profiles loaded longest ago until at most `capacity` remain. */
  evict(capacity: number): number {
    let evicted = 0;
    if (this.profiles.size <= capacity) return evicted;
    for (const [profileId, profile] of this.profiles) {
      if (this.profiles.size <= capacity) break;
      if (this.dirty.has(profileId)) continue;
      this.profiles.delete(profileId);
      if (profile.userId !== undefined && this.users.get(profile.userId) === profileId) {
        this.users.delete(profile.userId);
      }
      for (const anonymousId of profile.anonymousIds) {
        if (this.anonymous.get(anonymousId) === profileId) this.anonymous.delete(anonymousId);
      }
      evicted++;
    }
    return evicted;
  }

  private linksOf(identity: IdentityKey): Map<string, string> {
    return identity.charCodeAt(0) === 117 /* 'u' */ ? this.users : this.anonymous;
  }
}

/** Sets the link unless one exists; an existing entry gets the profile's own string as key. */
function keepLink(links: Map<string, string>, id: string, profileId: string): void {
  const existing = links.get(id);
  if (existing !== undefined && existing !== profileId) return;
  // Re-inserting makes the profile's string the key, so the store's copy can be collected.
  links.delete(id);
  links.set(id, profileId);
}
