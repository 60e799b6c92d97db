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
 * current one included. Session id: `${profileId}:${start.toString(36)}`.
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

type CurrentSession = NonNullable<SessionState['current']>;

export function sessionId(profileId: string, start: number): string {
  return `${profileId}:${start.toString(36)}`;
}

export function recordSessionActivity(
  sessions: SessionState,
  timestamp: number,
  timeoutMs: number,
  profileId: string,
): void {
  const current = sessions.current;
  if (current === undefined) {
    openSession(sessions, timestamp, profileId);
  } else if (timestamp > current.last + timeoutMs) {
    sessions.previousDurationMs = current.last - current.start;
    openSession(sessions, timestamp, profileId);
  } else if (timestamp >= current.start - timeoutMs) {
    extendSession(sessions, current, timestamp, profileId);
  } else {
    sessions.count += 1;
    // With no earlier session known, this late one is the one before the current.
    sessions.previousDurationMs ??= 0;
  }
}

export function summarizeSessions(
  sessions: SessionState,
  now: number,
  timeoutMs: number,
): SessionSummary {
  const c = sessions.current;
  return {
    count: sessions.count,
    current:
      c === undefined
        ? null
        : {
            id: c.id,
            startedAt: new Date(c.start).toISOString(),
            lastEventAt: new Date(c.last).toISOString(),
            durationMs: c.last - c.start,
            events: c.events,
            active: now <= c.last + timeoutMs,
          },
    totalDurationMs: sessions.totalDurationMs,
    averageDurationMs:
      sessions.count > 0 ? Math.round(sessions.totalDurationMs / sessions.count) : 0,
    previousDurationMs: sessions.previousDurationMs ?? null,
  };
}

/**
 * Combines the sessions of two profiles of one person into `target`. Current
 * sessions less than timeoutMs apart are one session; otherwise the later one
 * stays current and the earlier one becomes the previous session (which of the
 * older sessions came last is not known, so that is the choice).
 */
export function mergeSessions(
  target: SessionState,
  source: SessionState,
  timeoutMs: number,
  profileId: string,
): void {
  const a = target.current;
  const b = source.current;
  target.count += source.count;
  target.totalDurationMs += source.totalDurationMs;
  if (b === undefined) return;
  if (a === undefined) {
    target.current = { ...b, id: sessionId(profileId, b.start) };
    if (source.previousDurationMs !== undefined) {
      target.previousDurationMs = source.previousDurationMs;
    }
    return;
  }
  const gap = Math.max(a.start, b.start) - Math.min(a.last, b.last);
  if (gap <= timeoutMs) {
    joinSessions(target, a, b, profileId);
    if (target.previousDurationMs === undefined && source.previousDurationMs !== undefined) {
      target.previousDurationMs = source.previousDurationMs;
    }
    return;
  }
  const [earlier, later] = a.last <= b.last ? [a, b] : [b, a];
  target.previousDurationMs = earlier.last - earlier.start;
  target.current = { ...later, id: sessionId(profileId, later.start) };
}

function openSession(sessions: SessionState, timestamp: number, profileId: string): void {
  sessions.count += 1;
  sessions.current = {
    id: sessionId(profileId, timestamp),
    start: timestamp,
    last: timestamp,
    events: 1,
  };
}

function extendSession(
  sessions: SessionState,
  current: CurrentSession,
  timestamp: number,
  profileId: string,
): void {
  current.events += 1;
  if (timestamp > current.last) {
    sessions.totalDurationMs += timestamp - current.last;
    current.last = timestamp;
  } else if (timestamp < current.start) {
    sessions.totalDurationMs += current.start - timestamp;
    current.start = timestamp;
    current.id = sessionId(profileId, timestamp);
  }
}

/** Two overlapping (or close) current sessions become one: counts and durations corrected. */
function joinSessions(
  target: SessionState,
  a: CurrentSession,
  b: CurrentSession,
  profileId: string,
): void {
  const start = Math.min(a.start, b.start);
  const last = Math.max(a.last, b.last);
  target.count -= 1;
  target.totalDurationMs += last - start - (a.last - a.start) - (b.last - b.start);
  target.current = { id: sessionId(profileId, start), start, last, events: a.events + b.events };
}
