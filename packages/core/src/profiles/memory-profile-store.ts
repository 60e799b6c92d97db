import type { IdentityKey } from '../events/event.js';
import { checkPage } from '../paging/check-page.js';
import { totalsOf } from '../experiments/experiment-totals.js';
import type { RuleFiring } from '../rules/rule.js';
import type { ProfileState } from './profile.js';
import type {
  MembershipWrite,
  ProfileStore,
  ProfileWrite,
  QueuedMessage,
  SegmentMember,
  SegmentSize,
  StoredFiring,
  StoredTimer,
} from './profile-store.js';

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
  /** segment → its members (profileId → since); a segment without members has no entry. */
  members: Map<string, Map<string, number>>;
  /** profileId → the segments it is in, to remove a deleted profile's memberships without a scan. */
  segmentsOf: Map<string, Set<string>>;
  /** segment → its size samples, ascending by time. */
  sizes: Map<string, SegmentSize[]>;
}

/**
 * Profiles, identity links, checkpoints, the firing log, the message outbox,
 * the timer index, segment memberships and size samples in memory: real code for tests and simulations. A commit is
 * validated and copied before anything changes, so it applies entirely or not
 * at all; states come in as JSON and are copied out (structuredClone).
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
        members: new Map(),
        segmentsOf: new Map(),
        sizes: new Map(),
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
    leaveAll(ws, profileId);
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
      if (commit.encodedProfiles !== undefined) {
        throw new TypeError(
          `the memory store takes no encoded profiles (${commit.encodedProfiles.encoding})`,
        );
      }
      const states = commit.profiles.map(parseWrite);
      const firings = structuredClone(commit.firings ?? []);
      const messages = structuredClone(commit.messages ?? []);
      const memberships = lastMembershipWrites(commit.memberships ?? []);
      validateCheckpoints(commit.checkpoints);
      commit.profiles.forEach((write, i) => save(write.workspaceId, states[i] as ProfileState));
      for (const { workspaceId, identity, profileId } of commit.identities) {
        link(workspace(workspaceId), identity, profileId);
      }
      for (const { workspaceId, firing } of firings) appendFiring(workspaceId, firing);
      for (const { workspaceId, message } of messages) queue(workspaceId, message);
      for (const write of memberships) writeMembership(workspace(write.workspaceId), write);
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
    async scanProfiles(workspaceId, { after, limit }) {
      assertOpen();
      checkPage(limit, undefined);
      const profiles = workspaces.get(workspaceId)?.profiles;
      if (!profiles) return [];
      return pageOfIds(profiles.keys(), after, limit).map((id) =>
        structuredClone(profiles.get(id) as ProfileState),
      );
    },
    async membership(workspaceId, segment, profileId) {
      assertOpen();
      const since = workspaces.get(workspaceId)?.members.get(segment)?.get(profileId);
      return since === undefined ? undefined : { profileId, since };
    },
    async listMembers(workspaceId, segment, { after, limit }) {
      assertOpen();
      checkPage(limit, undefined);
      const members = workspaces.get(workspaceId)?.members.get(segment);
      if (!members) return [];
      return pageOfIds(members.keys(), after, limit).map((profileId): SegmentMember => ({
        profileId,
        since: members.get(profileId) as number,
      }));
    },
    async experimentTotals(workspaceId, experimentId) {
      assertOpen();
      // Computed from the committed states on demand: they are in memory already.
      return totalsOf(workspaces.get(workspaceId)?.profiles.values() ?? [], experimentId);
    },
    async countMembers(workspaceId) {
      assertOpen();
      const counts = new Map<string, number>();
      for (const [segment, members] of workspaces.get(workspaceId)?.members ?? []) {
        counts.set(segment, members.size);
      }
      return counts;
    },
    async recordSegmentSizes(workspaceId, at, sizes) {
      assertOpen();
      checkSegmentSizes(at, sizes);
      const ws = workspace(workspaceId);
      for (const [segment, size] of sizes) {
        let samples = ws.sizes.get(segment);
        if (!samples) ws.sizes.set(segment, (samples = []));
        const index = firstIndex(samples, at, sampleTime, true);
        if (samples[index]?.at === at) samples[index] = { at, size };
        else samples.splice(index, 0, { at, size });
      }
    },
    async segmentSizes(workspaceId, segment, { from, to, limit }) {
      assertOpen();
      checkPage(limit, from);
      checkPage(limit, to);
      const samples = workspaces.get(workspaceId)?.sizes.get(segment) ?? [];
      const start = firstIndex(samples, from, sampleTime, true);
      const end = Math.max(start, firstIndex(samples, to, sampleTime, true));
      return samples.slice(start, Math.min(end, start + limit)).map((sample) => ({ ...sample }));
    },
    async close() {
      closed = true;
    },
  };
}

/**
 * Applies one membership write: entering a segment the profile is in keeps its
 * `since`, leaving one it is not in does nothing.
 */
function writeMembership(ws: WorkspaceProfiles, write: MembershipWrite): void {
  const { profileId, segment } = write;
  let members = ws.members.get(segment);
  if (write.member) {
    if (members?.has(profileId)) return;
    if (!members) ws.members.set(segment, (members = new Map()));
    members.set(profileId, write.at);
    let segments = ws.segmentsOf.get(profileId);
    if (!segments) ws.segmentsOf.set(profileId, (segments = new Set()));
    segments.add(segment);
  } else if (members?.delete(profileId)) {
    if (members.size === 0) ws.members.delete(segment);
    const segments = ws.segmentsOf.get(profileId);
    segments?.delete(segment);
    if (segments?.size === 0) ws.segmentsOf.delete(profileId);
  }
}

/** A deleted profile (merged or erased) leaves every segment. */
function leaveAll(ws: WorkspaceProfiles, profileId: string): void {
  const segments = ws.segmentsOf.get(profileId);
  if (!segments) return;
  ws.segmentsOf.delete(profileId);
  for (const segment of segments) {
    const members = ws.members.get(segment);
    members?.delete(profileId);
    if (members?.size === 0) ws.members.delete(segment);
  }
}

/**
 * The last write per (workspace, profile, segment) of a commit, in their original
 * order: what every ProfileStore applies. Throws RangeError on a time that is not
 * a finite number. Returns `writes` itself when no pair repeats (the processor's case).
 */
export function lastMembershipWrites(
  writes: readonly MembershipWrite[],
): readonly MembershipWrite[] {
  const lastIndex = new Map<string, number>();
  writes.forEach((write, i) => {
    if (!Number.isFinite(write.at)) {
      throw new RangeError(`invalid membership time ${write.at} for segment ${write.segment}`);
    }
    lastIndex.set(`${write.workspaceId}\u0000${write.profileId}\u0000${write.segment}`, i);
  });
  if (lastIndex.size === writes.length) return writes;
  const kept = new Set(lastIndex.values());
  return writes.filter((_, i) => kept.has(i));
}

/**
 * What every ProfileStore checks before recording size samples: a finite time and
 * member counts that are non-negative integers. Throws RangeError.
 */
export function checkSegmentSizes(at: number, sizes: ReadonlyMap<string, number>): void {
  if (!Number.isFinite(at)) throw new RangeError(`invalid sample time ${at}`);
  for (const [segment, size] of sizes) {
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new RangeError(`invalid size ${size} of segment ${segment}`);
    }
  }
}

/** Up to `limit` of the ids above `after`, ascending (sorted per page: background passes only). */
function pageOfIds(ids: Iterable<string>, after: string | undefined, limit: number): string[] {
  const page: string[] = [];
  for (const id of ids) if (after === undefined || id > after) page.push(id);
  return page.sort().slice(0, limit);
}

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

/** Erasure drops a profile's firings; a merge moves them to the survivor, in id order. */
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
const sampleTime = (sample: SegmentSize) => sample.at;

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

/**
 * The state a write carries: JSON of an object whose id is the write's profile id
 * (parsed here anyway; the SQLite store, which does not parse, only refuses what is
 * not the text of a JSON object). Throws SyntaxError or RangeError.
 */
function parseWrite(write: ProfileWrite): ProfileState {
  const state = JSON.parse(write.json) as unknown;
  if (
    typeof state !== 'object' ||
    state === null ||
    (state as { id?: unknown }).id !== write.profileId
  ) {
    throw new RangeError(`profile ${write.profileId}: its state does not carry its id`);
  }
  return state as ProfileState;
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
