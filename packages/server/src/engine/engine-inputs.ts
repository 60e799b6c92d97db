/** How the engine shows stored events and reads raw ingest inputs: small pure helpers. */
import {
  anonymousIdentity,
  userIdentity,
  type IdentityKey,
  type JsonValue,
  type OnrampEvent,
} from '@onramp/core';

/** The stored event as the API shows it: times as ISO 8601 strings. */
export function presentEvent(event: OnrampEvent): Record<string, unknown> {
  const iso = (ms: number | undefined) =>
    ms === undefined ? undefined : new Date(ms).toISOString();
  return {
    ...event,
    timestamp: iso(event.timestamp),
    receivedAt: iso(event.receivedAt),
    ...(event.sentAt === undefined ? {} : { sentAt: iso(event.sentAt) }),
    ...(event.originalTimestamp === undefined
      ? {}
      : { originalTimestamp: iso(event.originalTimestamp) }),
  };
}

export function toJsonPayload(payload: unknown): JsonValue {
  if (payload === undefined) return null;
  // Payloads come from JSON.parse, so they are JSON already; the store truncates huge ones.
  if (
    typeof payload === 'object' &&
    payload !== null &&
    !Array.isArray(payload) &&
    'writeKey' in payload
  ) {
    // A dead letter never keeps the key that authenticated it.
    const { writeKey: _writeKey, ...rest } = payload as Record<string, JsonValue>;
    return rest;
  }
  return payload as JsonValue;
}

/** The identity each raw message would be partitioned by (userId, else anonymousId), unvalidated. */
export function senderIdentities(inputs: readonly unknown[]): IdentityKey[] {
  const identities: IdentityKey[] = [];
  for (const input of inputs) {
    if (typeof input !== 'object' || input === null) continue;
    const { userId, anonymousId } = input as { userId?: unknown; anonymousId?: unknown };
    if (typeof userId === 'string' || typeof userId === 'number')
      identities.push(userIdentity(String(userId)));
    else if (typeof anonymousId === 'string' || typeof anonymousId === 'number') {
      identities.push(anonymousIdentity(String(anonymousId)));
    }
  }
  return identities;
}
