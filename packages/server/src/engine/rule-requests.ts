/**
 * The inputs of dry runs and simulations: a profile document, a Segment message as
 * the triggering event, the workspace's logged events. Validated like ingest; bad
 * input is a RuleRequestError naming the field.
 */
import {
  normalizeEvent,
  validateMessage,
  type EventLog,
  type FieldError,
  type OnrampEvent,
  type ProfileDocument,
  type WorkspaceSettings,
} from '@onramp/core';

/** Bad input to a dry run or simulation (profile document, event): the HTTP layer answers 400. */
export class RuleRequestError extends Error {
  constructor(readonly errors: FieldError[]) {
    super(errors.map((error) => `${error.field}: ${error.message}`).join('; '));
    this.name = 'RuleRequestError';
  }
}

/** A workspace's events received before `to`, in receive order, across partitions. */
export async function readWorkspaceEvents(
  log: EventLog,
  workspaceId: string,
  to: number,
  maxEvents: number,
): Promise<{ events: OnrampEvent[]; truncated: boolean }> {
  const events: OnrampEvent[] = [];
  let truncated = false;
  for (let partition = 0; partition < log.partitions && !truncated; partition++) {
    let after = 0;
    for (;;) {
      const entries = await log.read(partition, after, 5000);
      for (const entry of entries) {
        if (entry.workspaceId !== workspaceId || entry.event.receivedAt >= to) continue;
        if (events.length >= maxEvents) {
          truncated = true;
          break;
        }
        events.push(entry.event);
      }
      const last = entries[entries.length - 1];
      if (truncated || last === undefined || entries.length < 5000) break;
      after = last.offset;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  // Stable: events of one partition keep their log order when received at the same ms.
  events.sort((a, b) => a.receivedAt - b.receivedAt);
  return { events, truncated };
}

export function parseEvent(
  input: unknown,
  path: string,
  now: number,
  settings: WorkspaceSettings,
): OnrampEvent {
  const validation = validateMessage(input, { path });
  if (!validation.ok) throw new RuleRequestError(validation.errors);
  return normalizeEvent(validation.message, {
    receivedAt: now,
    skewCorrection: settings.ingest.skewCorrection,
    newMessageId: () => `dry-run:${now}`,
  });
}

const documentFields = new Set(['userId', 'anonymousId', 'traits', 'consent', 'events']);
const maxDocumentEvents = 1000;

export function parseProfileDocument(
  input: unknown,
  now: number,
  settings: WorkspaceSettings,
): ProfileDocument {
  const fail = (field: string, message: string): never => {
    throw new RuleRequestError([{ field: `profile.${field}`, message }]);
  };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return fail('(document)', 'must be an object');
  }
  const record = input as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!documentFields.has(key)) fail(key, 'is not a known field');
  }
  const document: ProfileDocument = {};
  for (const key of ['userId', 'anonymousId'] as const) {
    const value = record[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length === 0 || value.length > 256) {
      fail(key, 'must be a non-empty string of at most 256 characters');
    }
    document[key] = value as string;
  }
  if (record['traits'] !== undefined) {
    const traits = record['traits'];
    if (typeof traits !== 'object' || traits === null || Array.isArray(traits)) {
      fail('traits', 'must be an object');
    }
    document.traits = traits as ProfileDocument['traits'];
  }
  if (record['consent'] !== undefined) {
    const consent = record['consent'];
    if (typeof consent !== 'object' || consent === null || Array.isArray(consent)) {
      return fail('consent', 'must be an object of category → boolean');
    }
    for (const [category, granted] of Object.entries(consent)) {
      if (typeof granted !== 'boolean') fail(`consent.${category}`, 'must be a boolean');
    }
    document.consent = consent as Record<string, boolean>;
  }
  if (record['events'] !== undefined) {
    const events = record['events'];
    if (!Array.isArray(events)) return fail('events', 'must be an array of Segment messages');
    if (events.length > maxDocumentEvents)
      fail('events', `must have at most ${maxDocumentEvents} items`);
    // Events of a hypothetical profile need no identity: the document's is implied.
    document.events = events.map((event: unknown, index) =>
      parseEvent(withIdentity(event), `profile.events[${index}]`, now, settings),
    );
  }
  return document;
}

export function withIdentity(
  event: unknown,
  identity: { userId: string } | { anonymousId: string } = { anonymousId: 'dry-run' },
): unknown {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return event;
  const { userId, anonymousId } = event as { userId?: unknown; anonymousId?: unknown };
  return userId === undefined && anonymousId === undefined ? { ...event, ...identity } : event;
}
