import type { IdentityKey } from '../events/event.js';
import type { ProfileState } from './profile.js';
import type { ProfileStore } from './profile-store.js';

interface WorkspaceProfiles {
  profiles: Map<string, ProfileState>;
  /** identity → profileId */
  links: Map<IdentityKey, string>;
  /** profileId → its identities, to repoint them on a merge without a scan. */
  linksByProfile: Map<string, Set<IdentityKey>>;
}

/**
 * Profiles, identity links and checkpoints in memory: real code for tests and
 * simulations. A commit is validated and copied before anything changes, so it
 * applies entirely or not at all; states are copied in and out (structuredClone).
 */
export function createMemoryProfileStore(): ProfileStore {
  const workspaces = new Map<string, WorkspaceProfiles>();
  const checkpoints = new Map<number, number>();
  let closed = false;

  function workspace(id: string): WorkspaceProfiles {
    let found = workspaces.get(id);
    if (!found) {
      found = { profiles: new Map(), links: new Map(), linksByProfile: new Map() };
      workspaces.set(id, found);
    }
    return found;
  }

  function link(ws: WorkspaceProfiles, identity: IdentityKey, profileId: string): void {
    const previous = ws.links.get(identity);
    if (previous !== undefined) ws.linksByProfile.get(previous)?.delete(identity);
    ws.links.set(identity, profileId);
    let set = ws.linksByProfile.get(profileId);
    if (!set) ws.linksByProfile.set(profileId, (set = new Set()));
    set.add(identity);
  }

  function remove(ws: WorkspaceProfiles, profileId: string, mergedInto: string | undefined): void {
    ws.profiles.delete(profileId);
    const identities = ws.linksByProfile.get(profileId);
    if (!identities) return;
    ws.linksByProfile.delete(profileId);
    for (const identity of identities) {
      if (mergedInto === undefined) ws.links.delete(identity);
      else link(ws, identity, mergedInto);
    }
  }

  function assertOpen(): void {
    if (closed) throw new Error('profile store is closed');
  }

  return {
    async resolveIdentities(workspaceId, identities) {
      assertOpen();
      const links = workspaces.get(workspaceId)?.links;
      const resolved = new Map<IdentityKey, string>();
      if (!links) return resolved;
      for (const identity of identities) {
        const profileId = links.get(identity);
        if (profileId !== undefined) resolved.set(identity, profileId);
      }
      return resolved;
    },
    async identitiesOf(workspaceId, profileId) {
      assertOpen();
      return [...(workspaces.get(workspaceId)?.linksByProfile.get(profileId) ?? [])].sort();
    },
    async loadProfiles(workspaceId, profileIds) {
      assertOpen();
      const profiles = workspaces.get(workspaceId)?.profiles;
      const loaded = new Map<string, ProfileState>();
      if (!profiles) return loaded;
      for (const id of profileIds) {
        const state = profiles.get(id);
        if (state) loaded.set(id, structuredClone(state));
      }
      return loaded;
    },
    async commit(commit) {
      assertOpen();
      const states = commit.profiles.map((write) => structuredClone(write.state));
      validateCheckpoints(commit.checkpoints);
      commit.profiles.forEach((write, i) => {
        const state = states[i] as ProfileState;
        workspace(write.workspaceId).profiles.set(state.id, state);
      });
      for (const { workspaceId, identity, profileId } of commit.identities) {
        link(workspace(workspaceId), identity, profileId);
      }
      for (const { workspaceId, profileId, mergedInto } of commit.deletedProfiles) {
        const ws = workspaces.get(workspaceId);
        if (ws) remove(ws, profileId, mergedInto);
      }
      for (const [partition, offset] of commit.checkpoints) checkpoints.set(partition, offset);
    },
    async loadCheckpoints() {
      assertOpen();
      return new Map(checkpoints);
    },
    async countProfiles(workspaceId) {
      assertOpen();
      return workspaces.get(workspaceId)?.profiles.size ?? 0;
    },
    async close() {
      closed = true;
    },
  };
}

/** Partitions and offsets are non-negative integers; the SQLite schema checks the same. */
function validateCheckpoints(checkpoints: ReadonlyMap<number, number>): void {
  for (const [partition, offset] of checkpoints) {
    if (!Number.isSafeInteger(partition) || partition < 0) {
      throw new RangeError(`invalid checkpoint partition ${partition}`);
    }
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new RangeError(`invalid checkpoint offset ${offset} for partition ${partition}`);
    }
  }
}
