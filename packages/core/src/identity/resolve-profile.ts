import {
  anonymousIdentity,
  userIdentity,
  type IdentityKey,
  type OnrampEvent,
} from '../events/event.js';
import type { ProfileState } from '../profiles/profile.js';

/**
 * What identity resolution needs from whoever holds the profiles: look an
 * identity up, create a profile, link an identity, merge one profile into another.
 * All synchronous: the caller has loaded every profile an event can touch.
 */
export interface IdentityGraph {
  lookup(identity: IdentityKey): ProfileState | undefined;
  create(): ProfileState;
  /**
   * Points the identity at the profile (and records userId / anonymousId on it).
   * `id` is the identity without its kind prefix, as the event carried it, so the
   * holder can keep that one string instead of a copy.
   */
  link(identity: IdentityKey, profile: ProfileState, id: string): void;
  /** Moves everything of `source` into `target`, re-points its identities, forgets `source`. */
  merge(target: ProfileState, source: ProfileState): void;
}

/** Every identity an event can resolve to or merge, so they can be loaded before applying it. */
export function identitiesOf(event: OnrampEvent): IdentityKey[] {
  const keys: IdentityKey[] = [];
  if (event.userId !== undefined) keys.push(userIdentity(event.userId));
  if (event.anonymousId !== undefined) keys.push(anonymousIdentity(event.anonymousId));
  if (event.type === 'alias' && event.previousId !== undefined) {
    keys.push(userIdentity(event.previousId), anonymousIdentity(event.previousId));
  }
  return keys;
}

/**
 * Finds (or creates) the one canonical profile an event belongs to, stitching and
 * merging identities on the way (docs/identity.md):
 * - userId and anonymousId on one event link them; an anonymous profile that has
 *   no userId yet is merged into the user's profile;
 * - two known users are never merged implicitly: a shared device's anonymousId is
 *   re-pointed to the user who signed in last;
 * - `alias` merges previousId's profile (anonymous or known) into userId's.
 */
export function resolveProfile(event: OnrampEvent, graph: IdentityGraph): ProfileState {
  if (event.type === 'alias') return resolveAlias(event, graph);
  const user = event.userId === undefined ? undefined : userIdentity(event.userId);
  const anonymous =
    event.anonymousId === undefined ? undefined : anonymousIdentity(event.anonymousId);
  const byUser = user === undefined ? undefined : graph.lookup(user);
  const byAnonymous = anonymous === undefined ? undefined : graph.lookup(anonymous);

  if (user === undefined) {
    return (
      byAnonymous ?? createLinked(graph, anonymous as IdentityKey, event.anonymousId as string)
    );
  }
  if (anonymous === undefined) return byUser ?? createLinked(graph, user, event.userId as string);

  if (byUser !== undefined) {
    if (byAnonymous === undefined) {
      graph.link(anonymous, byUser, event.anonymousId as string);
    } else if (byAnonymous !== byUser) {
      if (byAnonymous.userId === undefined) graph.merge(byUser, byAnonymous);
      else graph.link(anonymous, byUser, event.anonymousId as string);
    }
    return byUser;
  }
  if (byAnonymous !== undefined && byAnonymous.userId === undefined) {
    graph.link(user, byAnonymous, event.userId as string);
    return byAnonymous;
  }
  // Unknown user; the anonymousId is new, or belongs to another known user (shared device).
  const profile = createLinked(graph, user, event.userId as string);
  graph.link(anonymous, profile, event.anonymousId as string);
  return profile;
}

function resolveAlias(event: OnrampEvent, graph: IdentityGraph): ProfileState {
  const userId = event.userId as string;
  const user = userIdentity(userId);
  const previousId = event.previousId as string;
  const byUser = graph.lookup(user);
  const byPrevious =
    graph.lookup(userIdentity(previousId)) ?? graph.lookup(anonymousIdentity(previousId));
  if (byUser !== undefined && byPrevious !== undefined) {
    if (byUser !== byPrevious) graph.merge(byUser, byPrevious);
    return byUser;
  }
  if (byPrevious !== undefined) {
    graph.link(user, byPrevious, userId);
    // alias names the new canonical id; the previous userId stays linked to the profile.
    byPrevious.userId = userId;
    return byPrevious;
  }
  const profile = byUser ?? createLinked(graph, user, userId);
  // previousId is unknown: it may be either kind of id, so both resolve here from now on.
  graph.link(anonymousIdentity(previousId), profile, previousId);
  graph.link(userIdentity(previousId), profile, previousId);
  return profile;
}

function createLinked(graph: IdentityGraph, identity: IdentityKey, id: string): ProfileState {
  const profile = graph.create();
  graph.link(identity, profile, id);
  return profile;
}
