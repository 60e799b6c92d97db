import type { IdentityKey } from '../events/event.js';
import type { RuleEffect, RuleFiring } from '../rules/rule.js';
import type { ProfileState } from './profile.js';

export interface ProfileWrite {
  workspaceId: string;
  state: ProfileState;
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
   * profile's identity links are removed too.
   */
  mergedInto?: string;
}

/**
 * What one processor flush writes, all or nothing. Applied in this order:
 * profiles, identity links, deletions (with their repointing), checkpoints.
 */
export interface ProfileCommit {
  profiles: readonly ProfileWrite[];
  identities: readonly IdentityLink[];
  /** Profiles merged into others (alias, identify) or erased: removed from the store. */
  deletedProfiles: readonly DeletedProfile[];
  /** partition → the log offset up to which the state above includes events. */
  checkpoints: ReadonlyMap<number, number>;
  /** Rule firings made by the events above: appended to the firing log. */
  firings?: readonly { workspaceId: string; firing: RuleFiring }[];
  /** Messages queued by rules: appended to the outbox, once per id. */
  messages?: readonly { workspaceId: string; message: QueuedMessage }[];
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
  close(): Promise<void>;
}
