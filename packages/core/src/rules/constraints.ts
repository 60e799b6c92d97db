/**
 * Rule constraints: whether a triggered rule whose condition holds may fire now,
 * and the bookkeeping a firing leaves on the profile (`rules.fired`,
 * `rules.prompts`), which is all that caps, cooldowns, once and the fatigue
 * budget read. Every window is half-open: a firing at t stops counting at
 * exactly t + per, and a cooldown of D allows the next firing at exactly t + D.
 */
import { isJsonObject } from '../json/json.js';
import type { ProfileState } from '../profiles/profile.js';
import { parseDuration } from '../time/duration.js';
import { inLocalRange, localMinuteOfDay, parseLocalTime } from './local-time.js';
import type { Action, Constraints } from './rule-schema.js';
import type { RuleIssue, SuppressionReason } from './rule.js';
import type { CompiledConstraints, RuleRuntime, RuleSetRuntime } from './rule-runtime.js';

/** Index of the last firing time and of the lifetime count in `rules.fired[ruleId]`. */
export const FIRED_LAST = 0;
export const FIRED_TOTAL = 1;
/** Recent firing times (oldest first) start here; as many as the rule's cap count. */
export const FIRED_RECENT = 2;

/** Checks and compiles a rule's constraints; problems are added to `issues` under `path`. */
export function compileConstraints(
  constraints: Constraints | undefined,
  actions: readonly Action[],
  path: (string | number)[],
  issues: RuleIssue[],
): CompiledConstraints {
  const c = constraints ?? {};
  const at = (field: string, ...rest: (string | number)[]) => [...path, field, ...rest];
  const activeFrom = parseInstant(c.activeFrom, at('activeFrom'), issues);
  const activeUntil = parseInstant(c.activeUntil, at('activeUntil'), issues);
  if (activeFrom !== undefined && activeUntil !== undefined && activeFrom >= activeUntil) {
    issues.push({ path: at('activeFrom'), message: 'must be before activeUntil' });
  }
  const cooldownMs = parseOptionalDuration(c.cooldown, at('cooldown'), issues);
  let cap: CompiledConstraints['cap'];
  if (c.cap !== undefined) {
    const perMs = parseOptionalDuration(c.cap.per, at('cap', 'per'), issues);
    const count = c.cap.count;
    if (!Number.isInteger(count) || count < 1 || count > 100) {
      issues.push({ path: at('cap', 'count'), message: 'must be an integer from 1 to 100' });
    } else if (perMs !== undefined) cap = { count, perMs };
  }
  let quietHours: CompiledConstraints['quietHours'];
  if (c.quietHours !== undefined) {
    const from = parseLocalTime(c.quietHours.from);
    const to = parseLocalTime(c.quietHours.to);
    if (from === undefined)
      issues.push({ path: at('quietHours', 'from'), message: 'must be "HH:MM"' });
    if (to === undefined) issues.push({ path: at('quietHours', 'to'), message: 'must be "HH:MM"' });
    if (from !== undefined && to !== undefined) {
      if (from === to)
        issues.push({ path: at('quietHours', 'to'), message: 'must differ from "from"' });
      else quietHours = { from, to };
    }
  }
  if (c.consent !== undefined && (typeof c.consent !== 'string' || c.consent.length === 0)) {
    issues.push({ path: at('consent'), message: 'must be a consent category' });
  }
  const prompts = actions.some((action) => action.type === 'decide' || action.type === 'message');
  return {
    activeFrom,
    activeUntil,
    consent: typeof c.consent === 'string' && c.consent.length > 0 ? c.consent : undefined,
    once: c.once === true,
    cooldownMs,
    cap,
    quietHours,
    prompt: c.fatigue ?? prompts,
  };
}

function parseInstant(
  text: string | undefined,
  path: (string | number)[],
  issues: RuleIssue[],
): number | undefined {
  if (text === undefined) return undefined;
  const at = typeof text === 'string' ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at)) issues.push({ path, message: 'must be an ISO 8601 date-time' });
  return Number.isNaN(at) ? undefined : at;
}

/** Parses a duration, reporting a malformed one. */
export function parseOptionalDuration(
  text: string | undefined,
  path: (string | number)[],
  issues: RuleIssue[],
): number | undefined {
  if (text === undefined) return undefined;
  const ms = typeof text === 'string' ? parseDuration(text) : undefined;
  if (ms === undefined) issues.push({ path, message: 'must be a duration such as "30m" or "7d"' });
  return ms;
}

/**
 * The first constraint that stops the rule firing at `now`, or undefined. Order:
 * inactive-period, no-consent, once, cooldown, cap, fatigue, quiet-hours (the
 * placement check, 'lost-placement', comes after, in apply-actions).
 */
export function checkConstraints(
  set: RuleSetRuntime,
  rule: RuleRuntime,
  profile: ProfileState,
  now: number,
): SuppressionReason | undefined {
  const c = rule.constraints;
  if (c.activeFrom !== undefined && now < c.activeFrom) return 'inactive-period';
  if (c.activeUntil !== undefined && now >= c.activeUntil) return 'inactive-period';
  if (c.consent !== undefined && !hasConsent(profile, c.consent)) return 'no-consent';
  const fired = firedOf(profile, rule.id);
  if (fired !== undefined) {
    if (c.once && (fired[FIRED_TOTAL] ?? 0) > 0) return 'once';
    const last = fired[FIRED_LAST] ?? Number.NEGATIVE_INFINITY;
    if (c.cooldownMs !== undefined && now - last < c.cooldownMs) return 'cooldown';
    if (c.cap !== undefined && countSince(fired, FIRED_RECENT, now - c.cap.perMs) >= c.cap.count) {
      return 'cap';
    }
  }
  const fatigue = set.fatigue;
  if (c.prompt && fatigue !== undefined) {
    const prompts = profile.rules?.prompts;
    if (prompts !== undefined && countSince(prompts, 0, now - fatigue.perMs) >= fatigue.max) {
      return 'fatigue';
    }
  }
  if (c.quietHours !== undefined) {
    const minute = localMinuteOfDay(profileZone(set, profile), now);
    if (inLocalRange(minute, c.quietHours.from, c.quietHours.to)) return 'quiet-hours';
  }
  return undefined;
}

/** Consent is required explicitly: a category the profile never stated does not count. */
function hasConsent(profile: ProfileState, category: string): boolean {
  const categories = profile.consent?.categories;
  return (
    categories !== undefined && Object.hasOwn(categories, category) && categories[category] === true
  );
}

/** Entries from `start` on that are later than `since` (the window is (since, now]). */
function countSince(times: readonly number[], start: number, since: number): number {
  let count = 0;
  for (let i = start; i < times.length; i++) if ((times[i] as number) > since) count += 1;
  return count;
}

export function firedOf(profile: ProfileState, ruleId: string): readonly number[] | undefined {
  const fired = profile.rules?.fired;
  return fired !== undefined && Object.hasOwn(fired, ruleId) ? fired[ruleId] : undefined;
}

/**
 * Records a firing at `now`: [now, total + 1, …the last cap.count firing times].
 * A prompt is added to the fatigue budget (the last `max` kept). Always new
 * exact-size arrays (see addAnonymousId on V8's growth slack).
 */
export function recordFiring(
  set: RuleSetRuntime,
  rule: RuleRuntime,
  profile: ProfileState,
  now: number,
): void {
  const state = (profile.rules ??= {});
  const fired = (state.fired ??= {});
  const previous = firedOf(profile, rule.id);
  const total = (previous?.[FIRED_TOTAL] ?? 0) + 1;
  const keep = rule.constraints.cap?.count ?? 0;
  const next = [now, total];
  if (keep > 0) {
    const recent = previous?.length ?? 0;
    for (let i = Math.max(FIRED_RECENT, recent - (keep - 1)); i < recent; i++) {
      next.push(previous?.[i] as number);
    }
    next.push(now);
  }
  fired[rule.id] = next.slice();
  if (rule.constraints.prompt && set.fatigue !== undefined) {
    const prompts = state.prompts ?? [];
    const kept = prompts.slice(Math.max(0, prompts.length - (set.fatigue.max - 1)));
    kept.push(now);
    state.prompts = kept.slice();
  }
}

/**
 * The user's timezone: traits.timezone, else the last touch's, else the
 * settings' default; a name Intl does not know is skipped.
 */
export function profileZone(set: RuleSetRuntime, profile: ProfileState): Intl.DateTimeFormat {
  const traits = profile.traits;
  const trait =
    isJsonObject(traits) && Object.hasOwn(traits, 'timezone') ? traits['timezone'] : undefined;
  if (typeof trait === 'string') {
    const zone = set.timeZones.formatter(trait);
    if (zone !== undefined) return zone;
  }
  const touched = profile.lastTouch?.timezone;
  if (typeof touched === 'string') {
    const zone = set.timeZones.formatter(touched);
    if (zone !== undefined) return zone;
  }
  return (
    set.timeZones.formatter(set.settings.defaultTimezone) ??
    (set.timeZones.formatter('UTC') as Intl.DateTimeFormat)
  );
}
