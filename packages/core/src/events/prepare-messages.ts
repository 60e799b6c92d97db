import type { ConsentState } from '../profiles/profile.js';
import type { IngestSettings } from '../settings/workspace-settings.js';
import {
  checkConsent,
  consentPreferenceUpdatedEvent,
  readConsentPreferences,
  type ConsentPolicy,
} from './consent.js';
import type { DeadLetterReason, FieldError } from './dead-letter-store.js';
import type { EventType, OnrampEvent } from './event.js';
import { normalizeEvent } from './normalize-event.js';
import { checkTrackingPlan, type TrackingPlan } from './tracking-plan.js';
import { messageRootField, utf8Length, validateMessage } from './validate-message.js';

export interface PrepareOptions {
  receivedAt: number;
  /** The `/v1/batch` body's `sentAt`, in epoch ms. */
  batchSentAt?: number;
  /** The single-message endpoint's type (`/v1/track` → track); unused for batches. */
  endpointType?: EventType;
  /** Items are named `batch[i]` in errors; a single message's fields have no prefix. */
  isBatch: boolean;
  settings: IngestSettings;
  trackingPlan: TrackingPlan;
  consent: ConsentPolicy;
  /** The consent stored on the event's profile, asked only when the event needs it. */
  storedConsent: (event: OnrampEvent) => ConsentState | undefined;
  newMessageId: () => string;
  /** Measure each message's JSON against maxMessageBytes (when the caller couldn't). */
  measureSize: boolean;
}

export interface RejectedMessage {
  /** Position in the request's messages (0 for a single message). */
  index: number;
  reason: DeadLetterReason;
  errors: FieldError[];
  /** The message as received. */
  payload: unknown;
}

export interface PreparedBatch {
  /** Valid, consented events, in request order: what to append to the log. */
  events: OnrampEvent[];
  rejected: RejectedMessage[];
  /** Valid events left out because their purpose lacks consent; they are not kept anywhere. */
  droppedForConsent: number;
  /** Events kept with tracking-plan violations (mode "flag"). */
  flagged: number;
}

/**
 * The ingest pipeline of one request, pure: size → validate → normalize → consent →
 * tracking plan. Every message is decided on its own, so a bad one never blocks the
 * others and each rejection names the message's index and fields.
 *
 * Consent comes before the tracking plan on purpose: an event without consent must not
 * end up in the dead-letter store either, so only consented events can be rejected by
 * the plan (whose dead letters keep the payload).
 */
export function prepareMessages(
  inputs: readonly unknown[],
  options: PrepareOptions,
): PreparedBatch {
  const result: PreparedBatch = { events: [], rejected: [], droppedForConsent: 0, flagged: 0 };
  const endpointType = options.isBatch ? undefined : options.endpointType;
  const normalize = {
    receivedAt: options.receivedAt,
    batchSentAt: options.batchSentAt,
    skewCorrection: options.settings.skewCorrection,
    newMessageId: options.newMessageId,
  };

  for (let index = 0; index < inputs.length; index++) {
    const payload = inputs[index];
    const path = options.isBatch ? `batch[${index}]` : '';

    if (options.measureSize) {
      const sizeError = checkSize(payload, options.settings.maxMessageBytes);
      if (sizeError !== undefined) {
        const errors = [{ field: path || messageRootField, message: sizeError.message }];
        result.rejected.push({ index, reason: sizeError.reason, errors, payload });
        continue;
      }
    }

    const validation = validateMessage(payload, { path, type: endpointType });
    if (!validation.ok) {
      result.rejected.push({ index, reason: 'invalid', errors: validation.errors, payload });
      continue;
    }
    const event = normalizeEvent(validation.message, normalize);

    if (options.consent.enforced) {
      const consent = checkConsent(options.consent, event, options.storedConsent(event));
      if (!consent.allowed) {
        result.droppedForConsent++;
        // The event is not kept, but the person's choice is: a revocation must reach the profile.
        const preferences = readConsentPreferences(event);
        if (preferences !== undefined) result.events.push(consentRecordOf(event, preferences));
        continue;
      }
    }

    const plan = checkTrackingPlan(options.trackingPlan, event);
    if (plan.outcome === 'reject') {
      const errors = plan.violations.map((v) => ({
        field: prefixField(path, v.field),
        message: v.message,
      }));
      result.rejected.push({ index, reason: 'tracking_plan', errors, payload });
      continue;
    }
    if (plan.outcome === 'flag') {
      event.violations = plan.violations.map((v) => `${v.field}: ${v.message}`);
      result.flagged++;
    }
    result.events.push(event);
  }
  return result;
}

function checkSize(
  payload: unknown,
  maxBytes: number,
): { reason: DeadLetterReason; message: string } | undefined {
  let json: string | undefined;
  try {
    json = JSON.stringify(payload);
  } catch {
    return { reason: 'invalid', message: 'must be JSON' };
  }
  if (json === undefined) return { reason: 'invalid', message: 'must be a JSON object' };
  // UTF-8 takes at least one byte per UTF-16 unit and at most three.
  if (json.length * 3 <= maxBytes) return undefined;
  if (json.length > maxBytes || utf8Length(json) > maxBytes) {
    return { reason: 'too_large', message: `must be at most ${maxBytes} bytes of JSON` };
  }
  return undefined;
}

/** `properties.plan` under `batch[3]` → `batch[3].properties.plan`. */
function prefixField(path: string, field: string): string {
  if (path === '') return field;
  return field.startsWith('[') ? `${path}${field}` : `${path}.${field}`;
}

/**
 * What is kept of an event dropped for lack of consent: only who, when and the
 * consent preferences it carried, as a "Segment Consent Preference Updated" event
 * (always allowed, see consent.ts) with a derived messageId so retries stay idempotent.
 */
function consentRecordOf(event: OnrampEvent, preferences: Record<string, boolean>): OnrampEvent {
  return {
    type: 'track',
    event: consentPreferenceUpdatedEvent,
    messageId: `${event.messageId}:consent`,
    ...(event.userId === undefined ? {} : { userId: event.userId }),
    ...(event.anonymousId === undefined ? {} : { anonymousId: event.anonymousId }),
    context: { consent: { categoryPreferences: preferences } },
    timestamp: event.timestamp,
    receivedAt: event.receivedAt,
  };
}
