/**
 * Profile state transitions: one event at a time (applyEvent) and identity merges
 * (mergeProfiles). Pure and bounded: per event, the work and the growth of the
 * state are bounded by the profile settings, never by the profile's history.
 *
 * Records keyed by input (traits, groups, events, consent categories) are plain
 * objects, as they are after a JSON round trip, so every write skips isUnsafeKey
 * keys and every read of a key from input checks Object.hasOwn. Events whose
 * name is unsafe count as untracked; unsafe trait or group keys are skipped.
 */
import type { DerivedCounterSpec, SequenceSpec } from '../conditions/condition.js';
import { isEngineEvent, metricName, type OnrampEvent } from '../events/event.js';
import { isJsonObject, isUnsafeKey, type JsonObject, type JsonValue } from '../json/json.js';
import type { ProfileSettings } from '../settings/workspace-settings.js';
import { formatDuration, parseDuration } from '../time/duration.js';
import {
  compileDerivedPlan,
  compileSequencePlan,
  mergeDerived,
  mergeSequences,
  recordCounter,
  recordDerived,
  recordSequences,
  type DerivedPlan,
  type SequencePlan,
} from './derived-metrics.js';
import { compileEngagement, type EngagementPlan } from './engagement.js';
import { mergeRuleState } from './merge-rule-state.js';
import {
  EVENT_BUCKETS,
  EVENT_FIRST,
  EVENT_LAST,
  EVENT_TOTAL,
  eventCounters,
  type ProfileState,
} from './profile.js';
import { createSessions, mergeSessions, recordSessionActivity } from './sessions.js';
import { readTouchContext, updateTouch } from './touch.js';
import { compileWindowPlan, mergeBuckets, type WindowPlan } from './windows.js';

export interface ProfilePlan {
  /** The configured windows, plus the engagement window and the conditions' windows when not among them. */
  readonly windows: WindowPlan;
  readonly sessionTimeoutMs: number;
  readonly engagement: EngagementPlan;
  readonly maxEventNames: number;
  readonly maxAnonymousIds: number;
  readonly maxGroups: number;
  /** Filtered event counters the published conditions need (derived-metrics.ts). */
  readonly derived: DerivedPlan;
  /** `$sequence` trackers the published conditions need (derived-metrics.ts). */
  readonly sequences: SequencePlan;
}

/** What the published conditions add to the settings' plan (ConditionCompiler.finish). */
export interface ProfilePlanExtras {
  /** More windows: durations ("90m") or ms. */
  readonly windows?: readonly (string | number)[];
  readonly derived?: readonly DerivedCounterSpec[];
  readonly sequences?: readonly SequenceSpec[];
}

/** Compiles validated settings once per config version; throws on malformed durations. */
export function compileProfilePlan(
  settings: ProfileSettings,
  extras: ProfilePlanExtras = {},
): ProfilePlan {
  const extraWindows = (extras.windows ?? []).map((w) =>
    typeof w === 'number' ? formatDuration(w) : w,
  );
  const windows = compileWindowPlan(
    [...settings.windows, settings.engagement.window, ...extraWindows],
    settings.bucketsPerWindow,
  );
  const sessionTimeoutMs = parseDuration(settings.sessionTimeout);
  if (sessionTimeoutMs === undefined) {
    throw new RangeError(`invalid session timeout "${settings.sessionTimeout}"`);
  }
  return Object.freeze({
    windows,
    sessionTimeoutMs,
    engagement: compileEngagement(settings.engagement, windows),
    maxEventNames: settings.maxEventNames,
    maxAnonymousIds: settings.maxAnonymousIds,
    maxGroups: settings.maxGroups,
    derived: compileDerivedPlan(extras.derived ?? []),
    sequences: compileSequencePlan(extras.sequences ?? []),
  });
}

export function createProfile(id: string, at: number): ProfileState {
  return {
    id: flatString(id),
    anonymousIds: [],
    version: 0,
    firstSeen: at,
    lastSeen: at,
    traits: {},
    events: {},
    untrackedEvents: 0,
    eventCount: 0,
    sessions: createSessions(),
  };
}

/**
 * Applies one event, processed at `now` (the clock, not the event's time). Every
 * event type counts as session activity and may carry a touch. Identity (userId,
 * anonymousIds) is the caller's: the processor links it.
 */
export function applyEvent(
  state: ProfileState,
  event: OnrampEvent,
  plan: ProfilePlan,
  now: number,
): void {
  const at = event.timestamp;
  // An event the engine emitted (a rule's, a membership change's, flow progress) is counted by name,
  // but it is not the person's activity: it moves neither last seen nor sessions nor touches.
  const activity = !isEngineEvent(event);
  if (state.eventCount === 0) {
    state.firstSeen = at;
    state.lastSeen = at;
  } else if (activity) {
    if (at < state.firstSeen) state.firstSeen = at;
    if (at > state.lastSeen) state.lastSeen = at;
  }
  state.eventCount += 1;
  if (event.type === 'identify' && event.traits !== undefined) {
    state.traits = mergeTraits(state.traits, event.traits);
  }
  if (event.type === 'group') applyGroup(state, event, plan.maxGroups);
  const name = metricName(event);
  countEvent(state, name, at, plan, now);
  if (plan.derived.byEvent.size !== 0)
    recordDerived(state, event, name, plan.derived, plan.windows, now);
  if (plan.sequences.byEvent.size !== 0) recordSequences(state, name, at, plan.sequences);
  if (activity) {
    recordSessionActivity(state.sessions, at, plan.sessionTimeoutMs);
    const touch = readTouchContext(event, state.firstTouch);
    if (touch !== undefined) updateTouch(state, touch);
    applyConsent(state, event);
  }
  state.version += 1;
}

/**
 * Links an anonymousId to the profile: appended (oldest first), the oldest dropped
 * beyond `max`; false when it was there already. Always a new exact-size array:
 * pushing would leave V8's growth slack (16 slots, ~130 bytes) in every profile.
 */
export function addAnonymousId(state: ProfileState, anonymousId: string, max: number): boolean {
  if (state.anonymousIds.includes(anonymousId)) return false;
  const ids = state.anonymousIds.concat(anonymousId);
  state.anonymousIds = ids.length > max ? ids.slice(ids.length - max) : ids;
  return true;
}

/**
 * Folds `source` into `target` for an identity merge, `target` being the survivor.
 * Traits: target's values win, source fills missing keys. Groups: union, target's
 * traits win, target's groups count as the more recent. Consent: the newer
 * statement. Touches: the earliest first, the latest last. Counters and sessions
 * combine. anonymousIds: union, bounded, the target's kept first. Anything
 * more about identity (userId, links) is the caller's concern.
 */
export function mergeProfiles(
  target: ProfileState,
  source: ProfileState,
  plan: ProfilePlan,
  now: number,
): void {
  if (target === source) return;
  if (source.eventCount > 0) {
    target.firstSeen =
      target.eventCount > 0 ? Math.min(target.firstSeen, source.firstSeen) : source.firstSeen;
    target.lastSeen =
      target.eventCount > 0 ? Math.max(target.lastSeen, source.lastSeen) : source.lastSeen;
  }
  const traits: JsonObject = {};
  assignSafe(traits, target.traits);
  for (const key in source.traits) {
    if (Object.hasOwn(source.traits, key) && !isUnsafeKey(key) && !Object.hasOwn(traits, key)) {
      traits[key] = source.traits[key] as JsonValue;
    }
  }
  target.traits = compactCopy(traits);
  if (source.groups !== undefined) {
    target.groups = unionGroups(target.groups ?? {}, source.groups, plan.maxGroups);
  }
  if (
    source.consent !== undefined &&
    (target.consent === undefined || source.consent.updatedAt > target.consent.updatedAt)
  ) {
    // The newer statement wins category by category; categories only the older one knows stay.
    const categories: Record<string, boolean> = {};
    if (target.consent !== undefined) assignSafe(categories, target.consent.categories);
    assignSafe(categories, source.consent.categories);
    target.consent = { categories, updatedAt: source.consent.updatedAt };
  }
  if (source.firstTouch !== undefined) updateTouch(target, source.firstTouch);
  if (source.lastTouch !== undefined) updateTouch(target, source.lastTouch);
  mergeEvents(target, source, plan, now);
  mergeDerived(target, source, plan.derived, plan.windows, now);
  mergeSequences(target, source, plan.sequences);
  mergeRuleState(target, source);
  target.untrackedEvents += source.untrackedEvents;
  target.eventCount += source.eventCount;
  mergeSessions(target.sessions, source.sessions, plan.sessionTimeoutMs);
  // Oldest first, as the processor appends them; the target's count as the more recent.
  const anonymousIds = source.anonymousIds.filter((id) => !target.anonymousIds.includes(id));
  anonymousIds.push(...target.anonymousIds);
  target.anonymousIds = anonymousIds.slice(-plan.maxAnonymousIds);
  target.version = Math.max(target.version, source.version) + 1;
}

function mergeEvents(
  target: ProfileState,
  source: ProfileState,
  plan: ProfilePlan,
  now: number,
): void {
  let names = countKeys(target.events, plan.maxEventNames);
  for (const name in source.events) {
    const from = eventCounters(source, name);
    if (from === undefined) continue;
    const into = eventCounters(target, name);
    if (into !== undefined) {
      into[EVENT_FIRST] = Math.min(into[EVENT_FIRST] as number, from[EVENT_FIRST] as number);
      into[EVENT_LAST] = Math.max(into[EVENT_LAST] as number, from[EVENT_LAST] as number);
      into[EVENT_TOTAL] = (into[EVENT_TOTAL] as number) + (from[EVENT_TOTAL] as number);
      mergeBuckets(into, from, plan.windows, now, EVENT_BUCKETS);
      target.events[name] = into.slice(); // exact size, as in countEvent
    } else if (!isUnsafeKey(name) && names < plan.maxEventNames) {
      const counters = from.slice(0, EVENT_BUCKETS);
      mergeBuckets(counters, from, plan.windows, now, EVENT_BUCKETS);
      target.events[name] = counters.slice();
      names += 1;
    } else {
      target.untrackedEvents += from[EVENT_TOTAL] as number;
    }
  }
}

/** Source-only groups first, so that eviction drops them before the target's. */
function unionGroups(
  target: Record<string, JsonObject>,
  source: Record<string, JsonObject>,
  max: number,
): Record<string, JsonObject> {
  const groups: Record<string, JsonObject> = {};
  for (const id in source) {
    const traits = source[id];
    if (
      Object.hasOwn(source, id) &&
      !isUnsafeKey(id) &&
      !Object.hasOwn(target, id) &&
      isJsonObject(traits)
    ) {
      groups[id] = mergedCopy(traits, {});
    }
  }
  for (const id in target) {
    const traits = target[id];
    if (Object.hasOwn(target, id) && !isUnsafeKey(id) && traits !== undefined) {
      const extra = Object.hasOwn(source, id) ? source[id] : undefined;
      groups[id] = mergedCopy(extra ?? {}, traits);
    }
  }
  evictOldest(groups, max);
  return groups;
}

/** Number of keys of a record, counting no further than `limit`. */
function countKeys(record: object, limit: number): number {
  let count = 0;
  for (const key in record) {
    if (count >= limit) break;
    if (Object.hasOwn(record, key)) count += 1;
  }
  return count;
}

/** Shallow merge of input into a record: null sets null, unsafe keys are skipped. */
function assignSafe<T>(target: Record<string, T>, source: Record<string, T>): void {
  for (const key in source) {
    if (!Object.hasOwn(source, key) || isUnsafeKey(key)) continue;
    target[key] = source[key] as T;
  }
}

/**
 * A flat copy of a string. An id built by concatenation (crypto.randomUUID) is a
 * tree of cons strings, ~480 bytes of heap instead of ~56 for its 36 characters.
 */
function flatString(value: string): string {
  return JSON.parse(JSON.stringify(value)) as string;
}

/**
 * Identify's shallow merge (null sets null, unsafe keys skipped), keeping the
 * record compact without paying a copy per identify: in place when no key is new
 * (the shape stays), a clone of the event's parsed traits (same exact shape) into
 * an empty record, a compact copy otherwise.
 */
function mergeTraits(traits: JsonObject, changes: JsonObject): JsonObject {
  let newKeys = false;
  let unsafeKeys = false;
  for (const key in changes) {
    if (!Object.hasOwn(changes, key)) continue;
    if (isUnsafeKey(key)) unsafeKeys = true;
    else if (!Object.hasOwn(traits, key)) newKeys = true;
  }
  if (!newKeys) {
    assignSafe(traits, changes);
    return traits;
  }
  if (!unsafeKeys && countKeys(traits, 1) === 0) return { ...changes };
  return mergedCopy(traits, changes);
}

/** A new record: `base`, then `changes` assigned over it (null sets null, unsafe keys skipped). */
function mergedCopy(base: JsonObject, changes: JsonObject): JsonObject {
  const merged: JsonObject = {};
  assignSafe(merged, base);
  assignSafe(merged, changes);
  return compactCopy(merged);
}

/**
 * A JSON round trip: JSON.parse gives a record exactly its properties in-object
 * and its own flat strings, the shape it has after a reload, where assigning key
 * by key leaves slack (96 rather than 64 bytes for 5 keys) and, past about a dozen
 * keys, a dictionary (1.6 KB rather than 0.3 KB for 30). ~2 µs for 5 keys: only
 * identify, group and merges pay it, never a plain track or page.
 */
function compactCopy(record: JsonObject): JsonObject {
  return JSON.parse(JSON.stringify(record)) as JsonObject;
}

/** Keeps a record's last `max` keys (insertion order; integer-like keys enumerate first in JS). */
function evictOldest(record: Record<string, unknown>, max: number): void {
  let excess = countKeys(record, Number.MAX_SAFE_INTEGER) - max;
  for (const key in record) {
    if (excess <= 0) return;
    if (!Object.hasOwn(record, key)) continue;
    delete record[key];
    excess -= 1;
  }
}

function countEvent(
  state: ProfileState,
  name: string,
  at: number,
  plan: ProfilePlan,
  now: number,
): void {
  let counters = eventCounters(state, name);
  if (counters === undefined) {
    if (typeof name !== 'string' || isUnsafeKey(name)) {
      state.untrackedEvents += 1;
      return;
    }
    if (countKeys(state.events, plan.maxEventNames) >= plan.maxEventNames) {
      state.untrackedEvents += 1;
      return;
    }
    counters = [at, at, 0];
    state.events[name] = counters;
  }
  // V8 grows an array by 1.5× + 16 slots and keeps the slack when it shrinks by a
  // pair or two; recordCounter returns an exact copy then, which keeps the profile
  // within its memory budget. Only when a bucket was added or dropped: about once
  // a minute per event name.
  const recorded = recordCounter(counters, at, plan.windows, now);
  if (recorded !== counters) state.events[name] = recorded;
}

/** groups[groupId] = its traits merged with the event's, moved to the end (most recent). */
function applyGroup(state: ProfileState, event: OnrampEvent, maxGroups: number): void {
  const groupId = event.groupId;
  if (typeof groupId !== 'string' || isUnsafeKey(groupId)) return;
  const groups = (state.groups ??= {});
  const existing = Object.hasOwn(groups, groupId) ? groups[groupId] : undefined;
  const traits = mergedCopy(existing ?? {}, event.traits ?? {});
  // Re-set in place when already last; otherwise delete first so that it moves last.
  if (existing !== undefined && !isLastKey(groups, groupId)) delete groups[groupId];
  groups[groupId] = traits;
  evictOldest(groups, maxGroups);
}

function isLastKey(record: object, key: string): boolean {
  let last: string | undefined;
  for (const k in record) last = k;
  return last === key;
}

/** Consent preferences as the latest event states them (ties: the later processed). */
function applyConsent(state: ProfileState, event: OnrampEvent): void {
  const consent = event.context?.['consent'];
  if (!isJsonObject(consent)) return;
  const preferences = consent['categoryPreferences'];
  if (!isJsonObject(preferences)) return;
  if (state.consent !== undefined && event.timestamp < state.consent.updatedAt) return;
  // Categories the event does not mention keep their last known choice.
  const categories: Record<string, boolean> = {};
  if (state.consent !== undefined) assignSafe(categories, state.consent.categories);
  for (const key in preferences) {
    const granted = preferences[key];
    if (Object.hasOwn(preferences, key) && !isUnsafeKey(key) && typeof granted === 'boolean') {
      categories[key] = granted;
    }
  }
  state.consent = { categories, updatedAt: event.timestamp };
}
