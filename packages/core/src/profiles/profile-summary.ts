/**
 * The public JSON view of a profile (admin API, decide context): times as ISO
 * 8601 strings, window counts keyed by the window's label ("1h", "24h", …, plus
 * the engagement window when it is not a configured one). Built on read, never
 * on the hot path; it shares no mutable object with the state.
 */
import { isUnsafeKey, type JsonObject } from '../json/json.js';
import type { ProfilePlan } from './apply-event.js';
import { engagementScore } from './engagement.js';
import {
  EVENT_BUCKETS,
  EVENT_FIRST,
  EVENT_LAST,
  EVENT_TOTAL,
  touchDetailFields,
  type FlowProgress,
  type ProfileState,
  type TouchContext,
} from './profile.js';
import { summarizeSessions, type SessionSummary } from './sessions.js';
import { countInWindows } from './windows.js';

export interface TouchSummary {
  at: string;
  utm?: { source?: string; medium?: string; campaign?: string; term?: string; content?: string };
  referrer?: string;
  signupSource?: string;
  page?: string;
  device?: string;
  os?: string;
  browser?: string;
  locale?: string;
  timezone?: string;
}

export interface EventSummary {
  firstSeen: string;
  lastSeen: string;
  total: number;
  windows: Record<string, number>;
}

export interface ProfileSummary {
  profileId: string;
  userId: string | null;
  anonymousIds: string[];
  version: number;
  firstSeen: string;
  lastSeen: string;
  traits: JsonObject;
  groups: Record<string, JsonObject>;
  consent: { categories: Record<string, boolean>; updatedAt: string } | null;
  firstTouch: TouchSummary | null;
  lastTouch: TouchSummary | null;
  sessions: SessionSummary;
  metrics: {
    eventCount: number;
    untrackedEvents: number;
    engagementScore: number;
    events: Record<string, EventSummary>;
  };
  /** Standing (unexpired) decisions by placement, as rules set them. */
  decisions: Record<string, DecisionSummary>;
  /** Onboarding flow progress by flow id (docs/flows.md). */
  flows: Record<string, FlowProgressSummary>;
  /** Interactions with content (Content Shown, Clicked, Dismissed, Completed) by content id. */
  interactions: Record<string, InteractionSummary>;
  /** Armed time triggers: rule id → due time (`$segments`: the re-check of time-dependent segments). */
  timers: Record<string, string>;
  /** Segments and cohort bands (`cohort:band`) the profile is in, in the order it entered them. */
  segments: string[];
}

export interface FlowProgressSummary {
  /** The first step still to do ("" once completed). */
  step: string;
  at: string;
  startedAt?: string;
  variant?: string;
  /** Step id → when. */
  done?: Record<string, string>;
  skipped?: Record<string, string>;
  dismissed?: Record<string, string>;
  completedAt?: string;
  timeToCompleteMs?: number;
}

export interface InteractionSummary {
  shown: number;
  clicked: number;
  dismissed: number;
  completed: number;
  lastShownAt?: string;
  lastDismissedAt?: string;
}

export interface DecisionSummary {
  content: string;
  rule: string;
  version: number;
  priority: number;
  at: string;
  expiresAt?: string;
  variables?: JsonObject;
  segment?: string;
  variant?: string;
  maxShows?: number;
  /** Ms after a dismissal it is shown again (0: shown anyway); absent: hidden once dismissed. */
  afterDismiss?: number;
}

export function summarizeProfile(
  state: ProfileState,
  plan: ProfilePlan,
  now: number,
): ProfileSummary {
  return {
    profileId: state.id,
    userId: state.userId ?? null,
    anonymousIds: [...state.anonymousIds],
    version: state.version,
    firstSeen: iso(state.firstSeen),
    lastSeen: iso(state.lastSeen),
    traits: copyRecord(state.traits, structuredClone),
    groups: copyRecord(state.groups ?? {}, (traits) => copyRecord(traits, structuredClone)),
    consent:
      state.consent === undefined
        ? null
        : {
            categories: copyRecord(state.consent.categories, (granted) => granted),
            updatedAt: iso(state.consent.updatedAt),
          },
    firstTouch: summarizeTouch(state.firstTouch),
    lastTouch: summarizeTouch(state.lastTouch),
    sessions: summarizeSessions(state.sessions, now, plan.sessionTimeoutMs, state.id),
    metrics: {
      eventCount: state.eventCount,
      untrackedEvents: state.untrackedEvents,
      engagementScore: engagementScore(state, plan.engagement, plan.windows, now),
      events: copyRecord(state.events, (counters) => {
        const counts = countInWindows(counters, plan.windows, now, EVENT_BUCKETS);
        const windows: Record<string, number> = {};
        plan.windows.windows.forEach((w, i) => (windows[w.label] = counts[i] as number));
        return {
          firstSeen: iso(counters[EVENT_FIRST] as number),
          lastSeen: iso(counters[EVENT_LAST] as number),
          total: counters[EVENT_TOTAL] as number,
          windows,
        };
      }),
    },
    decisions: summarizeDecisions(state, now),
    flows: copyRecord(state.flows ?? {}, summarizeFlow),
    interactions: copyRecord(state.interactions ?? {}, summarizeInteractions),
    timers: copyRecord(state.rules?.timers ?? {}, iso),
    segments: [...(state.segments ?? [])],
  };
}

function summarizeDecisions(state: ProfileState, now: number): Record<string, DecisionSummary> {
  const decisions: Record<string, DecisionSummary> = {};
  for (const [placement, decision] of Object.entries(state.decisions ?? {})) {
    if (isUnsafeKey(placement)) continue;
    if (decision.expiresAt !== undefined && decision.expiresAt <= now) continue;
    decisions[placement] = {
      content: decision.content,
      rule: decision.rule,
      version: decision.version,
      priority: decision.priority,
      at: iso(decision.at),
      ...(decision.expiresAt === undefined ? {} : { expiresAt: iso(decision.expiresAt) }),
      ...(decision.variables === undefined
        ? {}
        : { variables: structuredClone(decision.variables) }),
      ...(decision.segment !== undefined && { segment: decision.segment }),
      ...(decision.variant !== undefined && { variant: decision.variant }),
      ...(decision.maxShows !== undefined && { maxShows: decision.maxShows }),
      ...(decision.afterDismiss !== undefined && { afterDismiss: decision.afterDismiss }),
    };
  }
  return decisions;
}

function summarizeFlow(flow: FlowProgress): FlowProgressSummary {
  const times = (record: Record<string, number> | undefined) =>
    record === undefined ? undefined : copyRecord(record, iso);
  const done = times(flow.done);
  const skipped = times(flow.skipped);
  const dismissed = times(flow.dismissed);
  return {
    step: flow.step,
    at: iso(flow.at),
    ...(flow.startedAt !== undefined && { startedAt: iso(flow.startedAt) }),
    ...(flow.variant !== undefined && { variant: flow.variant }),
    ...(done !== undefined && { done }),
    ...(skipped !== undefined && { skipped }),
    ...(dismissed !== undefined && { dismissed }),
    ...(flow.completedAt !== undefined && { completedAt: iso(flow.completedAt) }),
    ...(flow.completedAt !== undefined &&
      flow.startedAt !== undefined && { timeToCompleteMs: flow.completedAt - flow.startedAt }),
  };
}

/** [shown, clicked, dismissed, completed, last shown at, last dismissed at] (decide/interactions.ts). */
function summarizeInteractions(counts: number[]): InteractionSummary {
  const [shown = 0, clicked = 0, dismissed = 0, completed = 0, lastShown, lastDismissed] = counts;
  return {
    shown,
    clicked,
    dismissed,
    completed,
    ...(lastShown !== undefined && lastShown > 0 && { lastShownAt: iso(lastShown) }),
    ...(lastDismissed !== undefined &&
      lastDismissed > 0 && { lastDismissedAt: iso(lastDismissed) }),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Present fields in a fixed order, utm last and nested, as the API has always shown them. */
function summarizeTouch(touch: TouchContext | undefined): TouchSummary | null {
  if (touch === undefined) return null;
  const summary: TouchSummary = { at: iso(touch.at) };
  for (const key of touchFields) {
    const value = touch[key];
    if (value !== undefined) summary[key] = value;
  }
  const utm: NonNullable<TouchSummary['utm']> = {};
  let hasUtm = false;
  for (const [key, field] of utmFields) {
    const value = touch[field];
    if (value === undefined) continue;
    utm[key] = value;
    hasUtm = true;
  }
  if (hasUtm) summary.utm = utm;
  return summary;
}

const touchFields = touchDetailFields;

const utmFields = [
  ['source', 'utmSource'],
  ['medium', 'utmMedium'],
  ['campaign', 'utmCampaign'],
  ['term', 'utmTerm'],
  ['content', 'utmContent'],
] as const;

/** Own, safe keys only: a state loaded from JSON may hold a "__proto__" own key. */
function copyRecord<T, U>(record: Record<string, T>, map: (value: T) => U): Record<string, U> {
  const copy: Record<string, U> = {};
  for (const key in record) {
    const value = record[key];
    if (Object.hasOwn(record, key) && !isUnsafeKey(key) && value !== undefined)
      copy[key] = map(value);
  }
  return copy;
}
