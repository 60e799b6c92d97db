/**
 * Sessions: runs of activity split by `timeoutMs` of inactivity (30 min by default).
 *
 * The state keeps only the current (latest) session exactly, plus counters, so:
 * - an event after `last + timeoutMs` closes the current session (its duration
 *   becomes previousDurationMs) and opens a new one;
 * - an event inside the current session's span, or at most timeoutMs before its
 *   start, belongs to it; an earlier one extends it backwards (the id follows the
 *   start, so it changes then);
 * - an event more than timeoutMs before the current session's start is counted as
 *   a past session of its own (duration 0). Older sessions are not kept, so it
 *   can't be attached to one: a burst of late events from one offline session
 *   counts as several sessions, and a backwards extension never joins the session
 *   before it.
 * A session's duration is last − start; totalDurationMs sums all of them, the
 * current one included. Session id: `${profileId}:${start.toString(36)}`, derived
 * when summarized (never stored: it would cost a string per profile), so it
 * follows the profile the session ends up in after an identity merge.
 */
import type { SessionState } from './profile.js';

export interface SessionSummary {
  count: number;
  current: {
    id: string;
    startedAt: string;
    lastEventAt: string;
    durationMs: number;
    events: number;
    /** Whether the session is still open at `now` (no timeout has passed since its last event). */
    active: boolean;
  } | null;
  totalDurationMs: number;
  averageDurationMs: number;
  previousDurationMs: number | null;
}

export function createSessions(): SessionState {
  return { count: 0, totalDurationMs: 0, previousDurationMs: null, start: 0, last: 0, events: 0 };
}

export function sessionId(profileId: string, start: number): string {
  return `${profileId}:${start.toString(36)}`;
}

export function recordSessionActivity(
  sessions: SessionState,
  timestamp: number,
  timeoutMs: number,
): void {
  if (sessions.events === 0) {
    openSession(sessions, timestamp);
  } else if (timestamp > sessions.last + timeoutMs) {
    sessions.previousDurationMs = sessions.last - sessions.start;
    openSession(sessions, timestamp);
  } else if (timestamp >= sessions.start - timeoutMs) {
    extendSession(sessions, timestamp);
  } else {
    sessions.count += 1;
    // With no earlier session known, this late one is the one before the current.
    sessions.previousDurationMs ??= 0;
  }
}

/** The public view; `profileId` names the current session (see sessionId). */
export function summarizeSessions(
  sessions: SessionState,
  now: number,
  timeoutMs: number,
  profileId: string,
): SessionSummary {
  const s = sessions;
  return {
    count: s.count,
    current:
      s.events === 0
        ? null
        : {
            id: sessionId(profileId, s.start),
            startedAt: new Date(s.start).toISOString(),
            lastEventAt: new Date(s.last).toISOString(),
            durationMs: s.last - s.start,
            events: s.events,
            active: now <= s.last + timeoutMs,
          },
    totalDurationMs: s.totalDurationMs,
    averageDurationMs: s.count > 0 ? Math.round(s.totalDurationMs / s.count) : 0,
    previousDurationMs: s.previousDurationMs,
  };
}

/**
 * Combines the sessions of two profiles of one person into `target`. Current
 * sessions less than timeoutMs apart are one session; otherwise the later one
 * stays current and the earlier one becomes the previous session (which of the
 * older sessions came last is not known, so that is the choice).
 */
export function mergeSessions(target: SessionState, source: SessionState, timeoutMs: number): void {
  target.count += source.count;
  target.totalDurationMs += source.totalDurationMs;
  if (source.events === 0) return;
  if (target.events === 0) {
    setCurrent(target, source.start, source.last, source.events);
    if (source.previousDurationMs !== null) target.previousDurationMs = source.previousDurationMs;
    return;
  }
  const gap = Math.max(target.start, source.start) - Math.min(target.last, source.last);
  if (gap <= timeoutMs) {
    joinSessions(target, source);
    if (target.previousDurationMs === null && source.previousDurationMs !== null) {
      target.previousDurationMs = source.previousDurationMs;
    }
    return;
  }
  if (target.last <= source.last) {
    target.previousDurationMs = target.last - target.start;
    setCurrent(target, source.start, source.last, source.events);
  } else {
    target.previousDurationMs = source.last - source.start;
  }
}

function openSession(sessions: SessionState, timestamp: number): void {
  sessions.count += 1;
  setCurrent(sessions, timestamp, timestamp, 1);
}

function setCurrent(sessions: SessionState, start: number, last: number, events: number): void {
  sessions.start = start;
  sessions.last = last;
  sessions.events = events;
}

function extendSession(sessions: SessionState, timestamp: number): void {
  sessions.events += 1;
  if (timestamp > sessions.last) {
    sessions.totalDurationMs += timestamp - sessions.last;
    sessions.last = timestamp;
  } else if (timestamp < sessions.start) {
    sessions.totalDurationMs += sessions.start - timestamp;
    sessions.start = timestamp;
  }
}

/** Two overlapping (or close) current sessions become one: counts and durations corrected. */
function joinSessions(target: SessionState, source: SessionState): void {
  const start = Math.min(target.start, source.start);
  const last = Math.max(target.last, source.last);
  target.count -= 1;
  target.totalDurationMs +=
    last - start - (target.last - target.start) - (source.last - source.start);
  setCurrent(target, start, last, target.events + source.events);
}
