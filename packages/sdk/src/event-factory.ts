// Builds Segment-spec messages from the tracking calls and queues them, applying consent.
import type { ConsentState } from './consent.js';
import type { Delivery } from './delivery.js';
import { browserContext, pageContext, SDK_NAME, SDK_VERSION, uuid } from './environment.js';
import { invalidInput, OnrampError } from './errors.js';
import type { EventQueue, QueuedEvent } from './event-queue.js';
import type { Identity } from './identity.js';
import { toJsonObject } from './safe-json.js';
import type {
  Decision,
  EventOptions,
  InteractionKind,
  JsonObject,
  OnrampOptions,
} from './types.js';

/** The engine refuses messages over 32 KB of JSON (ingest.maxMessageBytes). */
const maxMessageBytes = 32_000;

const interactionEvents: Record<InteractionKind, string> = {
  shown: 'Content Shown',
  clicked: 'Content Clicked',
  dismissed: 'Content Dismissed',
  completed: 'Content Completed',
};

export interface EventFactoryOptions {
  identity: Identity;
  consent: ConsentState;
  queue: EventQueue;
  delivery: Delivery;
  now: () => number;
  report: (error: OnrampError) => void;
  options: OnrampOptions;
}

export function createEventFactory(factory: EventFactoryOptions) {
  const { identity, consent, queue, delivery, report, options } = factory;
  const whenUnknown = options.consent?.whenUnknown ?? 'hold';

  /** Stamps the current consent answers, as Segment's consent wrappers do. */
  const stamp = (message: QueuedEvent['message']) => {
    const preferences = consent.get();
    if (Object.keys(preferences).length === 0) return;
    const context = (message['context'] ?? {}) as JsonObject;
    context['consent'] = { categoryPreferences: preferences };
    message['context'] = context;
  };

  const enqueue = (type: string, fields: JsonObject, eventOptions: EventOptions = {}) => {
    const context = toJsonObject(eventOptions.context, 'options.context');
    if (!context.ok) return report(context.error);
    const timestamp = timestampOf(eventOptions.timestamp, factory.now);
    if (timestamp === undefined)
      return report(invalidInput('options.timestamp', 'must be a valid date'));
    const messageId = eventOptions.messageId ?? uuid();
    if (typeof messageId !== 'string' || messageId === '' || messageId.length > 100) {
      return report(invalidInput('options.messageId', 'must be a string of 1 to 100 characters'));
    }
    const categories = eventOptions.categories ?? options.consent?.defaultCategories ?? [];
    const status = consent.statusOf(categories);
    if (status === 'refused' || (status === 'unknown' && whenUnknown === 'drop')) return;

    const message: QueuedEvent['message'] = {
      type,
      ...fields,
      messageId,
      timestamp,
      anonymousId: identity.anonymousId,
      context: {
        ...browserContext(),
        ...context.value,
        library: { name: SDK_NAME, version: SDK_VERSION },
      },
    };
    if (identity.userId !== null && message['userId'] === undefined)
      message['userId'] = identity.userId;
    stamp(message);
    if (JSON.stringify(message).length > maxMessageBytes) {
      return report(invalidInput(type, `is larger than ${maxMessageBytes} bytes of JSON`));
    }
    const held = status === 'unknown' && whenUnknown === 'hold';
    const dropped = queue.push({ message, categories: [...categories], held });
    if (dropped.length > 0) {
      const ids = dropped.map((item) => item.message.messageId);
      report(
        new OnrampError(
          0,
          'ONR_SDK_QUEUE_FULL',
          `The queue is full: ${ids.length} oldest events dropped`,
          [],
          ids,
        ),
      );
    }
    if (!held) delivery.schedule();
  };

  /** Checks a properties/traits argument; undefined when bad (already reported). */
  const objectOf = (value: unknown, field: string): JsonObject | undefined => {
    const checked = toJsonObject(value, field);
    if (!checked.ok) report(checked.error);
    return checked.ok ? checked.value : undefined;
  };
  const nonEmpty = (value: unknown, field: string): value is string => {
    if (typeof value === 'string' && value !== '') return true;
    report(invalidInput(field, 'must be a non-empty string'));
    return false;
  };

  return {
    track(event: string, properties?: JsonObject, eventOptions?: EventOptions) {
      if (!nonEmpty(event, 'event')) return;
      const checked = objectOf(properties, 'properties');
      if (checked !== undefined) enqueue('track', { event, properties: checked }, eventOptions);
    },
    identify(traits?: JsonObject, eventOptions?: EventOptions) {
      const checked = objectOf(traits, 'traits');
      if (checked !== undefined) enqueue('identify', { traits: checked }, eventOptions);
    },
    page(name?: string, properties?: JsonObject, eventOptions?: EventOptions) {
      if (name !== undefined && !nonEmpty(name, 'name')) return;
      const checked = objectOf(properties, 'properties');
      if (checked === undefined) return;
      const fields: JsonObject = { properties: { ...pageContext(), ...checked } };
      if (name !== undefined) fields['name'] = name;
      enqueue('page', fields, eventOptions);
    },
    group(groupId: string, traits?: JsonObject, eventOptions?: EventOptions) {
      if (!nonEmpty(groupId, 'groupId')) return;
      const checked = objectOf(traits, 'traits');
      if (checked !== undefined) enqueue('group', { groupId, traits: checked }, eventOptions);
    },
    alias(userId: string, previousId?: string, eventOptions?: EventOptions) {
      if (!nonEmpty(userId, 'userId')) return;
      const previous = previousId ?? identity.userId ?? identity.anonymousId;
      if (!nonEmpty(previous, 'previousId')) return;
      enqueue('alias', { userId, previousId: previous }, eventOptions);
    },
    interaction(kind: InteractionKind, decision: Decision) {
      if (!Object.prototype.hasOwnProperty.call(interactionEvents, kind)) {
        return report(invalidInput('kind', 'must be shown, clicked, dismissed or completed'));
      }
      const event = interactionEvents[kind];
      const track = decision?.track;
      if (track === undefined || track === null) {
        return report(invalidInput('decision.track', 'is required: the decision shows no content'));
      }
      const checked = objectOf(track, 'decision.track');
      if (checked !== undefined) enqueue('track', { event, properties: checked });
    },
    /** After setConsent: held events are released or dropped; the change itself is sent. */
    consentChanged() {
      const refused = new Set<string>();
      for (const item of queue.items) {
        if (!item.held) continue;
        const status = consent.statusOf(item.categories);
        if (status === 'refused') refused.add(item.message.messageId);
        else if (status === 'granted') {
          item.held = false;
          stamp(item.message);
        }
      }
      queue.remove(refused);
      queue.save();
      enqueue(
        'track',
        { event: 'Segment Consent Preference Updated', properties: {} },
        { categories: [] },
      );
    },
  };
}

function timestampOf(value: Date | string | undefined, now: () => number): string | undefined {
  const time = value === undefined ? now() : new Date(value).getTime();
  return Number.isFinite(time) ? new Date(time).toISOString() : undefined;
}
