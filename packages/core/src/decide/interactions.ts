/**
 * The standard interaction events, sent by the app (or the SDK) for what a
 * decision showed: `Content Shown`, `Content Clicked`, `Content Dismissed`,
 * `Content Completed` (properties: placement, content, and optionally variant,
 * rule, flow, step, as in Decision.track), and `Flow Step Skipped` (flow, step).
 * They are counted per content id on the profile (ProfileState.interactions),
 * for caps (`maxShows`) and dismissals; flow-progress.ts reads the flow ones.
 */
import type { OnrampEvent } from '../events/event.js';
import { isJsonObject, isUnsafeKey, type JsonObject } from '../json/json.js';
import type { ProfileState } from '../profiles/profile.js';

export const CONTENT_SHOWN = 'Content Shown';
export const CONTENT_CLICKED = 'Content Clicked';
export const CONTENT_DISMISSED = 'Content Dismissed';
export const CONTENT_COMPLETED = 'Content Completed';
/** Skips an optional step: properties `flow` and `step` (a required step cannot be skipped). */
export const FLOW_STEP_SKIPPED = 'Flow Step Skipped';

/** Every standard interaction event name. */
export const interactionEvents = [
  CONTENT_SHOWN,
  CONTENT_CLICKED,
  CONTENT_DISMISSED,
  CONTENT_COMPLETED,
  FLOW_STEP_SKIPPED,
] as const;

/** Layout of a content's interaction record: [shown, clicked, dismissed, completed, lastShownAt, lastDismissedAt]. */
export const INTERACTION_SHOWN = 0;
export const INTERACTION_CLICKED = 1;
export const INTERACTION_DISMISSED = 2;
export const INTERACTION_COMPLETED = 3;
/** Epoch ms of the last `Content Shown`; −1 when never shown. */
export const INTERACTION_LAST_SHOWN_AT = 4;
/** Epoch ms of the last `Content Dismissed`; −1 when never dismissed. */
export const INTERACTION_LAST_DISMISSED_AT = 5;
const RECORD_LENGTH = 6;

/** Content ids kept per profile; beyond it the least recently shown is forgotten. */
export const MAX_INTERACTION_CONTENT = 200;

export type InteractionKind = 'shown' | 'clicked' | 'dismissed' | 'completed';

/** What one interaction event recorded. */
export interface InteractionRecord {
  kind: InteractionKind;
  content: string;
  placement?: string;
  flow?: string;
  step?: string;
}

const idPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** Whether `value` is an id (content, placement, flow, step) that is safe as a record key. */
export function isInteractionId(value: unknown): value is string {
  return typeof value === 'string' && idPattern.test(value) && !isUnsafeKey(value);
}

function kindOf(name: string | undefined): InteractionKind | undefined {
  switch (name) {
    case CONTENT_SHOWN:
      return 'shown';
    case CONTENT_CLICKED:
      return 'clicked';
    case CONTENT_DISMISSED:
      return 'dismissed';
    case CONTENT_COMPLETED:
      return 'completed';
    default:
      return undefined;
  }
}

const countIndex: Readonly<Record<InteractionKind, number>> = {
  shown: INTERACTION_SHOWN,
  clicked: INTERACTION_CLICKED,
  dismissed: INTERACTION_DISMISSED,
  completed: INTERACTION_COMPLETED,
};

/**
 * Counts a content interaction event on the profile; undefined (and nothing
 * changed) for any other event or a malformed one. Never throws.
 */
export function applyInteraction(
  profile: ProfileState,
  event: OnrampEvent,
): InteractionRecord | undefined {
  if (event.type !== 'track') return undefined;
  const kind = kindOf(event.event);
  const properties = event.properties;
  if (kind === undefined || !isJsonObject(properties)) return undefined;
  const content = ownId(properties, 'content');
  if (content === undefined) return undefined;
  const at = Number.isFinite(event.timestamp) ? event.timestamp : 0;
  const record = recordFor(profile, content);
  record[countIndex[kind]] = (record[countIndex[kind]] ?? 0) + 1;
  if (kind === 'shown') raise(record, INTERACTION_LAST_SHOWN_AT, at);
  if (kind === 'dismissed') raise(record, INTERACTION_LAST_DISMISSED_AT, at);
  const placement = ownId(properties, 'placement');
  const flow = ownId(properties, 'flow');
  const step = ownId(properties, 'step');
  return {
    kind,
    content,
    ...(placement !== undefined && { placement }),
    ...(flow !== undefined && { flow }),
    ...(step !== undefined && { step }),
  };
}

/** How many times the content was shown (`Content Shown`); 0 when never. */
export function shownCount(profile: ProfileState, content: string): number {
  return interactionsOf(profile, content)?.[INTERACTION_SHOWN] ?? 0;
}

/** When the content was last dismissed (`Content Dismissed`), or undefined. */
export function dismissedAt(profile: ProfileState, content: string): number | undefined {
  const at = interactionsOf(profile, content)?.[INTERACTION_LAST_DISMISSED_AT];
  return at === undefined || at < 0 ? undefined : at;
}

/** The content's record, own keys only (a loaded state may hold "__proto__"). */
export function interactionsOf(profile: ProfileState, content: string): number[] | undefined {
  const records = profile.interactions;
  if (records === undefined || !Object.hasOwn(records, content)) return undefined;
  const record = records[content];
  return Array.isArray(record) ? record : undefined;
}

/**
 * Both halves of an identity merge: counts added, last times the later; the
 * least recently shown forgotten beyond MAX_INTERACTION_CONTENT. A new record.
 */
export function mergeInteractions(
  target: Record<string, number[]> | undefined,
  source: Record<string, number[]>,
): Record<string, number[]> {
  const merged: Record<string, number[]> = {};
  for (const records of [target ?? {}, source]) {
    for (const [content, record] of Object.entries(records)) {
      if (!isInteractionId(content) || !Array.isArray(record)) continue;
      const held = Object.hasOwn(merged, content) ? merged[content] : undefined;
      merged[content] = held === undefined ? normalized(record) : combine(held, record);
    }
  }
  const ids = Object.keys(merged);
  if (ids.length <= MAX_INTERACTION_CONTENT) return merged;
  const lastShown = (id: string) => merged[id]?.[INTERACTION_LAST_SHOWN_AT] ?? -1;
  const kept = new Set(
    [...ids].sort((a, b) => lastShown(b) - lastShown(a)).slice(0, MAX_INTERACTION_CONTENT),
  );
  const bounded: Record<string, number[]> = {};
  for (const id of ids) if (kept.has(id)) bounded[id] = merged[id] as number[];
  return bounded;
}

function normalized(record: readonly unknown[]): number[] {
  const copy = new Array<number>(RECORD_LENGTH);
  for (let i = 0; i < RECORD_LENGTH; i++) {
    const value = record[i];
    const fallback = i < INTERACTION_LAST_SHOWN_AT ? 0 : -1;
    copy[i] = typeof value === 'number' && Number.isFinite(value) ? value : fallback;
  }
  return copy;
}

function combine(held: number[], record: readonly unknown[]): number[] {
  const other = normalized(record);
  for (let i = 0; i < INTERACTION_LAST_SHOWN_AT; i++) held[i] = (held[i] ?? 0) + (other[i] ?? 0);
  for (let i = INTERACTION_LAST_SHOWN_AT; i < RECORD_LENGTH; i++) {
    held[i] = Math.max(held[i] ?? -1, other[i] ?? -1);
  }
  return held;
}

function ownId(properties: JsonObject, key: string): string | undefined {
  if (!Object.hasOwn(properties, key)) return undefined;
  const value = properties[key];
  return isInteractionId(value) ? value : undefined;
}

function raise(record: number[], index: number, at: number): void {
  const held = record[index];
  if (held === undefined || !(held >= at)) record[index] = at;
}

/** The content's record, created (an exact-size array) when new, evicting the least recently shown when full. */
function recordFor(profile: ProfileState, content: string): number[] {
  const records = (profile.interactions ??= {});
  const held = Object.hasOwn(records, content) ? records[content] : undefined;
  if (Array.isArray(held) && held.length === RECORD_LENGTH) return held;
  if (held !== undefined) return (records[content] = normalized(Array.isArray(held) ? held : []));
  let count = 0;
  let oldest: string | undefined;
  let oldestAt = Number.POSITIVE_INFINITY;
  for (const key in records) {
    if (!Object.hasOwn(records, key)) continue;
    count += 1;
    const at = records[key]?.[INTERACTION_LAST_SHOWN_AT] ?? -1;
    if (at < oldestAt) {
      oldestAt = at;
      oldest = key;
    }
  }
  if (count >= MAX_INTERACTION_CONTENT && oldest !== undefined) delete records[oldest];
  return (records[content] = [0, 0, 0, 0, -1, -1]);
}
