/**
 * What decide reads besides the sources: whether personalization is allowed, the
 * locale, the template scope every placement shares, and a flow as a visitor sees it.
 */
import { canonicalLocale } from '../content/locale.js';
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

/** What every template of the request may read; only context, locale without consent. */
export function baseScope(
  profile: ProfileState | undefined,
  request: DecideRequest,
  locale: string,
): Record<string, unknown> {
  const scope: Record<string, unknown> = { context: request.context, locale };
  if (profile === undefined) return scope;
  scope['traits'] = profile.traits;
  scope['user'] = {
    profileId: profile.id,
    ...(profile.userId !== undefined && { userId: profile.userId }),
    ...(profile.anonymousIds[0] !== undefined && { anonymousId: profile.anonymousIds[0] }),
  };
  scope['segments'] = profile.segments ?? [];
  scope['metrics'] = {
    eventCount: profile.eventCount,
    sessions: profile.sessions.count,
    firstSeen: new Date(profile.firstSeen).toISOString(),
    lastSeen: new Date(profile.lastSeen).toISOString(),
  };
  return scope;
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
