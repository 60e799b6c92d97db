import { audiencesForEvent, audiencesForSweep } from '../segments/update-memberships.js';
import type { OnrampEvent } from '../events/event.js';
import type { JsonObject } from '../json/json.js';
import { addAnonymousId, applyEvent, createProfile } from '../profiles/apply-event.js';
import type { ProfileState } from '../profiles/profile.js';
import { explainRules } from './explain-rules.js';
import type { CompiledRuleSet, RuleExplanation } from './rule.js';

/** A hypothetical profile for a dry run: identity, traits, consent, and events to build its history. */
export interface ProfileDocument {
  userId?: string;
  anonymousId?: string;
  traits?: JsonObject;
  /** Consent category → granted. */
  consent?: Record<string, boolean>;
  /** Applied in order, as if ingested (validated and normalized by the caller). */
  events?: readonly OnrampEvent[];
}

/** Builds the profile a document describes, under the rule set's profile plan. */
export function profileFromDocument(
  document: ProfileDocument,
  set: CompiledRuleSet,
  now: number,
): ProfileState {
  const events = document.events ?? [];
  const profile = createProfile('dry-run', events[0]?.timestamp ?? now);
  if (document.userId !== undefined) profile.userId = document.userId;
  if (document.anonymousId !== undefined) {
    addAnonymousId(profile, document.anonymousId, set.profilePlan.maxAnonymousIds);
  }
  for (const event of events) applyEvent(profile, event, set.profilePlan, event.receivedAt);
  if (document.traits !== undefined) profile.traits = { ...profile.traits, ...document.traits };
  if (document.consent !== undefined) {
    profile.consent = { categories: { ...document.consent }, updatedAt: now };
  }
  // Its segments, as a back-fill would find them (cohorts and clusters need the population).
  audiencesForSweep(set.audiences, profile, {}, { now });
  return profile;
}

/**
 * What the rules would do for this profile and, optionally, this event: the event
 * is applied to a copy of the profile first (as the processor does), then every
 * rule is explained. Neither the profile nor anything else is changed.
 */
export function dryRunRules(
  set: CompiledRuleSet,
  profile: ProfileState,
  event: OnrampEvent | undefined,
  now: number,
): RuleExplanation[] {
  const copy = structuredClone(profile);
  if (event !== undefined) {
    applyEvent(copy, event, set.profilePlan, now);
    // The segments the event changes, as the processor updates them before the rules run.
    audiencesForEvent(set.audiences, copy, event, { now });
  }
  return explainRules(set, copy, event, now);
}
