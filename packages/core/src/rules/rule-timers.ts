/**
 * Time triggers as state on the profile: `rules.timers[ruleId] = dueAt`. This
 * module computes arming, re-arming and cancelling; the host's scheduler keeps
 * them durable and calls runRuleTimer when one is due (a stale call, for a timer
 * re-armed or cancelled since, is a no-op). A due time is never earlier than the
 * `now` it is armed at: a timer armed late (a replay, a late event) fires at once.
 *
 * - inactive: due at max(lastSeen, event time) + `for`, re-armed by every event
 *   the profile sends (not by events rules emit: a rule that nudges an inactive
 *   user would otherwise keep re-arming itself).
 * - delay: due at the event's time + `delay`, re-armed by each matching event,
 *   cancelled by an `unless` event.
 * - localTime: armed for the next occurrence when the profile has none (and
 *   re-computed on identify, which may change traits.timezone); re-armed for the
 *   following occurrence when it fires.
 */
import type { OnrampEvent } from '../events/event.js';
import type { ProfileState } from '../profiles/profile.js';
import { profileZone } from './constraints.js';
import { nextLocalTime } from './local-time.js';
import type { RuleOutcome } from './rule.js';
import type { RuleRuntime, RuleSetRuntime } from './rule-runtime.js';

/** The armed due time of a rule's timer, own keys only. */
export function timerOf(profile: ProfileState, ruleId: string): number | undefined {
  const timers = profile.rules?.timers;
  return timers !== undefined && Object.hasOwn(timers, ruleId) ? timers[ruleId] : undefined;
}

/** Arms (or re-arms) a timer; reported in `outcome.armed` when its due time changed. */
export function armTimer(
  profile: ProfileState,
  ruleId: string,
  dueAt: number,
  outcome: RuleOutcome,
): void {
  if (timerOf(profile, ruleId) === dueAt) return;
  const state = (profile.rules ??= {});
  (state.timers ??= {})[ruleId] = dueAt;
  outcome.armed.push({ ruleId, dueAt });
  outcome.changed = true;
}

/** Removes a timer; true when there was one. */
export function cancelTimer(profile: ProfileState, ruleId: string): boolean {
  const timers = profile.rules?.timers;
  if (timers === undefined || !Object.hasOwn(timers, ruleId)) return false;
  delete timers[ruleId];
  return true;
}

/** The next occurrence of a localTime trigger strictly after `after`, in the profile's timezone. */
export function nextLocalTimeDue(
  set: RuleSetRuntime,
  rule: RuleRuntime,
  profile: ProfileState,
  after: number,
): number | undefined {
  const trigger = rule.trigger;
  if (trigger.type !== 'localTime') return undefined;
  return nextLocalTime(profileZone(set, profile), after, trigger.minute, trigger.days);
}

/**
 * The timer work of one event: re-arms inactivity, cancels then arms delays,
 * arms missing localTime timers. `emitted`: the event was emitted by a rule.
 */
export function armTimersForEvent(
  set: RuleSetRuntime,
  profile: ProfileState,
  event: OnrampEvent,
  /** The event's metric name. */
  name: string,
  now: number,
  emitted: boolean,
  outcome: RuleOutcome,
): void {
  const index = set.index;
  const rules = set.rules;
  if (!emitted && index.inactive.length > 0) {
    const activeAt = Math.max(profile.lastSeen, event.timestamp);
    for (const rank of index.inactive) {
      const rule = rules[rank] as RuleRuntime;
      if (rule.trigger.type !== 'inactive') continue;
      armTimer(profile, rule.id, Math.max(activeAt + rule.trigger.forMs, now), outcome);
    }
  }
  const cancelled = index.delayCancel.get(name);
  if (cancelled !== undefined) {
    for (const rank of cancelled) {
      if (cancelTimer(profile, (rules[rank] as RuleRuntime).id)) outcome.changed = true;
    }
  }
  const armed = index.delayArm.get(name);
  if (armed !== undefined) {
    for (const rank of armed) {
      const rule = rules[rank] as RuleRuntime;
      const trigger = rule.trigger;
      if (trigger.type !== 'delay') continue;
      if (trigger.filter !== undefined && !trigger.filter.matches(event)) continue;
      armTimer(profile, rule.id, Math.max(event.timestamp + trigger.delayMs, now), outcome);
    }
  }
  if (index.localTime.length > 0) {
    const identify = event.type === 'identify';
    for (const rank of index.localTime) {
      const rule = rules[rank] as RuleRuntime;
      const current = timerOf(profile, rule.id);
      // A due timer is left to fire; identify re-computes one still ahead.
      if (current !== undefined && (!identify || current <= now)) continue;
      const dueAt = nextLocalTimeDue(set, rule, profile, now);
      if (dueAt !== undefined) armTimer(profile, rule.id, dueAt, outcome);
    }
  }
}
