/**
 * What decide reads besides the sources: whether personalization is allowed, the
 * locale, the template scope every placement shares, and a flow as a visitor sees it.
 */
import { canonicalLocale } from '../content/locale.js';
import { isoTime } from '../time/iso-time.js';
import type { FlowView } from '../flows/flow.js';
import type { ProfileState } from '../profiles/profile.js';
import type { DecideRuntimeInternals } from './compile-decide.js';
import type { DecideRequest } from './decision.js';

/** A flow as a visitor without a profile (or without consent) sees it: nothing done yet. */
export function emptyView(
  flowId: string,
  flow: DecideRuntimeInternals['flows']['flows'][number] | undefined,
): FlowView {
  const steps = (flow?.steps ?? []).map((step) => ({
    id: step.id,
    required: step.required,
    status: 'todo' as const,
    ...(step.content !== undefined && { content: step.content }),
    ...(step.placement !== undefined && { placement: step.placement }),
  }));
  const required = steps.filter((step) => step.required).length;
  return {
    flow: flowId,
    started: false,
    eligible: flow !== undefined && flow.audience === undefined,
    ...(steps[0] !== undefined && { current: steps[0].id, nextBest: steps[0].id }),
    steps,
    done: 0,
    total: steps.length,
    requiredDone: 0,
    requiredTotal: required,
    percent: 0,
    completed: false,
  };
}

/**
 * What every template of the request may read; only context and locale without
 * consent (the profile's keys are then undefined, which templates read as missing).
 */
export interface BaseScope {
  context: DecideRequest['context'];
  locale: string;
  traits: ProfileState['traits'] | undefined;
  user: { profileId: string; userId?: string; anonymousId?: string } | undefined;
  segments: readonly string[] | undefined;
  metrics:
    { eventCount: number; sessions: number; firstSeen: string; lastSeen: string } | undefined;
}

export function baseScope(
  profile: ProfileState | undefined,
  request: DecideRequest,
  locale: string,
): BaseScope {
  if (profile === undefined) {
    return {
      context: request.context,
      locale,
      traits: undefined,
      user: undefined,
      segments: undefined,
      metrics: undefined,
    };
  }
  const user: NonNullable<BaseScope['user']> = { profileId: profile.id };
  if (profile.userId !== undefined) user.userId = profile.userId;
  if (profile.anonymousIds[0] !== undefined) user.anonymousId = profile.anonymousIds[0];
  return {
    context: request.context,
    locale,
    traits: profile.traits,
    user,
    segments: profile.segments ?? [],
    metrics: {
      eventCount: profile.eventCount,
      sessions: profile.sessions.count,
      firstSeen: isoTime(profile.firstSeen),
      lastSeen: isoTime(profile.lastSeen),
    },
  };
}

export function profileLocale(profile: ProfileState): string | undefined {
  const trait = profile.traits['locale'];
  return canonicalLocale(trait) ?? canonicalLocale(profile.lastTouch?.locale);
}

/**
 * Personalization needs the content settings' consent category, when set: the
 * request's statement, else the profile's, else the policy's whenUnknown.
 */
export function allowsPersonalization(
  runtime: DecideRuntimeInternals,
  profile: ProfileState | undefined,
  request: DecideRequest,
): boolean {
  const category = runtime.consentCategory;
  if (category === undefined) return true;
  const stated =
    request.consent !== undefined && Object.hasOwn(request.consent, category)
      ? request.consent[category]
      : profile?.consent !== undefined && Object.hasOwn(profile.consent.categories, category)
        ? profile.consent.categories[category]
        : undefined;
  return stated ?? request.consentWhenUnknown === 'allow';
}
