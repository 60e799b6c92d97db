import { anonymousIdentity, userIdentity } from '../events/event.js';
import type { IdentityGraph } from '../identity/resolve-profile.js';
import {
  addAnonymousId,
  createProfile,
  mergeProfiles,
  type ProfilePlan,
} from '../profiles/apply-event.js';
import type { ProfileState } from '../profiles/profile.js';
import type { CompiledRuleSet } from '../rules/rule.js';
import type { PopulationState } from '../segments/segment.js';
import { forgetCohortValues } from '../segments/update-memberships.js';
import { mergeExperiments } from '../experiments/merge-experiments.js';
import type { ProfileCache } from './profile-cache.js';

/** What the identity graph of a processor pass reads from the processor and tells it. */
export interface CacheGraphHooks {
  newProfileId: () => string;
  rulesOf: (workspaceId: string) => CompiledRuleSet | undefined;
  populationOf: (workspaceId: string) => PopulationState | undefined;
  /** Profiles created or merged while applying the current entry: all their segments are evaluated. */
  reshaped: Set<ProfileState>;
  /** Called before a profile in memory changes (the flush's copy on write). */
  beforeChange: (state: ProfileState) => void;
  /** A merge hands the source's armed timers to the target. */
  inheritTimers: (workspaceId: string, target: ProfileState, source: ProfileState) => void;
}

/**
 * Identity resolution (resolve-profile.ts) over a workspace's profile cache: profiles
 * created, identities linked and profiles merged in memory, marked dirty for the next
 * flush. One graph per workspace and plan for a pass over the log (its closures made once).
 */
export function cacheIdentityGraph(
  hooks: CacheGraphHooks,
  workspaceId: string,
  cache: ProfileCache,
  plan: ProfilePlan,
  now: number,
): IdentityGraph {
  return {
    lookup: (identity) => cache.lookup(identity),
    create: () => {
      const profile = createProfile(hooks.newProfileId(), now);
      hooks.reshaped.add(profile);
      cache.profiles.set(profile.id, profile);
      cache.markDirty(profile.id);
      return profile;
    },
    link: (identity, profile, id) => {
      const previous = cache.lookup(identity);
      hooks.beforeChange(profile);
      if (previous !== undefined && previous !== profile && identity.startsWith('a:')) {
        hooks.beforeChange(previous);
        // A device moving to another user: the old profile no longer lists it (nor its events).
        previous.anonymousIds = previous.anonymousIds.filter((known) => known !== id);
        cache.markDirty(previous.id);
      }
      if (identity.startsWith('u:')) {
        profile.userId ??= id;
      } else {
        addAnonymousId(profile, id, plan.maxAnonymousIds);
      }
      cache.link(identity, profile.id, id);
      cache.markDirty(profile.id);
    },
    merge: (target, source) => {
      hooks.beforeChange(target);
      hooks.beforeChange(source);
      const rules = hooks.rulesOf(workspaceId);
      if (rules !== undefined) {
        forgetCohortValues(rules.audiences, source, hooks.populationOf(workspaceId));
      }
      hooks.reshaped.add(target);
      mergeProfiles(target, source, plan, now);
      mergeExperiments(target, source, rules?.experiments);
      hooks.inheritTimers(workspaceId, target, source);
      for (const anonymousId of source.anonymousIds) {
        cache.link(anonymousIdentity(anonymousId), target.id, anonymousId);
      }
      if (source.userId !== undefined) {
        cache.link(userIdentity(source.userId), target.id, source.userId);
      }
      // Other identities still naming the source follow the redirect until the flush,
      // after which the store has re-pointed them (see ProfileCache.resolve).
      cache.remove(source.id, target.id);
      cache.markDirty(target.id);
    },
  };
}
