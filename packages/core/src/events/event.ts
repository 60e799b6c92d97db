import { isJsonObject, type JsonObject } from '../json/json.js';

export const eventTypes = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;
export type EventType = (typeof eventTypes)[number];

/**
 * One Segment-spec message after validation and normalization: what the log stores
 * and the processor applies. Times are milliseconds since the epoch.
 */
export interface OnrampEvent {
  type: EventType;
  messageId: string;
  userId?: string;
  anonymousId?: string;
  /** track: the event name. */
  event?: string;
  /** page / screen: the page or screen name. */
  name?: string;
  /** page: the page category. */
  category?: string;
  /** group: the group (account) id. */
  groupId?: string;
  /** alias: the identity being merged into userId. */
  previousId?: string;
  properties?: JsonObject;
  traits?: JsonObject;
  context?: JsonObject;
  integrations?: JsonObject;
  /** When it happened, corrected for device clock skew when sentAt was given. */
  timestamp: number;
  /** The timestamp as the client sent it, before skew correction. */
  originalTimestamp?: number;
  sentAt?: number;
  receivedAt: number;
  /** Tracking-plan violations, kept when the plan's mode is "flag". */
  violations?: string[];
}

/** An identity as stored: `u:<userId>` or `a:<anonymousId>`. */
export type IdentityKey = string;

export function userIdentity(userId: string): IdentityKey {
  return `u:${userId}`;
}

export function anonymousIdentity(anonymousId: string): IdentityKey {
  return `a:${anonymousId}`;
}

/** The identity an event is partitioned by: its userId, else its anonymousId. */
export function partitionIdentity(event: Pick<OnrampEvent, 'userId' | 'anonymousId'>): IdentityKey {
  if (event.userId !== undefined) return userIdentity(event.userId);
  return anonymousIdentity(event.anonymousId as string);
}

/**
 * The name per-event metrics are kept under: a track event's name, or a reserved
 * `$page`, `$screen`, `$identify`, `$group`, `$alias` for the other types.
 */
export function metricName(event: Pick<OnrampEvent, 'type' | 'event'>): string {
  return event.type === 'track' ? (event.event as string) : `$${event.type}`;
}

/**
 * The rule that emitted the event (`context.onramp.rule`), if one did: such an event
 * is the engine's output, counted by name but not as the person's activity.
 */
/** The segment whose membership change emitted this event (`Segment Entered` / `Segment Exited`), if any. */
export function emittingSegment(event: Pick<OnrampEvent, 'context'>): string | undefined {
  const onramp = event.context?.['onramp'];
  if (!isJsonObject(onramp)) return undefined;
  const segment = onramp['segment'];
  return typeof segment === 'string' ? segment : undefined;
}

export function emittingRule(event: Pick<OnrampEvent, 'context'>): string | undefined {
  const onramp = event.context?.['onramp'];
  if (!isJsonObject(onramp)) return undefined;
  const rule = onramp['rule'];
  return typeof rule === 'string' ? rule : undefined;
}

/**
 * Whether the engine emitted the event (a rule's emit, a segment change, flow
 * progress: `context.onramp.rule`, `.segment` or `.flow`): counted by name, but not
 * the person's activity.
 */
export function isEngineEvent(event: Pick<OnrampEvent, 'context'>): boolean {
  const onramp = event.context?.['onramp'];
  if (!isJsonObject(onramp)) return false;
  return (
    typeof onramp['rule'] === 'string' ||
    typeof onramp['segment'] === 'string' ||
    typeof onramp['flow'] === 'string'
  );
}
