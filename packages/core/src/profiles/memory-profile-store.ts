import type { IdentityKey } from '../events/event.js';
import { checkPage } from '../paging/check-page.js';
import type { RuleFiring } from '../rules/rule.js';
import type { ProfileState } from './profile.js';
import type { ProfileStore, QueuedMessage, StoredFiring, StoredTimer } from './profile-store.js';

interface WorkspaceProfiles {
  profiles: Map<string, ProfileState>;
  /** identity → profileId */
  links: Map<IdentityKey, string>;
  /** profileId → its identities, to repoint them on a merge without a scan. */
  linksByProfile: Map<string, Set<IdentityKey>>;
  /** profileId → its firings, ascending by id. */
  firings: Map<string, StoredFiring[]>;
  /** The outbox, ascending by seq, and the message ids in it. */
  outbox: { seq: number; message: QueuedMessage }[];
  queued: Set<string>;
  /** profileId → its armed timers (rule id → due time), from its committed state. */
  timers: Map<string, [string, number][]>;
}

/**
 * Profiles, identity links, checkpoints, the firing log, the message outbox and
 * the timer index in memory: real code for tests and simulations. A commit is
 * validated and copied before anything changes, so it applies entirely or not
 * at all; states are copied in and out (structuredClone).
 */
export function createMemoryProfileStore(): ProfileStore {
  const workspaces = new Map<string, WorkspaceProfiles>();
  const checkpoints = new Map<number, number>();
  let lastFiringId = 0;
  let lastSeq = 0;
  let closed = false;

  function workspace(id: string): WorkspaceProfiles {
    let found = workspaces.get(id);
    if (!found) {
      found = {
        profiles: new Map(),
        links: new Map(),
        linksByProfile: new Map(),
        firings: new Map(),
        outbox: [],
        queued: new Set(),
        timers: new Map(),
      };
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
    ws.timers.delete(profileId);
    moveFirings(ws, profileId, mergedInto);
    moveMessages(ws, profileId, mergedInto);
    const identities = ws.linksByProfile.get(profileId);
    if (!identities) return;
    ws.linksByProfile.delete(profileId);
    for (const identity of identities) {
      if (mergedInto === undefined) ws.links.delete(identity);
      else link(ws, identity, mergedInto);
    }
  }

  function save(workspaceId: string, state: ProfileState): void {
    const ws = workspace(workspaceId);
    ws.profiles.set(state.id, state);
    const timers = armedTimers(state);
    if (timers.length > 0) ws.timers.set(state.id, timers);
    else ws.timers.delete(state.id);
  }

  function appendFiring(workspaceId: string, firing: RuleFiring): void {
    const firings = workspace(workspaceId).firings;
    let list = firings.get(firing.profileId);
    if (!list) firings.set(firing.profileId, (list = []));
    list.push({ id: ++lastFiringId, firing });
  }

  function queue(workspaceId: string, message: QueuedMessage): void {
    const ws = workspace(workspaceId);
    if (ws.queued.has(message.id)) return;
    ws.queued.add(message.id);
    ws.outbox.push({ seq: ++lastSeq, message });
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
      // Everything that can fail happens before the first change.
      const states = commit.profiles.map((write) => structuredClone(write.state));
      const firings = structuredClone(commit.firings ?? []);
      const messages = structuredClone(commit.messages ?? []);
      validateCheckpoints(commit.checkpoints);
      commit.profiles.forEach((write, i) => save(write.workspaceId, states[i] as ProfileState));
      for (const { workspaceId, identity, profileId } of commit.identities) {
        link(workspace(workspaceId), identity, profileId);
      }
      for (const { workspaceId, firing } of firings) appendFiring(workspaceId, firing);
      for (const { workspaceId, message } of messages) queue(workspaceId, message);
      for (const { workspaceId, profileId, mergedInto } of commit.deletedProfiles) {
        const ws = workspaces.get(workspaceId);
        if (ws) remove(ws, profileId, mergedInto);
      }
      for (const [partition, offset] of commit.checkpoints) checkpoints.set(partition, offset);
    },
    async listFirings(workspaceId, profileId, { before, limit }) {
      assertOpen();
      checkPage(limit, before);
      const list = workspaces.get(workspaceId)?.firings.get(profileId) ?? [];
      const end = before === undefined ? list.length : firstIndex(list, before, firingId, true);
      return structuredClone(list.slice(Math.max(0, end - limit), end).reverse());
    },
    async listMessages(workspaceId, { after, limit }) {
      assertOpen();
      checkPage(limit, after);
      const outbox = workspaces.get(workspaceId)?.outbox ?? [];
      const start = after === undefined ? 0 : firstIndex(outbox, after, messageSeq, false);
      return structuredClone(outbox.slice(start, start + limit));
    },
    async dueTimers(until, limit) {
      assertOpen();
      checkPage(limit, until);
      const due: StoredTimer[] = [];
      for (const [workspaceId, ws] of workspaces) {
        for (const [profileId, timers] of ws.timers) {
          for (const [ruleId, dueAt] of timers) {
            if (dueAt <= until) due.push({ workspaceId, profileId, ruleId, dueAt });
          }
        }
      }
      return due.sort(byDueTime).slice(0, limit);
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

/** Erasure drops a profile's firings; a merge moves them to the survivor, in id order. */
/** A merged profile's queued messages follow it; an erased one's are removed. */
function moveMessages(ws: WorkspaceProfiles, profileId: string, mergedInto: string | undefined) {
  if (mergedInto === profileId) return;
  ws.outbox = ws.outbox.flatMap((entry) => {
    if (entry.message.profileId !== profileId) return [entry];
    if (mergedInto === undefined) {
      ws.queued.delete(entry.message.id);
      return [];
    }
    return [{ seq: entry.seq, message: { ...entry.message, profileId: mergedInto } }];
  });
}

function moveFirings(ws: WorkspaceProfiles, profileId: string, mergedInto: string | undefined) {
  const moved = ws.firings.get(profileId);
  if (!moved) return;
  ws.firings.delete(profileId);
  if (mergedInto === undefined || mergedInto === profileId) return;
  const kept = ws.firings.get(mergedInto) ?? [];
  ws.firings.set(
    mergedInto,
    [...kept, ...moved].sort((a, b) => a.id - b.id),
  );
}

/** The timers of a state that the store indexes: those with a finite due time. */
function armedTimers(state: ProfileState): [string, number][] {
  const timers = state.rules?.timers;
  if (!timers) return [];
  return Object.entries(timers).filter(([, dueAt]) => Number.isFinite(dueAt));
}

const firingId = (entry: StoredFiring) => entry.id;
const messageSeq = (entry: { seq: number }) => entry.seq;

/** Index of the first entry whose key is above `value` (or equal, when inclusive), in a list ascending by key. */
function firstIndex<T>(
  list: readonly T[],
  value: number,
  key: (entry: T) => number,
  inclusive: boolean,
): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const found = key(list[middle] as T);
    if (found > value || (inclusive && found === value)) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** Earliest first, then by workspace, profile and rule: the order every ProfileStore lists in. */
function byDueTime(a: StoredTimer, b: StoredTimer): number {
  return (
    a.dueAt - b.dueAt ||
    compare(a.workspaceId, b.workspaceId) ||
    compare(a.profileId, b.profileId) ||
    compare(a.ruleId, b.ruleId)
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
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
