import { settledHeap, type ProfileState } from '@onramp/core';

export interface MembershipMemory {
  profiles: number;
  /** Memberships per profile, on average. */
  membershipsPerProfile: number;
  /** Heap of the `segments` arrays per profile, ids shared with the compiled config. */
  bytesPerProfile: number;
  bytesPerMembership: number;
  /** The same with each profile holding its own id strings, as after a load from the store. */
  loadedBytesPerProfile: number;
  loadedBytesPerMembership: number;
  /** Bytes of `"segments":[…]` in the stored JSON state, per profile. */
  jsonBytesPerProfile: number;
}

/**
 * Memory that segment memberships add to profiles: the heap held by their
 * `segments` lists, measured as the settled heap with a copy of every profile's
 * list held minus that without (needs `node --expose-gc`), the 8-byte slot that
 * holds each list included. Measured twice: with the ids shared with the
 * compiled config (profiles the processor built, where each id pushed is the
 * segment's own string) and with strings of their own (profiles loaded from a
 * store, parsed from JSON). The profiles are read, not changed.
 */
export function measureMembershipMemory(
  profiles: readonly ProfileState[],
  segmentIds: readonly string[],
): MembershipMemory {
  const canonical = new Map(segmentIds.map((id) => [id, id]));
  const lists = profiles.map((profile) => profile.segments ?? []);
  let memberships = 0;
  let jsonBytes = 0;
  for (const list of lists) {
    memberships += list.length;
    if (list.length > 0) jsonBytes += `,"segments":${JSON.stringify(list)}`.length;
  }
  // Built from JSON first, so the copies owe nothing to the lists they come from.
  const source = JSON.stringify(lists);
  const heapOnce = (build: (list: readonly string[]) => string[] | undefined) => {
    const parsed = JSON.parse(source) as string[][];
    const before = settledHeap();
    const held = parsed.map((list) => (list.length === 0 ? undefined : build(list)));
    const after = settledHeap();
    if (held.length !== parsed.length) throw new Error('lost lists');
    return Math.max(0, after - before);
  };
  // The median of three: a heap delta moves by a few hundred KB when something else
  // (compiled code, a pool) is freed or grown between the two readings.
  const heapOf = (build: (list: readonly string[]) => string[] | undefined) => {
    const deltas = [heapOnce(build), heapOnce(build), heapOnce(build)].sort((a, b) => a - b);
    return deltas[1] as number;
  };
  const shared = heapOf((list) => list.map((id) => canonical.get(id) ?? id));
  const loaded = heapOf((list) => JSON.parse(JSON.stringify(list)) as string[]);
  const count = Math.max(1, profiles.length);
  const perMembership = (bytes: number) => (memberships === 0 ? 0 : bytes / memberships);
  return {
    profiles: profiles.length,
    membershipsPerProfile: memberships / count,
    bytesPerProfile: shared / count,
    bytesPerMembership: perMembership(shared),
    loadedBytesPerProfile: loaded / count,
    loadedBytesPerMembership: perMembership(loaded),
    jsonBytesPerProfile: jsonBytes / count,
  };
}
