import type { JsonObject } from '../json/json.js';

/** Where a person came from and on what, as seen on one event. */
export interface TouchContext {
  at: number;
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

export interface ConsentState {
  /** Category → granted, as last seen in `context.consent.categoryPreferences`. */
  categories: Record<string, boolean>;
  updatedAt: number;
}

export interface SessionState {
  count: number;
  /** The open (or last) session: start, last event, event count. */
  current?: { id: string; start: number; last: number; events: number };
  /** Sum of the durations of all sessions, the current one included. */
  totalDurationMs: number;
  /** Duration of the session before the current one. */
  previousDurationMs?: number;
}

/**
 * Per event name: first and last time seen, lifetime total, and the compact
 * bucket counters of the sliding windows (see windows.ts for the encoding).
 */
export interface EventStats {
  first: number;
  last: number;
  total: number;
  buckets: number[];
}

/**
 * Everything the engine keeps hot about one person. Plain JSON so that every
 * store can persist it as is; bounded in size by the profile settings.
 */
export interface ProfileState {
  id: string;
  userId?: string;
  anonymousIds: string[];
  /** Increments on every change; the SSE event id. */
  version: number;
  firstSeen: number;
  lastSeen: number;
  traits: JsonObject;
  /** Group (account) traits by groupId, most recent last. */
  groups: Record<string, JsonObject>;
  consent?: ConsentState;
  firstTouch?: TouchContext;
  lastTouch?: TouchContext;
  events: Record<string, EventStats>;
  /** Events whose name was beyond maxEventNames, counted but not tracked by name. */
  untrackedEvents: number;
  eventCount: number;
  sessions: SessionState;
}
