import type { OnrampEvent } from './event.js';
import { parseIsoTimestamp, type SegmentMessage } from './validate-message.js';

export interface NormalizeOptions {
  /** When the server received the request, in epoch ms. */
  receivedAt: number;
  /** The batch's own `sentAt` (`/v1/batch` body), used when the message has none. */
  batchSentAt?: number;
  /** Correct the client's clock skew from `sentAt` (IngestSettings.skewCorrection). */
  skewCorrection: boolean;
  newMessageId: () => string;
}

/**
 * Turns a validated Segment message into the event the log stores: times in epoch ms,
 * a messageId, and only the known fields.
 *
 * Time follows Segment's spec (connections/spec/common): the time the client gave
 * (`originalTimestamp`, else `timestamp`) is on the device's clock, and so is `sentAt`;
 * their difference is how long the event waited on the device, so with skew correction
 * `timestamp = receivedAt - (sentAt - originalTimestamp)`. Without a client time the
 * event happened when it was received; without `sentAt` the client's time is kept.
 */
export function normalizeEvent(message: SegmentMessage, options: NormalizeOptions): OnrampEvent {
  const { receivedAt } = options;
  const timestamp = toMillis(message.timestamp);
  const originalTimestamp = toMillis(message.originalTimestamp);
  const sentAt = toMillis(message.sentAt) ?? options.batchSentAt;
  // The device's clock reading when the event happened, as Segment's originalTimestamp.
  const deviceTime = originalTimestamp ?? timestamp;

  let time = timestamp ?? originalTimestamp ?? receivedAt;
  if (options.skewCorrection && sentAt !== undefined && deviceTime !== undefined) {
    time = receivedAt - (sentAt - deviceTime);
  }

  const event: OnrampEvent = {
    type: message.type,
    messageId: message.messageId ?? options.newMessageId(),
    timestamp: time,
    receivedAt,
  };
  if (deviceTime !== undefined) event.originalTimestamp = deviceTime;
  if (sentAt !== undefined) event.sentAt = sentAt;
  if (message.userId !== undefined) event.userId = String(message.userId);
  if (message.anonymousId !== undefined) event.anonymousId = String(message.anonymousId);
  if (message.event !== undefined) event.event = message.event;
  if (message.name !== undefined) event.name = message.name;
  if (message.category !== undefined) event.category = message.category;
  if (message.groupId !== undefined) event.groupId = String(message.groupId);
  if (message.previousId !== undefined) event.previousId = String(message.previousId);
  if (message.properties !== undefined) event.properties = message.properties;
  if (message.traits !== undefined) event.traits = message.traits;
  if (message.context !== undefined) event.context = message.context;
  if (message.integrations !== undefined) event.integrations = message.integrations;
  return event;
}

function toMillis(text: string | undefined): number | undefined {
  return text === undefined ? undefined : parseIsoTimestamp(text);
}
