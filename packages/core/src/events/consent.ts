import { isJsonObject, isUnsafeKey } from '../json/json.js';
import type { ConsentState } from '../profiles/profile.js';
import type { ConsentSettings } from '../settings/workspace-settings.js';
import { metricName, type OnrampEvent } from './event.js';

/** Segment's event for a change of consent; always let through so the change is recorded. */
export const consentPreferenceUpdatedEvent = 'Segment Consent Preference Updated';

/** The consent settings, compiled once when they are published. */
export interface ConsentPolicy {
  /** Category by metric name (track event name, `$page`, `$identify`…), '*' for the rest. */
  purposes: ReadonlyMap<string, string>;
  whenUnknown: ConsentSettings['whenUnknown'];
  /** False when no purpose is configured: every event is allowed without looking further. */
  enforced: boolean;
}

export interface ConsentCheck {
  allowed: boolean;
  /** The category the event needs, when it needs one. */
  category?: string;
}

export function compileConsentPolicy(settings: ConsentSettings): ConsentPolicy {
  const purposes = new Map(Object.entries(settings.purposes));
  return { purposes, whenUnknown: settings.whenUnknown, enforced: purposes.size > 0 };
}

/**
 * The event's `context.consent.categoryPreferences`: category → granted, keeping only
 * boolean values and safe keys; undefined when the event carries no such object.
 */
export function readConsentPreferences(event: OnrampEvent): Record<string, boolean> | undefined {
  const consent = event.context?.consent;
  if (!isJsonObject(consent)) return undefined;
  const preferences = consent.categoryPreferences;
  if (!isJsonObject(preferences)) return undefined;
  const result: Record<string, boolean> = {};
  for (const key of Object.keys(preferences)) {
    const granted = preferences[key];
    if (typeof granted === 'boolean' && !isUnsafeKey(key)) result[key] = granted;
  }
  return result;
}

/**
 * Whether the event may be kept. Its purpose category is `purposes[metric name]`, else
 * `purposes['*']`; an event without a category is always allowed. The category is then
 * decided by the first that states it: the event's own preferences, the profile's stored
 * consent, and last `whenUnknown`.
 */
export function checkConsent(
  policy: ConsentPolicy,
  event: OnrampEvent,
  stored?: ConsentState,
): ConsentCheck {
  if (!policy.enforced) return { allowed: true };
  if (event.type === 'track' && event.event === consentPreferenceUpdatedEvent) {
    return { allowed: true };
  }
  const category = policy.purposes.get(metricName(event)) ?? policy.purposes.get('*');
  if (category === undefined) return { allowed: true };
  const own = statedPreference(event, category);
  if (own !== undefined) return { allowed: own, category };
  const remembered = stored?.categories;
  if (remembered !== undefined && Object.hasOwn(remembered, category)) {
    return { allowed: remembered[category] === true, category };
  }
  return { allowed: policy.whenUnknown === 'allow', category };
}

/** What the event's own preferences say about one category, without copying them. */
function statedPreference(event: OnrampEvent, category: string): boolean | undefined {
  const consent = event.context?.consent;
  if (!isJsonObject(consent)) return undefined;
  const preferences = consent.categoryPreferences;
  if (!isJsonObject(preferences) || !Object.hasOwn(preferences, category)) return undefined;
  const granted = preferences[category];
  return typeof granted === 'boolean' ? granted : undefined;
}
