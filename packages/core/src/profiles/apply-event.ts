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
import { metricName, type OnrampEvent } from '../events/event.js';
import { isJsonObject, isUnsafeKey, type JsonObject, type JsonValue } from '../json/json.js';
import type { ProfileSettings } from '../settings/workspace-settings.js';
import { parseDuration } from '../time/duration.js';
import { compileEngagement, type EngagementPlan } from './engagement.js';
import type { EventStats, ProfileState } from './profile.js';
import { mergeSessions, recordSessionActivity } from './sessions.js';
import { readTouchContext, updateTouch } from './touch.js';
import { compileWindowPlan, mergeBuckets, recordEvent, type WindowPlan } from './windows.js';

export interface ProfilePlan {
  /** The configured windows, plus the engagement window when it is not among them. */
  readonly windows: WindowPlan;
  readonly sessionTimeoutMs: number;
  readonly engagement: EngagementPlan;
  readonly maxEventNames: number;
  readonly maxAnonymousIds: number;
  readonly maxGroups: number;
}

/** Compiles validated settings once per config version; throws on malformed durations. */
export function compileProfilePlan(settings: ProfileSettings): ProfilePlan {
  const windows = compileWindowPlan(
    [...settings.windows, settings.engagement.window],
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
  });
}

export function createProfile(id: string, at: number): ProfileState {
  return {
    id,
    anonymousIds: [],
    version: 0,
    firstSeen: at,
    lastSeen: at,
    traits: {},
    groups: {},
    events: {},
    untrackedEvents: 0,
    eventCount: 0,
    sessions: { count: 0, totalDurationMs: 0 },
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
  if (state.eventCount === 0) {
    state.firstSeen = at;
    state.lastSeen = at;
  } else {
    if (at < state.firstSeen) state.firstSeen = at;
    if (at > state.lastSeen) state.lastSeen = at;
  }
  state.eventCount += 1;
  if (event.type === 'identify' && event.traits !== undefined) {
    assignSafe(state.traits, event.traits);
  }
  if (event.type === 'group') applyGroup(state, event, plan.maxGroups);
  countEvent(state, metricName(event), at, plan, now);
  recordSessionActivity(state.sessions, at, plan.sessionTimeoutMs, state.id);
  const touch = readTouchContext(event);
  if (touch !== undefined) updateTouch(state, touch);
  applyConsent(state, event);
  state.version += 1;
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
  for (const key in source.traits) {
    if (
      Object.hasOwn(source.traits, key) &&
      !isUnsafeKey(key) &&
      !Object.hasOwn(target.traits, key)
    ) {
      target.traits[key] = source.traits[key] as JsonValue;
    }
  }
  target.groups = unionGroups(target.groups, source.groups, plan.maxGroups);
  if (
    source.consent !== undefined &&
    (target.consent === undefined || source.consent.updatedAt > target.consent.updatedAt)
  ) {
    const categories: Record<string, boolean> = {};
    assignSafe(categories, source.consent.categories);
    target.consent = { categories, updatedAt: source.consent.updatedAt };
  }
  if (source.firstTouch !== undefined) updateTouch(target, source.firstTouch);
  if (source.lastTouch !== undefined) updateTouch(target, source.lastTouch);
  mergeEvents(target, source, plan, now);
  target.untrackedEvents += source.untrackedEvents;
  target.eventCount += source.eventCount;
  mergeSessions(target.sessions, source.sessions, plan.sessionTimeoutMs, target.id);
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
    const from = Object.hasOwn(source.events, name) ? source.events[name] : undefined;
    if (from === undefined) continue;
    const into = eventStats(target, name);
    if (into !== undefined) {
      into.first = Math.min(into.first, from.first);
      into.last = Math.max(into.last, from.last);
      into.total += from.total;
      mergeBuckets(into.buckets, from.buckets, plan.windows, now);
      into.buckets = into.buckets.slice(); // exact size, as in countEvent
    } else if (!isUnsafeKey(name) && names < plan.maxEventNames) {
      const buckets: number[] = [];
      mergeBuckets(buckets, from.buckets, plan.windows, now);
      target.events[name] = { first: from.first, last: from.last, total: from.total, buckets };
      names += 1;
    } else {
      target.untrackedEvents += from.total;
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
      const copy: JsonObject = {};
      assignSafe(copy, traits);
      groups[id] = copy;
    }
  }
  for (const id in target) {
    const traits = target[id];
    if (Object.hasOwn(target, id) && !isUnsafeKey(id) && traits !== undefined) {
      const merged: JsonObject = {};
      const extra = Object.hasOwn(source, id) ? source[id] : undefined;
      if (extra !== undefined) assignSafe(merged, extra);
      assignSafe(merged, traits);
      groups[id] = merged;
    }
  }
  evictOldest(groups, max);
  return groups;
}

/** The stats of an event name, own properties only. */
export function eventStats(
  state: Pick<ProfileState, 'events'>,
  name: string,
): EventStats | undefined {
  return Object.hasOwn(state.events, name) ? state.events[name] : undefined;
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
  let stats = eventStats(state, name);
  if (stats === undefined) {
    if (typeof name !== 'string' || isUnsafeKey(name)) {
      state.untrackedEvents += 1;
      return;
    }
    if (countKeys(state.events, plan.maxEventNames) >= plan.maxEventNames) {
      state.untrackedEvents += 1;
      return;
    }
    stats = { first: at, last: at, total: 0, buckets: [] };
    state.events[name] = stats;
  }
  if (at < stats.first) stats.first = at;
  if (at > stats.last) stats.last = at;
  stats.total += 1;
  const entries = stats.buckets.length;
  recordEvent(stats.buckets, plan.windows, at, now);
  // V8 grows arrays by ~1.5× + 16 slots; an exact copy keeps a profile within its
  // memory budget (≈ 70 bytes per event name). Only when a bucket was added.
  if (stats.buckets.length > entries) stats.buckets = stats.buckets.slice();
}

/** groups[groupId] = its traits merged with the event's, moved to the end (most recent). */
function applyGroup(state: ProfileState, event: OnrampEvent, maxGroups: number): void {
  const groupId = event.groupId;
  if (typeof groupId !== 'string' || isUnsafeKey(groupId)) return;
  const groups = state.groups;
  const existing = Object.hasOwn(groups, groupId) ? groups[groupId] : undefined;
  if (existing !== undefined && isLastKey(groups, groupId)) {
    if (event.traits !== undefined) assignSafe(existing, event.traits);
    return;
  }
  const traits: JsonObject = {};
  if (existing !== undefined) {
    assignSafe(traits, existing);
    delete groups[groupId];
  }
  if (event.traits !== undefined) assignSafe(traits, event.traits);
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
  const categories: Record<string, boolean> = {};
  for (const key in preferences) {
    const granted = preferences[key];
    if (Object.hasOwn(preferences, key) && !isUnsafeKey(key) && typeof granted === 'boolean') {
      categories[key] = granted;
    }
  }
  state.consent = { categories, updatedAt: event.timestamp };
}
