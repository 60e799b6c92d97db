import type { IdentityKey } from '../events/event.js';
import type { RuleEffect, RuleFiring } from '../rules/rule.js';
import type { ProfileState } from './profile.js';
import {
  experimentContributions,
  type ExperimentContributions,
  type ExperimentTotals,
} from '../experiments/experiment-totals.js';

/**
 * A profile to write, serialized when the flush took its snapshot, so the state
 * can go on changing in memory while the store writes it. Make one with
 * `profileWrite`.
 */
export interface ProfileWrite {
  workspaceId: string;
  profileId: string;
  /** The state as JSON (`JSON.stringify(state)`): what loadProfiles parses back. */
  json: string;
  /** A copy of the state's armed time triggers (`rules.timers`), for the store's timer index. */
  timers: Readonly<Record<string, number>> | undefined;
  /**
   * A copy of what its exposed experiment assignments add to the experiment totals
   * (experiments/experiment-totals.ts); undefined when it never had an assignment.
   */
  experiments?: ExperimentContributions | undefined;
}

/**
 * Serializes a profile for a commit: its JSON and a copy of its timers, taken now.
 * Throws what JSON.stringify throws (a BigInt, a cycle).
 */
export function profileWrite(workspaceId: string, state: ProfileState): ProfileWrite {
  const timers = state.rules?.timers;
  return {
    workspaceId,
    profileId: state.id,
    json: JSON.stringify(state),
    timers: timers === undefined ? undefined : { ...timers },
    experiments: experimentContributions(state),
  };
}

/**
 * Serializes a commit's profile states in a store's own form instead of JSON text
 * (ProfileStore.profileEncoder). The SQLite store's commit worker takes them this
 * way: one buffer outside the JavaScript heap, handed to its thread without a copy
 * (decision 31).
 */
export interface ProfileEncoder {
  /** Serializes `state` as it is now. Throws what the encoding throws. */
  add(workspaceId: string, state: ProfileState): void;
  /** Everything added, in order: the commit's `encodedProfiles`. Call once. */
  finish(): EncodedProfiles;
}

/** States encoded by a store's ProfileEncoder: only that store reads them. */
export interface EncodedProfiles {
  /** Which encoder made them; a store refuses any other. */
  readonly encoding: string;
  /** How many states. */
  readonly count: number;
}

export interface IdentityLink {
  workspaceId: string;
  identity: IdentityKey;
  profileId: string;
}

export interface DeletedProfile {
  workspaceId: string;
  profileId: string;
  /**
   * The profile it was merged into (alias, identify): every identity linked to
   * the deleted profile is repointed to it. Without it (erasure), the deleted
   * profile's identity links are removed too. Either way its segment memberships
   * go (the survivor of a merge is re-evaluated by the processor).
   */
  mergedInto?: string;
}

/**
 * What one processor flush writes, all or nothing. Applied in this order:
 * profiles, identity links, firings, messages, memberships, deletions (with their
 * repointing; a deleted profile's memberships go), checkpoints. The store may take
 * its time (a store may write in slices, yielding to the event loop), but nothing
 * of a commit is visible to readers before all of it is, and a crash or a failure
 * leaves the previous commit as it was. Commits are applied one at a time, in the
 * order they were made.
 */
export interface ProfileCommit {
  /**
   * Made by profileWrite; the last write of a profile wins. Every store refuses a
   * state that is not the text of a JSON object.
   */
  profiles: readonly ProfileWrite[];
  /**
   * Profiles serialized by the store's own encoder (ProfileStore.profileEncoder),
   * written after `profiles`. A store that handed out no encoder refuses them.
   */
  encodedProfiles?: EncodedProfiles;
  identities: readonly IdentityLink[];
  /** Profiles merged into others (alias, identify) or erased: removed from the store. */
  deletedProfiles: readonly DeletedProfile[];
  /** partition → the log offset up to which the state above includes events. */
  checkpoints: ReadonlyMap<number, number>;
  /** Rule firings made by the events above: appended to the firing log. */
  firings?: readonly { workspaceId: string; firing: RuleFiring }[];
  /** Messages queued by rules: appended to the outbox, once per id. */
  messages?: readonly { workspaceId: string; message: QueuedMessage }[];
  /**
   * Segment membership changes of the profiles above, the last per (profile,
   * segment) only. Idempotent: entering a segment the profile is in keeps its
   * `since`; leaving one it is not in does nothing; counts move only on a real change.
   */
  memberships?: readonly MembershipWrite[];
}

export interface MembershipWrite {
  workspaceId: string;
  profileId: string;
  /** A segment id, or a cohort band's `cohort:band`. */
  segment: string;
  member: boolean;
  at: number;
}

export interface SegmentMember {
  profileId: string;
  /** When it entered (the first time, if it entered again without leaving in between). */
  since: number;
}

/** One sample of a segment's size. */
export interface SegmentSize {
  at: number;
  size: number;
}

export type QueuedMessage = Extract<RuleEffect, { type: 'message' }>;

export interface StoredFiring {
  /** Ascending in commit order; pass as `before` to page back. */
  id: number;
  firing: RuleFiring;
}

/** An armed time trigger as the store indexes it (from each profile's `rules.timers`). */
export interface StoredTimer {
  workspaceId: string;
  profileId: string;
  ruleId: string;
  dueAt: number;
}

/**
 * Profiles, identity links and processor checkpoints. A commit is atomic, so a
 * crash replays the log from the last checkpoint and never double-counts.
 */
export interface ProfileStore {
  /** identity → profileId, for the identities that are linked. */
  resolveIdentities(
    workspaceId: string,
    identities: readonly IdentityKey[],
  ): Promise<Map<IdentityKey, string>>;
  loadProfiles(
    workspaceId: string,
    profileIds: readonly string[],
  ): Promise<Map<string, ProfileState>>;
  /** Every identity linked to the profile: aliases and anonymousIds beyond its own list included. */
  identitiesOf(workspaceId: string, profileId: string): Promise<IdentityKey[]>;
  commit(commit: ProfileCommit): Promise<void>;
  /**
   * An encoder for the next commit's profile states, when this store takes them in a
   * form of its own rather than as JSON text (`profileWrite`); undefined otherwise.
   * Asked for once per commit, when the processor takes its snapshot.
   */
  profileEncoder?(): ProfileEncoder | undefined;
  /** A profile's firings, newest first. */
  listFirings(
    workspaceId: string,
    profileId: string,
    options: { before?: number; limit: number },
  ): Promise<StoredFiring[]>;
  /** Queued messages of a workspace, oldest first, after `after` (an id of the outbox order). */
  listMessages(
    workspaceId: string,
    options: { after?: number; limit: number },
  ): Promise<{ seq: number; message: QueuedMessage }[]>;
  /** Armed timers due at or before `until`, earliest first (every workspace): the scheduler's feed. */
  dueTimers(until: number, limit: number): Promise<StoredTimer[]>;
  loadCheckpoints(): Promise<Map<number, number>>;
  /** Number of profiles of a workspace. */
  countProfiles(workspaceId: string): Promise<number>;
  /**
   * Profiles of a workspace in ascending id order, after `after` (a profile id):
   * the background passes (segment back-fill, cohort rebuild, clustering) page with it.
   */
  scanProfiles(
    workspaceId: string,
    options: { after?: string; limit: number },
  ): Promise<ProfileState[]>;
  /** The profile's membership of a segment, or undefined. */
  membership(
    workspaceId: string,
    segment: string,
    profileId: string,
  ): Promise<SegmentMember | undefined>;
  /** Members of a segment in ascending profile id order, after `after` (a profile id). */
  listMembers(
    workspaceId: string,
    segment: string,
    options: { after?: string; limit: number },
  ): Promise<SegmentMember[]>;
  /** Current member counts of every segment with at least one member (committed state). */
  countMembers(workspaceId: string): Promise<Map<string, number>>;
  /** Records a size sample per segment (the host samples on an interval). */
  recordSegmentSizes(
    workspaceId: string,
    at: number,
    sizes: ReadonlyMap<string, number>,
  ): Promise<void>;
  /** Size samples of a segment with `from` ≤ at < `to`, oldest first, at most `limit`. */
  segmentSizes(
    workspaceId: string,
    segment: string,
    options: { from: number; to: number; limit: number },
  ): Promise<SegmentSize[]>;
  /**
   * An experiment's totals per variant (users exposed, per metric sum and sum of
   * squares) over the committed profiles' exposed assignments (experiment-totals.ts).
   */
  experimentTotals(workspaceId: string, experimentId: string): Promise<ExperimentTotals>;
  close(): Promise<void>;
}
