/**
 * The events a membership change puts in the log: `Segment Entered` and
 * `Segment Exited`, track events of the profile's identity, so rules, analytics
 * and webhooks see them like any other. Their messageIds are deterministic (the
 * change and its cause), so a replay after a crash appends nothing new.
 */
import type { OnrampEvent } from '../events/event.js';
import type { JsonObject } from '../json/json.js';
import type { ProfileState } from '../profiles/profile.js';
import type { MembershipChange } from './segment.js';

export const SEGMENT_ENTERED = 'Segment Entered';
export const SEGMENT_EXITED = 'Segment Exited';

/**
 * One event per change. `cause` names what caused it, unique for the profile: the
 * triggering event's messageId, `timer:<due>`, `sweep:<job>`. `depth` is the
 * triggering event's emit depth (0 for an ingested event).
 */
export function membershipEvents(
  profile: ProfileState,
  changes: readonly MembershipChange[],
  cause: string,
  now: number,
  depth: number,
): OnrampEvent[] {
  const identity: Pick<OnrampEvent, 'userId' | 'anonymousId'> =
    profile.userId !== undefined
      ? { userId: profile.userId }
      : { anonymousId: profile.anonymousIds[0] ?? profile.id };
  return changes.map(({ segment, on }) => {
    const separator = segment.indexOf(':');
    const properties: JsonObject =
      separator < 0
        ? { segment_id: segment }
        : {
            segment_id: segment,
            cohort_id: segment.slice(0, separator),
            band_id: segment.slice(separator + 1),
          };
    return {
      type: 'track',
      messageId: `segment:${segment}:${on}:${profile.id}:${cause}`,
      ...identity,
      event: on === 'entered' ? SEGMENT_ENTERED : SEGMENT_EXITED,
      properties,
      context: { onramp: { segment, depth: depth + 1 } },
      timestamp: now,
      receivedAt: now,
    };
  });
}
