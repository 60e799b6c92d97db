/**
 * Numbers read from a profile by path: what cohorts rank by and clusterings take
 * as features. A closed set, checked when config is published:
 *
 *   engagement               the engagement score (profiles/engagement.ts)
 *   eventCount               events ever counted
 *   sessions.count           sessions ever started
 *   sessions.totalDuration   time spent in sessions (ms)
 *   events.<name>            lifetime count of one event (metric name: "Feature Used", "$page")
 *   traits.<path>            a numeric trait (other types read as absent)
 */
import { isUnsafeKey } from '../json/json.js';
import type { ProfilePlan } from '../profiles/apply-event.js';
import { engagementScore } from '../profiles/engagement.js';
import { eventTotal } from '../profiles/profile.js';
import type { ProfileMetric } from './segment.js';

/** A metric path checked and ready to bind to the published profile plan. */
export type MetricBinder = (plan: ProfilePlan) => ProfileMetric;

/** The binder for a metric path, or a message saying what is wrong with it. */
export function compileMetric(path: unknown): MetricBinder | string {
  if (typeof path !== 'string' || path.length === 0 || path.length > 256) {
    return 'must be a metric path (1 to 256 characters)';
  }
  switch (path) {
    case 'engagement':
      return (plan) => (profile, now) =>
        engagementScore(profile, plan.engagement, plan.windows, now);
    case 'eventCount':
      return () => (profile) => profile.eventCount;
    case 'sessions.count':
      return () => (profile) => profile.sessions.count;
    case 'sessions.totalDuration':
      return () => (profile) => profile.sessions.totalDurationMs;
  }
  if (path.startsWith('events.') && path.length > 'events.'.length) {
    const name = path.slice('events.'.length);
    // eventTotal reads own properties only: "toString" counts nothing unless tracked.
    return () => (profile) => eventTotal(profile, name);
  }
  if (path.startsWith('traits.')) {
    const segments = path.slice('traits.'.length).split('.');
    if (segments.some((segment) => segment === '' || isUnsafeKey(segment))) {
      return `"${path}" is not a valid trait path`;
    }
    return () => (profile) => {
      let value: unknown = profile.traits;
      for (const segment of segments) {
        if (typeof value !== 'object' || value === null || !Object.hasOwn(value, segment)) {
          return undefined;
        }
        value = (value as Record<string, unknown>)[segment];
      }
      return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
    };
  }
  return `unknown metric "${path}" (engagement, eventCount, sessions.count, sessions.totalDuration, events.<name>, traits.<path>)`;
}
